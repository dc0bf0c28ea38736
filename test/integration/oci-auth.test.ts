/**
 * Registry authentication against real parts: docker-registry 2.8.2 behind htpasswd Basic auth,
 * and behind the Bearer token server written for the tests; credentials from `fleetpack registry
 * login` in the real OS keychain (gnome-keyring via with-services.sh) or from a Docker config
 * (read, never written). Secrets never appear in output.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pullPackage,
  pushPackage,
  REGISTRY_KEYCHAIN_SERVICE,
  RegistryCredentialStore,
  staticCredentials,
} from '../../src-main/oci/index.js';
import { runCli } from '../fixtures/cli.js';
import { makeOciPackage, type OciTestPackage } from '../fixtures/oci-package.js';
import { type RegistryServer, startRegistry } from '../fixtures/registry.js';
import { startTokenServer, type TokenServer } from '../fixtures/token-server.js';
import { tempDir } from '../fixtures/temp.js';

const PASSWORD = 'wonder-land-7f3a';
let base: string;
let pkg: OciTestPackage;
let emptyDocker: string;

const json = (out: string) => JSON.parse(out) as Record<string, any>;
/** The CLI with no Docker config unless one is given. */
const cli = (argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string) =>
  runCli(base, argv, { ...process.env, DOCKER_CONFIG: emptyDocker, ...env }, stdin === undefined ? {} : { stdin });

async function forget(host: string): Promise<void> {
  await keytar.deletePassword(REGISTRY_KEYCHAIN_SERVICE, host).catch(() => false);
}

beforeAll(async () => {
  if (!process.env.FLEETPACK_SERVICES)
    throw new Error('Run with `bash test/tools/with-services.sh npx vitest run …` (a real keychain is needed).');
  base = tempDir('fleetpack-oci-auth-');
  emptyDocker = join(base, 'no-docker');
  pkg = await makeOciPackage(join(base, 'person-detector-1.4.0'), { weightBytes: 200_000 });
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('htpasswd Basic auth', () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry({ auth: { kind: 'htpasswd', users: [{ user: 'alice', password: PASSWORD }] } });
  });
  afterAll(async () => {
    await forget(reg.host);
    await reg.stop();
  });

  it('without credentials: a typed error that says how to log in', async () => {
    const r = await cli(['push', pkg.dir, `${reg.host}/acme/pd:1.4.0`, '--plain-http', '--json']);
    expect(r.code).toBe(2);
    const e = json(r.out).error;
    expect(e.code).toBe('OCI_UNAUTHORIZED');
    expect(e.message).toContain(reg.host);
    expect(e.hint).toContain(`fleetpack registry login ${reg.host}`);
  });

  it('login checks the password before storing it; a wrong one stores nothing', async () => {
    const bad = await cli(
      ['registry', 'login', reg.host, '--username', 'alice', '--password-env', 'PW', '--plain-http', '--json'],
      { PW: 'not-the-password' },
    );
    expect(bad.code).toBe(2);
    expect(json(bad.out).error.code).toBe('OCI_UNAUTHORIZED');
    expect(await new RegistryCredentialStore().get(reg.host)).toBeUndefined();
    expect(bad.out + bad.err).not.toContain('not-the-password');
  });

  it('login (password on stdin) stores it in the keychain; push and pull use it; logout removes it', async () => {
    const login = await cli(
      ['registry', 'login', reg.host, '-u', 'alice', '--password-stdin', '--plain-http', '--json'],
      {},
      `${PASSWORD}\n`,
    );
    expect(login.code, login.out).toBe(0);
    expect(login.out + login.err).not.toContain(PASSWORD);
    const secret = await keytar.getPassword(REGISTRY_KEYCHAIN_SERVICE, reg.host);
    expect(secret).toContain(PASSWORD); // in the keychain, and only there
    const list = await cli(['registry', 'list', '--json']);
    expect(json(list.out).registries).toContainEqual({ registry: reg.host, username: 'alice' });
    expect(list.out).not.toContain(PASSWORD);

    const push = await cli(['push', pkg.dir, `${reg.host}/acme/pd:1.4.0`, '--plain-http', '--json']);
    expect(push.code, push.out).toBe(0);
    expect(push.out + push.err).not.toContain(PASSWORD);
    const pull = await cli(['pull', json(push.out).reference, join(base, 'basic-pulled'), '--plain-http', '--json']);
    expect(pull.code, pull.out).toBe(0);

    const out = await cli(['registry', 'logout', reg.host, '--json']);
    expect(json(out.out)).toMatchObject({ ok: true, removed: true });
    expect(await keytar.getPassword(REGISTRY_KEYCHAIN_SERVICE, reg.host)).toBeNull();
    const again = await cli(['resolve', `${reg.host}/acme/pd:1.4.0`, '--plain-http', '--json']);
    expect(json(again.out).error.code).toBe('OCI_UNAUTHORIZED');
  });

  it("reads the user's Docker config (auths) and never writes it", async () => {
    const dockerDir = join(base, 'docker');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dockerDir, { recursive: true });
    const config = JSON.stringify({
      auths: { [reg.host]: { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') } },
    });
    writeFileSync(join(dockerDir, 'config.json'), config);
    const before = statSync(join(dockerDir, 'config.json')).mtimeMs;
    const r = await cli(['resolve', `${reg.host}/acme/pd:1.4.0`, '--plain-http', '--json'], {
      DOCKER_CONFIG: dockerDir,
    });
    expect(r.code, r.out).toBe(0);
    expect(json(r.out).summary.name).toBe('person-detector');
    expect(readFileSync(join(dockerDir, 'config.json'), 'utf8')).toBe(config);
    expect(statSync(join(dockerDir, 'config.json')).mtimeMs).toBe(before);
  });
});

describe('Bearer token auth (token server written for the test)', () => {
  let tokens: TokenServer;
  let reg: RegistryServer;
  beforeAll(async () => {
    tokens = await startTokenServer({
      alice: { password: PASSWORD, actions: ['pull', 'push'] },
      reader: { password: 'read-only-pw', actions: ['pull'] },
      bob: { password: 'unused', actions: ['pull'], refreshToken: 'bob-refresh-token-1' },
    });
    reg = await startRegistry({
      auth: {
        kind: 'token',
        realm: tokens.realm,
        service: tokens.service,
        issuer: tokens.issuer,
        certPath: tokens.certPath,
      },
    });
  });
  afterAll(async () => {
    await forget(reg.host);
    await reg.stop();
    await tokens.stop();
  });

  it('login gets a token with the password; push and pull follow the challenge with the right scopes', async () => {
    const login = await cli(
      ['registry', 'login', reg.host, '-u', 'alice', '--password-env', 'PW', '--plain-http', '--json'],
      { PW: PASSWORD },
    );
    expect(login.code, login.out).toBe(0);
    const push = await cli(['push', pkg.dir, `${reg.host}/acme/secure:1.4.0`, '--plain-http', '--json']);
    expect(push.code, push.out + push.err).toBe(0);
    expect(tokens.requests).toContainEqual({
      method: 'GET',
      user: 'alice',
      scopes: expect.arrayContaining(['repository:acme/secure:pull,push']),
    });
    const out = join(base, 'bearer-pulled');
    const pull = await cli(['pull', json(push.out).reference, out, '--plain-http', '--json']);
    expect(pull.code, pull.out).toBe(0);
    expect(push.out + push.err + pull.out + pull.err).not.toMatch(/eyJ|wonder-land/); // no token, no password
  });

  it('anonymous: the token grants nothing and the error says to log in', async () => {
    const err = await pullPackage(`${reg.host}/acme/secure:1.4.0`, join(base, 'anon'), {
      plainHttp: true,
      credentials: staticCredentials(undefined),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_UNAUTHORIZED' });
    expect((err as Error & { hint: string }).hint).toContain('fleetpack registry login');
  });

  it('a user with pull rights only is denied push, with the scope named', async () => {
    const err = await pushPackage(pkg.dir, `${reg.host}/acme/secure:reader`, {
      plainHttp: true,
      credentials: staticCredentials({ username: 'reader', password: 'read-only-pw' }),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OCI_DENIED' });
    expect((err as Error).message).toContain('repository:acme/secure');
  });

  it('a wrong password is refused at the token service', async () => {
    const r = await cli(
      ['registry', 'login', reg.host, '-u', 'alice', '--password-env', 'PW', '--plain-http', '--json'],
      { PW: 'wrong' },
    );
    expect(r.code).toBe(2);
    expect(json(r.out).error.code).toBe('OCI_UNAUTHORIZED');
  });

  it('a Docker identity token is exchanged as an OAuth2 refresh token', async () => {
    const dockerDir = join(base, 'docker-bob');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(
      join(dockerDir, 'config.json'),
      JSON.stringify({ auths: { [`http://${reg.host}`]: { identitytoken: 'bob-refresh-token-1' } } }),
    );
    await forget(reg.host);
    const r = await cli(['resolve', `${reg.host}/acme/secure:1.4.0`, '--plain-http', '--json'], {
      DOCKER_CONFIG: dockerDir,
    });
    expect(r.code, r.out).toBe(0);
    expect(tokens.requests).toContainEqual(expect.objectContaining({ method: 'POST', user: 'bob' }));
  });
});
