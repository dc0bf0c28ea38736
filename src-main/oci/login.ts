/**
 * `registry login|logout`: credentials are checked against the registry (GET /v2/, answering its
 * challenge: a token for Bearer registries, Basic otherwise) before they are stored in the keychain,
 * so a typo is caught at login, not at the next push.
 */
import { OciError } from '../errors.js';
import { RegistryAuth } from './auth.js';
import { type Credentials, RegistryCredentialStore, staticCredentials } from './credentials.js';
import { discard, HttpClient, registryError } from './http.js';
import { registryOrigin, type TransportOptions } from './reference.js';

export interface LoginOptions extends TransportOptions {
  signal?: AbortSignal;
  store?: RegistryCredentialStore;
  /** Store without checking (offline preparation). */
  skipCheck?: boolean;
}

/** Checks that `registry` accepts `creds` (or needs none). Throws OCI_UNAUTHORIZED when it refuses them. */
export async function checkCredentials(registry: string, creds: Credentials, opts: LoginOptions = {}): Promise<void> {
  const origin = registryOrigin(registry, opts);
  const auth = new RegistryAuth({
    registry,
    origin,
    credentials: staticCredentials(creds),
    ...(opts.insecure ? { insecure: true } : {}),
  });
  const http = new HttpClient({ registry, origin, auth });
  const what = `Logging in to ${registry}`;
  const out = await http.send({ method: 'GET', url: `${origin}/v2/`, retry: true, signal: opts.signal, what });
  if (!out.res.ok) {
    const e = await registryError(out.res, what, registry);
    out.done();
    throw e;
  }
  await discard(out);
}

export async function loginRegistry(
  registry: string,
  creds: Credentials,
  opts: LoginOptions = {},
): Promise<{ registry: string; checked: boolean }> {
  if (!creds.identityToken && (!creds.username || creds.password === undefined || creds.password === ''))
    throw new OciError('OCI_CREDENTIALS_MISSING', 'A user name and a password (or token) are needed to log in', {
      where: registry,
      hint: 'Pass --username and the password on stdin (--password-stdin) or in an environment variable (--password-env VAR).',
    });
  if (!opts.skipCheck) await checkCredentials(registry, creds, opts);
  await (opts.store ?? new RegistryCredentialStore()).save(registry, creds);
  return { registry, checked: !opts.skipCheck };
}

export async function logoutRegistry(
  registry: string,
  opts: { store?: RegistryCredentialStore } = {},
): Promise<{ registry: string; removed: boolean }> {
  const removed = await (opts.store ?? new RegistryCredentialStore()).remove(registry);
  return { registry, removed };
}
