/**
 * The platform suite, run once on SQLite and once on PostgreSQL (platform-sqlite.test.ts,
 * platform-postgres.test.ts): publish over HTTP with the real client and server, every "bad input
 * and faults" case that needs no process kill, channels, coverage, audit, policy, key rotation,
 * expiry re-signing — and after each step the repository checked against the TUF rules and loaded
 * by tuf-js.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPublisherKey,
  addRegistry,
  Platform,
  PlatformClient,
  PublishError,
  openStore,
  rotateKey,
  type DatabaseTarget,
} from '../../src-main/platform/index.js';
import { startServer, type RunningServer } from '../../src-main/server/index.js';
import { RegistryRepository, pushPackage, staticCredentials } from '../../src-main/oci/index.js';
import { startFaultProxy } from '../fixtures/fault-proxy.js';
import { makeOciPackage } from '../fixtures/oci-package.js';
import { startRegistry, type RegistryServer } from '../fixtures/registry.js';
import { newTestPlatform, packageDir, publisherKeyPair, type TestPlatform } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';
import { checkRepository, httpFiles, tufClient } from '../fixtures/tuf-check.js';

export interface Backend {
  name: string;
  /** A fresh, empty database for one platform. */
  database(): DatabaseTarget | undefined;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

async function refused(p: Promise<unknown>): Promise<PublishError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PublishError) return e;
    throw e;
  }
  throw new Error('expected the publish to be refused');
}

/** Sends raw bytes as a PATCH and cuts the connection after `cutAfter` bytes (or sends all). */
function rawPatch(
  url: string,
  token: string,
  body: Buffer,
  range: string,
  cutAfter?: number,
): Promise<{ status: number; body: string; headers: Record<string, unknown> } | 'cut'> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-range': range,
        'content-length': String(body.length),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', () => resolve('cut'));
    if (cutAfter === undefined) req.end(body);
    else {
      req.write(body.subarray(0, cutAfter), () => setTimeout(() => req.destroy(), 200));
    }
  });
}

/** The target whose `custom` describes the release (channels, profiles, manifest digest). */
const modelTarget = (r: { files: { role: string; target: string }[] }) =>
  r.files.find((f) => f.role === 'model')!.target;

export function platformSuite(backend: Backend): void {
  describe(`platform on ${backend.name}`, () => {
    let tp: TestPlatform;
    let server: RunningServer;
    let work: string;
    let pub: PlatformClient;
    let dbTarget: DatabaseTarget;
    const api = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
    const repoOk = async () => {
      const c = await checkRepository(httpFiles(server.url));
      expect(c.problems).toEqual([]);
      return c;
    };

    beforeAll(async () => {
      await backend.setup?.();
      const database = backend.database();
      tp = await newTestPlatform({ tag: backend.name, ...(database ? { database } : {}) });
      dbTarget = database ?? { sqlite: join(tp.dir, 'platform.db') };
      server = await startServer(tp.platform, { failureLimit: { max: 5, windowMs: 60_000 } });
      work = tempDir();
      pub = new PlatformClient(server.url, tp.publisher, { chunkBytes: 64 * 1024, retryDelayMs: 20 });
    });
    afterAll(async () => {
      await server.close();
      await tp.close();
      await backend.teardown?.();
    });

    it('publishes a package, serves signed metadata tuf-js verifies, and downloads the target through it', async () => {
      const dir = await packageDir(work, { version: '1.0.0' });
      const res = await pub.publishDir(dir, { channel: 'beta' });
      expect(res.release).toMatchObject({
        name: 'person-detector',
        version: '1.0.0',
        releaseCounter: 1,
        channels: ['beta'],
        source: 'upload',
      });
      expect(res.release.files.map((f) => f.role).sort()).toEqual(['external-data', 'manifest', 'model', 'sbom']);
      const check = await repoOk();
      expect(check.targetCount).toBe(4);
      const model = res.release.files.find((f) => f.role === 'model')!;
      const updater = tufClient(server.url, tp.init.root);
      const info = await updater.getTargetInfo(model.target);
      expect(info?.custom).toMatchObject({
        releaseCounter: 1,
        role: 'model',
        framework: 'onnx',
        channels: ['beta'],
        manifest: res.release.manifestDigest,
      });
      // The bytes the platform stored verify against the signed length and hash.
      const blob = await api(`/v1/blobs/${model.digest}`, { token: tp.publisher });
      const bytes = Buffer.from(await blob.arrayBuffer());
      expect(bytes.equals(readFileSync(join(dir, model.path)))).toBe(true);
      expect(info?.length).toBe(bytes.length);
    });

    it('serves the OpenAPI 3.1 document and keeps /tuf/ public but /v1 authenticated', async () => {
      const doc = (await (await api('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/uploads', '/v1/releases', '/v1/coverage', '/v1/audit', '/tuf/{name}']),
      );
      expect((await api('/tuf/timestamp.json')).status).toBe(200);
      expect((await api('/v1/releases')).status).toBe(401);
      expect((await api('/tuf/../v1/releases')).status).not.toBe(200);
    });

    it('resumes an upload cut mid-way, from the offset the server reports', async () => {
      const body = Buffer.alloc(300_000, 7);
      const s = (await (await api('/v1/uploads', { method: 'POST', token: tp.publisher })).json()) as { id: string };
      const cut = await rawPatch(
        `${server.url}/v1/uploads/${s.id}`,
        tp.publisher,
        body,
        `0-${body.length - 1}`,
        100_000,
      );
      expect(cut).toBe('cut');
      // The server keeps what arrived; the client continues from there.
      let offset = 0;
      for (let i = 0; i < 50; i++) {
        offset = ((await (await api(`/v1/uploads/${s.id}`, { token: tp.publisher })).json()) as { offset: number })
          .offset;
        if (offset >= 100_000) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(100_000);
      const rest = await rawPatch(
        `${server.url}/v1/uploads/${s.id}`,
        tp.publisher,
        body.subarray(offset),
        `${offset}-${body.length - 1}`,
      );
      expect(rest !== 'cut' && rest.status).toBe(202);
      const { createHash } = await import('node:crypto');
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const done = await api(`/v1/uploads/${s.id}?digest=${digest}`, { method: 'PUT', token: tp.publisher });
      expect(done.status).toBe(201);
      expect(await done.json()).toEqual({ digest, size: body.length });
    });

    it('the client resumes by itself through a proxy that drops the connection mid-file', async () => {
      const proxy = await startFaultProxy(server.url);
      try {
        let dropped = 0;
        proxy.setRule((req) => {
          if (req.method !== 'PATCH' || dropped >= 2) return { kind: 'pass' };
          dropped++;
          return { kind: 'drop-after', bytes: 40_000 };
        });
        const dir = await packageDir(work, { version: '1.0.1', weightsBytes: 1_000_000 });
        const client = new PlatformClient(proxy.url, tp.publisher, { chunkBytes: 256 * 1024, retryDelayMs: 10 });
        const res = await client.publishDir(dir);
        expect(res.release.version).toBe('1.0.1');
        expect(dropped).toBe(2);
        const weights = res.release.files.find((f) => f.path === 'weights.bin')!;
        expect(weights.size).toBe(1_000_000);
        const stored = Buffer.from(
          await (await api(`/v1/blobs/${weights.digest}`, { token: tp.publisher })).arrayBuffer(),
        );
        expect(stored.equals(readFileSync(join(dir, 'weights.bin')))).toBe(true);
      } finally {
        await proxy.stop();
      }
    });

    it('answers a chunk at the wrong offset with 416 and the current range', async () => {
      const s = (await (await api('/v1/uploads', { method: 'POST', token: tp.publisher })).json()) as { id: string };
      const first = await rawPatch(`${server.url}/v1/uploads/${s.id}`, tp.publisher, Buffer.alloc(10, 1), '0-9');
      expect(first !== 'cut' && first.status).toBe(202);
      const wrong = await rawPatch(`${server.url}/v1/uploads/${s.id}`, tp.publisher, Buffer.alloc(10, 1), '20-29');
      expect(wrong).not.toBe('cut');
      if (wrong === 'cut') return;
      expect(wrong.status).toBe(416);
      expect(wrong.headers.range).toBe('0-9');
      expect(JSON.parse(wrong.body).error.code).toBe('UPLOAD_RANGE_INVALID');
      const garbage = await rawPatch(
        `${server.url}/v1/uploads/${s.id}`,
        tp.publisher,
        Buffer.alloc(10, 1),
        'bytes=abc',
      );
      expect(garbage !== 'cut' && garbage.status).toBe(416);
      // A digest that is not what arrived drops the session.
      const bad = await api(`/v1/uploads/${s.id}?digest=sha256:${'0'.repeat(64)}`, {
        method: 'PUT',
        token: tp.publisher,
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('DIGEST_MISMATCH');
      expect((await api(`/v1/uploads/${s.id}`, { token: tp.publisher })).status).toBe(404);
    });

    const tufVersion = async () =>
      ((await (await api('/tuf/timestamp.json')).json()) as { signed: { version: number } }).signed.version;
    const releaseCount = async () => (await pub.releases()).length;

    it('refuses a file whose bytes do not match the manifest, per file, and publishes nothing', async () => {
      const dir = await packageDir(work, { version: '2.0.0' });
      writeFileSync(join(dir, 'weights.bin'), 'tampered weights!!!!!!!!!!!!!!!!!!!!!'); // same length class, other bytes
      const before = { tuf: await tufVersion(), releases: await releaseCount() };
      const e = await refused(pub.publishDir(dir));
      expect(e.code).toBe('PUBLISH_REFUSED');
      const p = e.problems.find((x) => x.file === 'weights.bin')!;
      expect(p).toMatchObject({
        step: 'files',
        pointer: expect.stringMatching(/^\/artifact\/files\/1\/(sha256|size)$/),
      });
      expect(p.hint).toBeTruthy();
      expect({ tuf: await tufVersion(), releases: await releaseCount() }).toEqual(before);
    });

    it('refuses a manifest that names a file never uploaded', async () => {
      const dir = await packageDir(work, { version: '2.0.1' });
      const files: { path: string; digest: string; size: number }[] = [];
      for (const f of ['fleetpack.json', 'model.onnx', 'sbom.cdx.json']) {
        const up = await pub.uploadFile(join(dir, f));
        files.push({ path: f, ...up });
      }
      const e = await refused(pub.publishFiles(files));
      expect(e.problems).toContainEqual(
        expect.objectContaining({ step: 'files', code: 'FILE_NOT_UPLOADED', file: 'weights.bin' }),
      );
      const ghost = await refused(
        pub.publishFiles([...files, { path: 'weights.bin', digest: `sha256:${'1'.repeat(64)}`, size: 38 }]),
      );
      expect(ghost.problems).toContainEqual(
        expect.objectContaining({ code: 'FILE_NOT_UPLOADED', file: 'weights.bin' }),
      );
    });

    it('refuses an invalid SBOM and a malformed manifest with the step and pointer', async () => {
      const dir = await packageDir(work, { version: '2.0.2', sbom: false });
      writeFileSync(
        join(dir, 'sbom.cdx.json'),
        JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'nonsense' }] }),
      );
      const e = await refused(pub.publishDir(dir));
      expect(e.problems).toContainEqual(
        expect.objectContaining({ step: 'sbom', code: 'SBOM_INVALID', file: 'sbom.cdx.json' }),
      );

      const dir2 = await packageDir(work, { version: '2.0.3' });
      const m = JSON.parse(readFileSync(join(dir2, 'fleetpack.json'), 'utf8'));
      m.inputs = 'not a list';
      writeFileSync(join(dir2, 'fleetpack.json'), JSON.stringify(m));
      const e2 = await refused(pub.publishDir(dir2));
      expect(e2.problems[0]).toMatchObject({ step: 'manifest', file: 'fleetpack.json', pointer: '/inputs' });
    });

    it('verifies model.sig against the registered key and refuses a tampered or invalid one', async () => {
      const k = publisherKeyPair();
      await addPublisherKey(tp.store, 'vision-team', k.publicKeyPem, { name: 'test', role: 'local' }, new Date());
      const ok = await pub.publishDir(await packageDir(work, { version: '3.0.0', signWith: k.privateKeyPem }));
      expect(ok.release.signature).toEqual({ status: 'verified', keyId: k.keyId });
      const model = ok.release.files.find((f) => f.role === 'model')!;
      expect((await tufClient(server.url, tp.init.root).getTargetInfo(model.target))?.custom).toMatchObject({
        signer: k.keyId,
        signerKey: k.publicKeyPem,
      });

      const tampered = await packageDir(work, { version: '3.0.1', signWith: k.privateKeyPem });
      const bundle = JSON.parse(readFileSync(join(tampered, 'model.sig'), 'utf8'));
      bundle.dsseEnvelope.signatures[0].sig = Buffer.alloc(64, 1).toString('base64');
      writeFileSync(join(tampered, 'model.sig'), JSON.stringify(bundle));
      const e = await refused(pub.publishDir(tampered));
      expect(e.problems).toContainEqual(expect.objectContaining({ step: 'signature', code: 'SIGNATURE_INVALID' }));

      const modified = await packageDir(work, { version: '3.0.2', signWith: k.privateKeyPem });
      const mf = JSON.parse(readFileSync(join(modified, 'fleetpack.json'), 'utf8'));
      mf.description = 'changed after signing';
      writeFileSync(join(modified, 'fleetpack.json'), JSON.stringify(mf, null, 2));
      const e2 = await refused(pub.publishDir(modified));
      expect(e2.problems).toContainEqual(
        expect.objectContaining({ step: 'signature', code: 'FILE_MODIFIED', file: 'fleetpack.json' }),
      );

      const garbage = await packageDir(work, { version: '3.0.3' });
      writeFileSync(join(garbage, 'model.sig'), '{"not":"a bundle"}');
      const e3 = await refused(pub.publishDir(garbage));
      expect(e3.problems[0]).toMatchObject({ step: 'signature', file: 'model.sig' });
      await repoOk();
    });

    it('refuses a token of the wrong role, a missing or bad token, and rate-limits failures', async () => {
      const dev = await api('/v1/releases', {
        method: 'POST',
        token: tp.device,
        body: JSON.stringify({ from: 'x/y:z' }),
      });
      expect(dev.status).toBe(403);
      expect(((await dev.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect((await api('/v1/audit', { token: tp.publisher })).status).toBe(403);
      expect((await api('/v1/uploads', { method: 'POST', token: tp.device })).status).toBe(403);
      // A second server on the same platform, so the limit does not hold back the other tests.
      const limited = await startServer(tp.platform, { failureLimit: { max: 3, windowMs: 60_000 } });
      try {
        const call = (token: string) =>
          fetch(`${limited.url}/v1/releases`, { headers: { authorization: `Bearer ${token}` } });
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await call(`fpt_${'0'.repeat(24)}_${'A'.repeat(43)}`)).status);
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
        // Even a valid token is held back while the address is limited: no oracle for guessing.
        const held = await call(tp.admin);
        expect(held.status).toBe(429);
        expect(held.headers.get('retry-after')).toMatch(/^\d+$/);
      } finally {
        await limited.close();
      }
    });

    it('keeps versions immutable: the same content again is a no-op, different content is refused', async () => {
      const dir = await packageDir(work, { version: '4.0.0' });
      const first = await pub.publishDir(dir);
      const same = await pub.publishDir(dir);
      expect(same).toMatchObject({ existed: true, release: { id: first.release.id } });
      const other = await packageDir(work, { version: '4.0.0', seed: 'other bytes' });
      const before = await tufVersion();
      const e = await refused(pub.publishDir(other));
      expect(e.code).toBe('VERSION_EXISTS');
      expect(e.problems[0]).toMatchObject({ step: 'version', pointer: '/version' });
      expect(await tufVersion()).toBe(before);
    });

    it('two publishes of one model at once both land, with distinct release counters and increasing TUF versions', async () => {
      const dirs = await Promise.all(['5.0.0', '5.0.1', '5.0.2'].map((v) => packageDir(work, { version: v })));
      const c2 = new PlatformClient(server.url, tp.publisher);
      const results = await Promise.all(dirs.map((d, i) => (i % 2 ? c2 : pub).publishDir(d)));
      const counters = results.map((r) => r.release.releaseCounter).sort((a, b) => a - b);
      expect(new Set(counters).size).toBe(3);
      const ts = results.map((r) => r.tuf.timestampVersion).sort((a, b) => a - b);
      expect(new Set(ts).size).toBe(3);
      expect(ts[2]! - ts[0]!).toBeGreaterThanOrEqual(2);
      const check = await repoOk();
      for (const r of results) {
        const info = await tufClient(server.url, tp.init.root).getTargetInfo(r.release.files[0]!.target);
        expect(info?.custom).toMatchObject({ releaseCounter: r.release.releaseCounter });
      }
      expect(check.timestampVersion).toBeGreaterThanOrEqual(ts[2]!);
    });

    // Several servers sharing a database is the PostgreSQL deployment (better-sqlite3 waits for a
    // file lock synchronously, so two SQLite writers belong in two processes, not one).
    const postgresOnly = (name: string, fn: () => Promise<void>) => {
      if (backend.name === 'PostgreSQL') it(name, fn);
    };
    postgresOnly(
      'two servers on one database publish at once; the writer lock keeps TUF versions in one line',
      async () => {
        const store2 = await openStore(dbTarget);
        const other = await Platform.open({
          store: store2,
          dataDir: tp.dir,
          env: tp.env,
          secrets: () => tp.keys.secrets,
        });
        const s2 = await startServer(other);
        try {
          const dirs = await Promise.all(
            ['5.1.0', '5.1.1', '5.1.2', '5.1.3'].map((v) => packageDir(work, { version: v })),
          );
          const c2 = new PlatformClient(s2.url, tp.publisher);
          const results = await Promise.all(dirs.map((d, i) => (i % 2 ? c2 : pub).publishDir(d)));
          const ts = results.map((r) => r.tuf.timestampVersion);
          expect(new Set(ts).size).toBe(4);
          expect(new Set(results.map((r) => r.release.releaseCounter)).size).toBe(4);
          const check = await repoOk();
          expect(check.timestampVersion).toBe(Math.max(...ts));
          // Both servers serve the same repository.
          expect(await httpFiles(s2.url)('timestamp.json')).toBe(await httpFiles(server.url)('timestamp.json'));
        } finally {
          await s2.close();
          await store2.close();
        }
      },
    );

    it('sets and promotes channels, records who and from what, and re-signs custom.channels', async () => {
      const a = await pub.publishDir(await packageDir(work, { name: 'lane-keeper', version: '1.0.0' }), {
        channel: 'beta',
      });
      const b = await pub.publishDir(await packageDir(work, { name: 'lane-keeper', version: '1.1.0' }));
      const set = await pub.setChannel('lane-keeper', '1.1.0', 'beta');
      expect(set).toMatchObject({ channel: 'beta', version: '1.1.0', from: '1.0.0', changed: true });
      expect(await pub.setChannel('lane-keeper', '1.1.0', 'beta')).toMatchObject({ changed: false });
      const promoted = await pub.promote('lane-keeper', 'beta', 'stable');
      expect(promoted).toMatchObject({ channel: 'stable', version: '1.1.0', from: null, changed: true });
      await pub.setChannel('lane-keeper', '1.0.0', 'field-test-eu');
      const client = tufClient(server.url, tp.init.root);
      expect((await client.getTargetInfo(modelTarget(a.release)))?.custom.channels).toEqual(['field-test-eu']);
      expect((await client.getTargetInfo(modelTarget(b.release)))?.custom.channels).toEqual(['beta', 'stable']);
      expect((await pub.releases({ name: 'lane-keeper', channel: 'stable' })).map((r) => r.version)).toEqual(['1.1.0']);
      const history = (await (await api('/v1/models/lane-keeper/channel-history', { token: tp.publisher })).json()) as {
        events: { channel: string; from: string | null; to: string; actor: string }[];
      };
      expect(history.events.map((e) => `${e.channel}:${e.from ?? '-'}>${e.to}:${e.actor}`)).toEqual([
        'beta:->1.0.0:vision-team',
        'beta:1.0.0>1.1.0:vision-team',
        'stable:->1.1.0:vision-team',
        'field-test-eu:->1.0.0:vision-team',
      ]);
      const bad = await api('/v1/channels/lane-keeper/Not_A_Channel', {
        method: 'PUT',
        token: tp.publisher,
        body: JSON.stringify({ version: '1.0.0' }),
      });
      expect(bad.status).toBe(400);
      const missing = await api('/v1/models/lane-keeper/promote', {
        method: 'POST',
        token: tp.publisher,
        body: JSON.stringify({ from: 'canary', to: 'stable' }),
      });
      expect(missing.status).toBe(404);
      await repoOk();
    });

    it('reports SBOM coverage by model, channel and overall, with the reason for each release that does not count', async () => {
      await pub.publishDir(await packageDir(work, { name: 'no-sbom-model', version: '1.0.0', sbom: false }), {
        channel: 'canary',
      });
      const all = await pub.coverage();
      expect(all.byModel['no-sbom-model']).toMatchObject({ total: 1, counted: 0, coverage: 0 });
      expect(all.byModel['no-sbom-model']!.releases[0]!.reasons).toEqual(['no SBOM attached']);
      expect(all.byModel['lane-keeper']).toMatchObject({ total: 2, counted: 2, coverage: 1 });
      expect(all.overall.total).toBe((await pub.releases()).length);
      const canary = await pub.coverage('canary');
      expect(canary.overall).toMatchObject({ total: 1, counted: 0, coverage: 0 });
      const empty = await pub.coverage('nobody-uses-this');
      expect(empty.overall).toMatchObject({ total: 0, coverage: null, compliance: null });
    });

    it('records every publish, channel change and token in the audit log (admin only)', async () => {
      const res = await api('/v1/audit', { token: tp.admin });
      const { entries } = (await res.json()) as {
        entries: { action: string; actor: string; subject: string; at: string }[];
      };
      const actions = new Set(entries.map((e) => e.action));
      for (const a of [
        'platform.init',
        'token.create',
        'publisher.key.add',
        'release.publish',
        'channel.set',
        'channel.promote',
      ])
        expect(actions).toContain(a);
      expect(entries.find((e) => e.action === 'channel.promote')).toMatchObject({
        actor: 'publisher:vision-team',
        subject: 'channel:lane-keeper/stable',
      });
      const ats = entries.map((e) => e.at);
      expect([...ats].sort()).toEqual(ats);
      expect(JSON.stringify(entries)).not.toMatch(/fpt_/);
    });

    it('with the signature policy on, refuses unsigned and unknown-key packages and accepts a registered key', async () => {
      const strict = await Platform.open({
        store: tp.store,
        dataDir: tp.dir,
        env: tp.env,
        secrets: () => tp.keys.secrets,
        requirePublisherSignature: true,
      });
      const s = await startServer(strict);
      try {
        const c = new PlatformClient(s.url, tp.publisher);
        const unsigned = await refused(
          c.publishDir(await packageDir(work, { name: 'strict-model', version: '1.0.0' })),
        );
        expect(unsigned.problems).toContainEqual(
          expect.objectContaining({ step: 'signature', code: 'SIGNATURE_REQUIRED' }),
        );
        const stranger = publisherKeyPair();
        const unknown = await refused(
          c.publishDir(
            await packageDir(work, { name: 'strict-model', version: '1.0.0', signWith: stranger.privateKeyPem }),
          ),
        );
        expect(unknown.problems).toContainEqual(expect.objectContaining({ code: 'SIGNATURE_KEY_UNKNOWN' }));
        const mine = publisherKeyPair();
        await addPublisherKey(tp.store, 'vision-team', mine.publicKeyPem, { name: 'test', role: 'local' }, new Date());
        const ok = await c.publishDir(
          await packageDir(work, { name: 'strict-model', version: '1.0.0', signWith: mine.privateKeyPem }),
        );
        expect(ok.release.signature).toEqual({ status: 'verified', keyId: mine.keyId });
      } finally {
        await s.close();
      }
    });

    it('rotates every key; a client holding the first root follows each rotation', async () => {
      const client = tufClient(server.url, tp.init.root);
      const target = (await pub.releases({ name: 'person-detector' })).find((r) => r.version === '1.0.0')!.files[0]!
        .target;
      expect(await client.getTargetInfo(target)).toBeDefined();
      const ctx = {
        store: tp.store,
        keystore: () => tp.keys.keystore,
        secrets: () => tp.keys.secrets,
        env: tp.env,
        now: () => new Date(),
      };
      const rotated: string[] = [];
      for (const role of ['timestamp', 'snapshot', 'bins', 'targets', 'root']) {
        const r = await rotateKey(ctx, role, { name: 'test', role: 'local' });
        expect(r.newKeyId).not.toBe(r.oldKeyId);
        rotated.push(role);
      }
      // The running server (started before the rotations) picks up the new online keys by itself.
      const after = await pub.publishDir(await packageDir(work, { version: '6.0.0' }));
      const check = await repoOk();
      expect(check.rootVersion).toBe(5); // timestamp, snapshot, targets and root rotations each sign a new root
      const fresh = tufClient(server.url, tp.init.root);
      expect((await fresh.getTargetInfo(after.release.files[0]!.target))?.custom.releaseCounter).toBe(
        after.release.releaseCounter,
      );
      expect(await fresh.getTargetInfo(target)).toBeDefined();
      // A device that refreshed before the rotations walks root v2…v5 on its next refresh.
      const next = tufClient(server.url, tp.init.root, { metadataDir: client.metadataDir });
      expect(await next.getTargetInfo(after.release.files[0]!.target)).toBeDefined();
      expect(JSON.parse(readFileSync(join(client.metadataDir, 'root.json'), 'utf8')).signed.version).toBe(5);
      const info = (await (await api('/v1/platform', { token: tp.publisher })).json()) as {
        rootKeyIds: string[];
        rootVersion: number;
      };
      expect(info.rootVersion).toBe(5);
      expect(info.rootKeyIds[0]).not.toBe(tp.init.rootKeyIds[0]);
      expect(rotated).toHaveLength(5);
    });

    describe('registry references and registry storage', () => {
      let reg: RegistryServer;
      const user = { user: 'ci', password: 'registry-secret-pw' };
      const creds = staticCredentials({ username: user.user, password: user.password });
      const admin = () => ({
        store: tp.store,
        keystore: () => tp.keys.keystore,
        secrets: () => tp.keys.secrets,
        env: tp.env,
        now: () => new Date(),
      });
      beforeAll(async () => {
        reg = await startRegistry({ auth: { kind: 'htpasswd', users: [user] } });
        await addRegistry(
          admin(),
          reg.host,
          { credentials: { username: user.user, password: user.password }, plainHttp: true },
          { name: 'test', role: 'local' },
        );
      });
      afterAll(() => reg.stop());

      it('publishes --from a tag: pins the digest, reads only the small layers, and a moved tag changes nothing', async () => {
        const { dir } = await makeOciPackage(join(work, 'oci-7.0.0'), {
          version: '7.0.0',
          weightBytes: 500_000,
          seed: 70,
        });
        const pushed = await pushPackage(dir, `${reg.host}/models/reg-model:latest`, {
          plainHttp: true,
          credentials: creds,
        });
        const weights = pushed.layers.find((l) => l.path === 'weights.bin')!;
        const res = await pub.publishFrom(`${reg.host}/models/reg-model:latest`, 'beta');
        expect(res.release).toMatchObject({
          name: 'person-detector',
          version: '7.0.0',
          source: 'registry',
          oci: { repository: `${reg.host}/models/reg-model`, digest: pushed.digest },
        });
        expect(res.release.files.find((f) => f.path === 'weights.bin')?.digest).toBe(weights.digest);
        const info = await tufClient(server.url, tp.init.root).getTargetInfo(
          res.release.files.find((f) => f.role === 'model')!.target,
        );
        expect(info?.custom).toMatchObject({ oci: pushed.digest, channels: ['beta'] });
        // The weights were never downloaded: only HEAD/GET of the manifest and small layers.
        const manifestLayer = pushed.layers.find((l) => l.path === 'fleetpack.json')!;
        expect(reg.logs()).toMatch(new RegExp(`"GET /v2/models/reg-model/blobs/${manifestLayer.digest}`));
        expect(reg.logs()).not.toMatch(new RegExp(`"GET /v2/models/reg-model/blobs/${weights.digest}`));
        // The tag moves to another package; the release keeps its pinned digest.
        const { dir: next } = await makeOciPackage(join(work, 'oci-7.1.0'), { version: '7.1.0', seed: 71 });
        const moved = await pushPackage(next, `${reg.host}/models/reg-model:latest`, {
          plainHttp: true,
          credentials: creds,
        });
        expect(moved.digest).not.toBe(pushed.digest);
        const [still] = await pub
          .releases({ name: 'person-detector' })
          .then((l) => l.filter((r) => r.version === '7.0.0'));
        expect(still?.oci?.digest).toBe(pushed.digest);
        const second = await pub.publishFrom(`${reg.host}/models/reg-model:latest`);
        expect(second.release).toMatchObject({ version: '7.1.0', oci: { digest: moved.digest } });
        expect(second.release.releaseCounter).toBe(res.release.releaseCounter + 1);
        expect(JSON.stringify(await pub.releases())).not.toContain(user.password);
        await repoOk();
      });

      it('says clearly when the registry refuses the stored credentials (401) or is down, and publishes nothing', async () => {
        const { dir } = await makeOciPackage(join(work, 'oci-7.2.0'), { version: '7.2.0', seed: 72 });
        await pushPackage(dir, `${reg.host}/models/reg-model-2:1.0.0`, { plainHttp: true, credentials: creds });
        const before = { tuf: await tufVersion(), releases: await releaseCount() };
        const proxy = await startFaultProxy(reg.url);
        try {
          await addRegistry(
            admin(),
            proxy.host,
            { credentials: { username: user.user, password: 'wrong-password' }, plainHttp: true },
            { name: 'test', role: 'local' },
          );
          const r401 = await api('/v1/releases', {
            method: 'POST',
            token: tp.publisher,
            body: JSON.stringify({ from: `${proxy.host}/models/reg-model-2:1.0.0` }),
          });
          expect(r401.status).toBe(502);
          const body401 = (await r401.json()) as { error: { code: string; message: string; hint?: string } };
          expect(body401.error.code).toBe('OCI_UNAUTHORIZED');
          expect(body401.error.hint).toBeTruthy();
          expect(JSON.stringify(body401)).not.toContain('wrong-password');
        } finally {
          await proxy.stop();
        }
        // Nothing listens on the proxy's port any more: the registry is down.
        const down = await api('/v1/releases', {
          method: 'POST',
          token: tp.publisher,
          body: JSON.stringify({ from: `${new URL(proxy.url).host}/models/reg-model-2:1.0.0` }),
        });
        expect(down.status).toBe(502);
        expect(((await down.json()) as { error: { code: string } }).error.code).toMatch(
          /^OCI_(NETWORK|REGISTRY_UNAVAILABLE)$/,
        );
        expect({ tuf: await tufVersion(), releases: await releaseCount() }).toEqual(before);
      });

      it('with serve --registry, keeps uploaded package bytes in the registry instead of the local layout', async () => {
        const p = await Platform.open({
          store: tp.store,
          dataDir: tp.dir,
          env: tp.env,
          secrets: () => tp.keys.secrets,
          registry: `${reg.host}/platform/blobs`,
        });
        const s = await startServer(p);
        try {
          const dir = await packageDir(work, { name: 'stored-in-registry', version: '1.0.0', weightsBytes: 200_000 });
          const res = await new PlatformClient(s.url, tp.publisher).publishDir(dir);
          const w = res.release.files.find((f) => f.path === 'weights.bin')!;
          const repo = new RegistryRepository(reg.host, 'platform/blobs', { plainHttp: true, credentials: creds });
          expect(await repo.hasBlob({ mediaType: 'application/octet-stream', digest: w.digest, size: w.size })).toBe(
            true,
          );
          expect(await p.local.size(w.digest)).toBeUndefined();
          expect((await checkRepository(httpFiles(s.url))).problems).toEqual([]);
        } finally {
          await s.close();
        }
      });
    });
  });
}
