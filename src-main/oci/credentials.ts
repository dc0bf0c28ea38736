/**
 * Registry credentials: `fleetpack registry login HOST` keeps them in the OS keychain (service
 * `fleetpack-registry`, account = `host[:port]`, through signing's Keychain); the user's Docker
 * config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, `auths`) is read as a fallback
 * and never written. Credential helpers (`credsStore`, `credHelpers`) are not run: a note says so.
 * Nothing here logs or returns a secret in a message.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OciError } from '../errors.js';
import { Keychain } from '../signing/index.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`): exchanged at the token service. */
  identityToken?: string;
}

export type CredentialSource = 'explicit' | 'keychain' | 'docker-config' | 'none';

export interface CredentialLookup {
  credentials?: Credentials;
  source: CredentialSource;
  /** Why none were found, or where they came from, for error hints (never the secret). */
  note?: string;
}

/** Looks up credentials for `host[:port]`; called only when a registry asks for them. */
export type CredentialProvider = (registry: string) => Promise<CredentialLookup>;

export const REGISTRY_KEYCHAIN_SERVICE = 'fleetpack-registry';
const MAX_DOCKER_CONFIG = 1024 * 1024;

interface StoredCredentials {
  v: 1;
  username?: string;
  password?: string;
  identityToken?: string;
}

function checkRegistry(registry: string): void {
  if (!/^[a-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/.test(registry)) {
    throw new OciError('OCI_REF_INVALID', `"${registry.slice(0, 200)}" is not a registry host[:port]`, {
      hint: 'Give the registry host as it appears in references, e.g. ghcr.io or 127.0.0.1:5000.',
    });
  }
}

/** Registry credentials in the OS keychain. */
export class RegistryCredentialStore {
  private readonly keychain: Keychain;

  constructor(opts: { service?: string; timeoutMs?: number } = {}) {
    this.keychain = new Keychain(
      opts.service ?? REGISTRY_KEYCHAIN_SERVICE,
      opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs },
    );
  }

  async save(registry: string, creds: Credentials): Promise<void> {
    checkRegistry(registry);
    const doc: StoredCredentials = { v: 1, ...creds };
    await this.keychain.set(registry, JSON.stringify(doc), `registry "${registry}"`);
  }

  async get(registry: string): Promise<Credentials | undefined> {
    checkRegistry(registry);
    const secret = await this.keychain.get(registry, `registry "${registry}"`);
    return secret === null ? undefined : decode(secret);
  }

  /** True when something was removed. */
  async remove(registry: string): Promise<boolean> {
    checkRegistry(registry);
    return this.keychain.delete(registry, `registry "${registry}"`);
  }

  /** Registries with stored credentials (and the user name, never the password). */
  async list(): Promise<{ registry: string; username?: string }[]> {
    const out: { registry: string; username?: string }[] = [];
    for (const e of await this.keychain.entries()) {
      const c = decode(e.password);
      if (c) out.push({ registry: e.account, ...(c.username === undefined ? {} : { username: c.username }) });
    }
    return out.sort((a, b) => (a.registry < b.registry ? -1 : a.registry > b.registry ? 1 : 0));
  }
}

function decode(secret: string): Credentials | undefined {
  try {
    const d = JSON.parse(secret) as Partial<StoredCredentials>;
    if (d.v !== 1) return undefined;
    const c: Credentials = {};
    if (typeof d.username === 'string') c.username = d.username;
    if (typeof d.password === 'string') c.password = d.password;
    if (typeof d.identityToken === 'string') c.identityToken = d.identityToken;
    return c.password !== undefined || c.identityToken !== undefined ? c : undefined;
  } catch {
    return undefined;
  }
}

/** `https://host:5000/v1/` → `host:5000` (Docker config keys come in many shapes). */
function dockerKeyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

/** Credentials for `registry` from the Docker config, read only. Never throws: problems become a note. */
export async function dockerConfigCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CredentialLookup> {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  const path = join(dir, 'config.json');
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_DOCKER_CONFIG) return { source: 'none', note: `${path} is larger than 1 MiB; not read` };
    text = buf.toString('utf8');
  } catch {
    return { source: 'none' };
  }
  let doc: { auths?: Record<string, Record<string, unknown>>; credsStore?: unknown; credHelpers?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { source: 'none', note: `${path} is not valid JSON; not used` };
  }
  const helper =
    (doc.credHelpers && typeof doc.credHelpers === 'object'
      ? (doc.credHelpers as Record<string, unknown>)[registry]
      : undefined) ?? doc.credsStore;
  const entries = doc.auths && typeof doc.auths === 'object' ? Object.entries(doc.auths) : [];
  const entry = entries.find(([k]) => dockerKeyHost(k) === registry)?.[1];
  if (entry && typeof entry === 'object') {
    const c: Credentials = {};
    if (typeof entry.auth === 'string' && entry.auth) {
      const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = plain.indexOf(':');
      if (i > 0) {
        c.username = plain.slice(0, i);
        c.password = plain.slice(i + 1);
      }
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      c.username = entry.username;
      c.password = entry.password;
    }
    if (typeof entry.identitytoken === 'string' && entry.identitytoken) c.identityToken = entry.identitytoken;
    if (c.password !== undefined || c.identityToken !== undefined)
      return { credentials: c, source: 'docker-config', note: `from ${path}` };
  }
  if (typeof helper === 'string' && helper)
    return {
      source: 'none',
      note: `${path} keeps ${registry} credentials in the Docker credential helper "docker-credential-${helper}", which Fleetpack does not run; use \`fleetpack registry login ${registry}\``,
    };
  return { source: 'none' };
}

/**
 * The default lookup: the keychain (`fleetpack registry login`), then the Docker config. A keychain
 * that is unavailable does not stop anonymous or Docker-config access; it becomes part of the note.
 */
export function defaultCredentials(
  opts: { store?: RegistryCredentialStore; env?: NodeJS.ProcessEnv } = {},
): CredentialProvider {
  const store = opts.store ?? new RegistryCredentialStore();
  return async (registry) => {
    let keychainNote: string | undefined;
    try {
      const c = await store.get(registry);
      if (c) return { credentials: c, source: 'keychain', note: 'from the OS keychain (fleetpack registry login)' };
    } catch (e) {
      keychainNote = `the OS keychain could not be read (${(e as Error).message})`;
    }
    const docker = await dockerConfigCredentials(registry, opts.env);
    if (docker.credentials) return docker;
    const note = [keychainNote, docker.note].filter(Boolean).join('; ');
    return { source: 'none', ...(note ? { note } : {}) };
  };
}

/** A provider that always answers with the given credentials (Studio form, tests, server config). */
export function staticCredentials(creds: Credentials | undefined): CredentialProvider {
  return () => Promise.resolve(creds ? { credentials: creds, source: 'explicit' } : { source: 'none' });
}
