/**
 * The platform as real processes: the README's path from `platform init` to `releases` through the
 * CLI; a server killed with SIGKILL in the middle of a publish transaction (SQLite and PostgreSQL);
 * a PostgreSQL that goes away and comes back while the server runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageOf } from '../../src-main/errors.js';
import { PlatformClient } from '../../src-main/platform/index.js';
import { packageDir, PASSPHRASE } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';
import { fleetpack, serve, type ServeProcess } from '../fixtures/platform-process.js';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres.js';
import { checkRepository, httpFiles, tufClient } from '../fixtures/tuf-check.js';

let pg: PostgresCluster | undefined;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg?.remove());

describe('the CLI from platform init to releases (real processes, SQLite, keychain passphrase)', () => {
  let work: string;
  let server: ServeProcess | undefined;
  afterAll(async () => server?.kill('SIGTERM'));

  it('init, token, serve, login, publish, channel, promote, releases, coverage', async () => {
    work = tempDir();
    const init = await fleetpack(['platform', 'init', '--name', 'lab', '--bins', '16', '--json'], { cwd: work });
    expect(init.code, init.err).toBe(0);
    const initDoc = JSON.parse(init.out) as { rootKeyIds: string[]; rootFile: string; passphrase: string };
    expect(initDoc.passphrase).toBe('keychain');
    expect(initDoc.rootKeyIds).toHaveLength(1);
    // Offline keys never land in the data folder or the database file.
    const db = readFileSync(join(work, 'fleetpack-platform', 'platform.db'));
    expect(db.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    const token = await fleetpack(['platform', 'token', 'create', 'alice', '--role', 'publisher'], { cwd: work });
    expect(token.code).toBe(0);
    expect(token.out).toMatch(/^fpt_[0-9a-f]{24}_[A-Za-z0-9_-]{43}\n$/);

    server = await serve([], { cwd: work });
    const login = await fleetpack(['login', server.url], { cwd: work, input: token.out });
    expect(login.code, login.err).toBe(0);
    expect(login.out + login.err).not.toContain(token.out.trim());

    const dir = await packageDir(work, { version: '1.2.0' });
    const published = await fleetpack(['publish', dir, '--platform', server.url, '--channel', 'beta', '--json'], {
      cwd: work,
    });
    expect(published.code, published.err).toBe(0);
    const res = JSON.parse(published.out) as { release: { files: { target: string; role: string }[] } };
    const model = res.release.files.find((f) => f.role === 'model')!;
    expect(
      await tufClient(server.url, readFileSync(initDoc.rootFile, 'utf8')).getTargetInfo(model.target),
    ).toBeDefined();

    const promote = await fleetpack(
      ['promote', 'person-detector', '--from', 'beta', '--to', 'stable', '--platform', server.url],
      { cwd: work },
    );
    expect(promote.code, promote.err).toBe(0);
    expect(promote.out).toContain('stable: (none) → 1.2.0');
    const set = await fleetpack(['channel', 'set', 'person-detector', '1.2.0', 'canary', '--platform', server.url], {
      cwd: work,
    });
    expect(set.code, set.err).toBe(0);
    const list = await fleetpack(['releases', '--platform', server.url, '--json'], { cwd: work });
    const releases = JSON.parse(list.out).releases as {
      version: string;
      channels: string[];
      signature: { status: string };
    }[];
    expect(releases).toEqual([
      expect.objectContaining({
        version: '1.2.0',
        channels: ['beta', 'canary', 'stable'],
        signature: { status: 'unsigned' },
      }),
    ]);
    const human = await fleetpack(['releases', 'person-detector', '--platform', server.url], { cwd: work });
    expect(human.out).toMatch(/person-detector@1\.2\.0 +#1 +sha256:[0-9a-f]{12}… +unsigned +SBOM counted/);
    const coverage = await fleetpack(['coverage', '--platform', server.url, '--channel', 'stable'], { cwd: work });
    expect(coverage.out).toContain('channel stable: coverage 100.0 %');

    // A refused publish: exit 1, every problem on stderr with file and hint.
    const bad = await packageDir(work, { version: '1.3.0' });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(bad, 'model.onnx'), 'not the model the manifest describes');
    const refused = await fleetpack(['publish', bad, '--platform', server.url], { cwd: work });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /\[files\] model\.onnx \/artifact\/files\/0\/(size|sha256): ARTIFACT_(SIZE|DIGEST)_MISMATCH/,
    );
    expect(refused.err).toContain('hint:');
    const usage = await fleetpack(['publish', dir], { cwd: work, env: { FLEETPACK_PLATFORM: '' } });
    expect(usage.code).toBe(2);
    await server.kill('SIGTERM');
    server = undefined;
  });
});

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe(`a server killed during a publish (${backend})`, () => {
    it('leaves no half release and valid metadata after a restart', async () => {
      const work = tempDir();
      const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
      const dbArgs = backend === 'PostgreSQL' ? ['--database', pg!.createDatabase()] : [];
      expect((await fleetpack(['platform', 'init', '--bins', '16', ...dbArgs], { cwd: work, env })).code).toBe(0);
      const token = (await fleetpack(['platform', 'token', 'create', 'ci', ...dbArgs], { cwd: work, env })).out.trim();
      const first = await serve(dbArgs, {
        cwd: work,
        env: { ...env, FLEETPACK_FAULTS: 'publish-before-commit=60000' },
      });
      const before = await checkRepository(httpFiles(first.url));
      expect(before.problems).toEqual([]);
      const client = new PlatformClient(first.url, token);
      const dir = await packageDir(work, { version: '9.9.9' });
      const publishing = client.publishDir(dir).then(
        () => 'published',
        (e: unknown) => messageOf(e),
      );
      await first.waitFor('fault: publish paused before commit');
      await first.kill('SIGKILL');
      expect(await publishing).toMatch(/Cannot reach the platform|socket hang up|ECONNRESET/);

      const second = await serve(dbArgs, { cwd: work, env });
      try {
        const after = await checkRepository(httpFiles(second.url));
        expect(after.problems).toEqual([]);
        expect(after.timestampVersion).toBe(before.timestampVersion);
        expect(after.targetCount).toBe(0);
        const again = new PlatformClient(second.url, token);
        expect(await again.releases()).toEqual([]);
        // The blobs that did arrive are reused; the publish now completes.
        const done = await again.publishDir(dir);
        expect(done.release.releaseCounter).toBe(1);
        const check = await checkRepository(httpFiles(second.url));
        expect(check.problems).toEqual([]);
        expect(check.timestampVersion).toBeGreaterThan(before.timestampVersion);
      } finally {
        await second.kill('SIGTERM');
      }
    });
  });
}

describe('a database that goes away (PostgreSQL)', () => {
  it('answers 503 with a clear error while it is gone, and recovers when it is back', async () => {
    const cluster = await startPostgres();
    const work = tempDir();
    const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
    const db = ['--database', cluster.createDatabase()];
    let server: ServeProcess | undefined;
    try {
      expect((await fleetpack(['platform', 'init', '--bins', '16', ...db], { cwd: work, env })).code).toBe(0);
      const token = (await fleetpack(['platform', 'token', 'create', 'ci', ...db], { cwd: work, env })).out.trim();
      server = await serve(db, { cwd: work, env });
      const get = (path: string) => fetch(`${server!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('/v1/releases')).status).toBe(200);
      cluster.stop();
      const down = await get('/v1/releases');
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      const body = (await down.json()) as { error: { code: string; message: string; hint: string } };
      expect(body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(body.error.hint).toMatch(/Retry/);
      expect(JSON.stringify(body)).not.toMatch(/postgres:\/\/|password/i);
      expect((await get('/v1/health')).status).toBe(503);
      expect((await fetch(`${server.url}/tuf/timestamp.json`)).status).toBe(503);
      cluster.start();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await get('/v1/releases')).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
      const dir = await packageDir(work, { version: '1.0.0' });
      const res = await new PlatformClient(server.url, token).publishDir(dir);
      expect(res.release.releaseCounter).toBe(1);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server?.kill('SIGTERM');
      cluster.remove();
    }
  });
});
