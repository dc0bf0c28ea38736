/**
 * The keystore and the key/sign/verify CLI against the real OS keychain (Secret Service via
 * gnome-keyring). Run under `bash test/tools/with-services.sh npx vitest run ...` (npm test does).
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.js';
import { KeystoreError } from '../../src-main/errors.js';
import { CURVES, KEYCHAIN_SERVICE, Keystore, signModel, verifyModel } from '../../src-main/signing/index.js';
import { makePackage } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Unique per run so parallel runs and leftovers never collide; everything with it is deleted after. */
const prefix = `t${process.pid}-${Date.now().toString(36)}`;
const store = new Keystore();

async function cleanup(): Promise<void> {
  for (const c of await keytar.findCredentials(KEYCHAIN_SERVICE)) {
    if (c.account.startsWith(prefix)) await keytar.deletePassword(KEYCHAIN_SERVICE, c.account);
  }
}

const cli = (argv: string[]) => runCli(process.cwd(), argv, { ...process.env });

/** Every file under a folder (to check no private key landed on disk in the clear). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile() && statSync(p).size < 50_000_000) out.push(p);
  }
  return out;
}

beforeAll(() => {
  if (!process.env.FLEETPACK_SERVICES) {
    throw new Error(
      'Keychain tests need a Secret Service: run them with `bash test/tools/with-services.sh npx vitest run ...` (npm test does).',
    );
  }
});
afterAll(cleanup);

describe('keystore on the real OS keychain', () => {
  for (const curve of CURVES) {
    it(`creates, lists, exports, signs with and deletes a ${curve} key`, async () => {
      const name = `${prefix}-${curve}`;
      const created = await store.create(name, { curve });
      expect(created).toMatchObject({ name, curve });
      expect(created.keyId).toMatch(/^[0-9a-f]{64}$/);
      const listed = await store.list();
      const mine = listed.find((k) => k.name === name)!;
      expect(mine).toEqual(created);
      expect(JSON.stringify(listed)).not.toMatch(/PRIVATE KEY/);
      const pub = await store.exportPublicKey(name);
      expect(pub).toBe(created.publicKeyPem);
      const signer = await store.signer(name);
      expect(signer.keyId).toBe(created.keyId);
      const dir = makePackage();
      await signModel(dir, signer);
      expect((await verifyModel(dir, { publicKeyPem: pub })).verified).toBe(true);
      await store.delete(name);
      await expect(store.get(name)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    });
  }

  it('keeps the private key only inside the keychain: the secret is PKCS#8 and not on disk in the clear', async () => {
    const name = `${prefix}-secret`;
    await store.create(name);
    const secret = JSON.parse((await keytar.getPassword(KEYCHAIN_SERVICE, name))!);
    expect(secret.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const body = secret.privateKeyPem.split('\n').slice(1, -2).join('');
    // The private scalar itself, raw and as it appears in the PEM's base64 body.
    const scalar = Buffer.from(createPrivateKey(secret.privateKeyPem).export({ format: 'jwk' }).d!, 'base64url');
    const home = process.env.HOME!;
    const files = filesUnder(home);
    expect(files.length).toBeGreaterThan(0); // the keyring file exists, encrypted
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(scalar), f).toBe(false);
      expect(bytes.includes(body.slice(-40)), f).toBe(false);
    }
    await store.delete(name);
  });

  it('imports a PEM private key, refusing duplicates, RSA, Ed25519 and bad names', async () => {
    const name = `${prefix}-imported`;
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
      .privateKey.export({ type: 'sec1', format: 'pem' })
      .toString();
    const k = await store.import(name, pem);
    expect(k.curve).toBe('P-521');
    await expect(store.import(name, pem)).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    await expect(store.create(name)).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    await expect(store.import(`${prefix}-rsa`, rsa)).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(store.import(`${prefix}-ed`, ed)).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
    expect((await store.list()).map((x) => x.name)).not.toContain(`${prefix}-rsa`);
    await expect(store.create('../evil')).rejects.toBeInstanceOf(KeystoreError);
    await expect(store.create('')).rejects.toMatchObject({ code: 'KEY_NAME_INVALID' });
    await store.delete(name);
    await expect(store.delete(name)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('reports a keychain entry that is not a Fleetpack key as KEY_CORRUPT', async () => {
    const name = `${prefix}-foreign`;
    await keytar.setPassword(KEYCHAIN_SERVICE, name, 'not json');
    await expect(store.signer(name)).rejects.toMatchObject({ code: 'KEY_CORRUPT' });
    expect((await store.list()).map((k) => k.name)).not.toContain(name);
    await store.delete(name);
  });
});

describe('fleetpack key / sign / verify CLI', () => {
  it('runs the whole flow with exit codes 0 / 1 / 2 and --json documents', async () => {
    const name = `${prefix}-cli`;
    const created = await cli(['key', 'create', name, '--curve', 'P-384', '--json']);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.out).key;
    expect(key).toMatchObject({ name, curve: 'P-384' });

    const list = await cli(['key', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).keys).toContainEqual({ name, keyId: key.keyId, curve: 'P-384', created: key.created });
    expect(list.out).not.toMatch(/PRIVATE/);

    const exported = await cli(['key', 'export', name]);
    expect(exported.out).toBe(key.publicKeyPem);
    const pubPath = join(tempDir(), 'key.pub.pem');
    writeFileSync(pubPath, exported.out);

    const dir = makePackage();
    const signed = await cli(['sign', dir, '--key', name, '--json']);
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({
      ok: true,
      keyId: key.keyId,
      curve: 'P-384',
      signaturePath: join(dir, 'model.sig'),
    });

    const ok = await cli(['verify', dir, '--public-key', pubPath]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^verified: 3 file\(s\)/);
    expect((await cli(['verify', dir, '--key', name, '--json'])).code).toBe(0);

    writeFileSync(join(dir, 'fleetpack.json'), '{"tampered":true}');
    const bad = await cli(['verify', dir, '--public-key', pubPath, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({
      verified: false,
      problems: [{ code: 'FILE_MODIFIED', file: 'fleetpack.json' }],
    });
    const badText = await cli(['verify', dir, '--public-key', pubPath]);
    expect(badText.code).toBe(1);
    expect(badText.out).toMatch(/NOT verified[\s\S]*FILE_MODIFIED/);

    const pemPath = join(tempDir(), 'imp.pem');
    writeFileSync(
      pemPath,
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-128-cbc',
        passphrase: 'pw',
      }),
    );
    const noPass = await cli(['key', 'import', `${name}-imp`, pemPath, '--json']);
    expect(noPass.code).toBe(2);
    expect(JSON.parse(noPass.out).error).toMatchObject({ code: 'KEY_ENCRYPTED', where: pemPath });
    process.env.FP_TEST_PASS = 'pw';
    expect((await cli(['key', 'import', `${name}-imp`, pemPath, '--passphrase-env', 'FP_TEST_PASS'])).code).toBe(0);
    expect((await cli(['key', 'delete', `${name}-imp`])).code).toBe(0);

    expect((await cli(['sign', dir])).code).toBe(2); // --key missing
    const missingKey = await cli(['sign', dir, '--key', `${prefix}-nope`, '--json']);
    expect(missingKey.code).toBe(2);
    expect(JSON.parse(missingKey.out).error.code).toBe('KEY_NOT_FOUND');
    expect((await cli(['verify', dir])).code).toBe(2); // no key given
    expect((await cli(['key', 'frob'])).code).toBe(2);

    expect((await cli(['key', 'delete', name])).code).toBe(0);
    expect((await cli(['key', 'delete', name])).code).toBe(2);
  });
});

describe('no Secret Service', () => {
  it('fails with KEYCHAIN_UNAVAILABLE and a how-to-fix hint, never a file fallback', () => {
    const home = tempDir('fleetpack-nokeyring-');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src-main/cli/fleetpack.ts'), 'key', 'create', `${prefix}-nodbus`, '--json'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          HOME: home,
          XDG_DATA_HOME: join(home, 'data'),
          DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
          DISPLAY: '',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(doc.error.hint).toMatch(/gnome-keyring/);
    expect(doc.error.hint).toMatch(/dbus-run-session/);
    expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY|\bat .*\.ts:\d+/);
    expect(filesUnder(home)).toEqual([]);
  });
});
