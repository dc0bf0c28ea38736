/**
 * The platform client's resumable publish (what the Studio's pause, cancel and "Resume publish"
 * rest on), its verified blob download, and sign-ins kept in a real keychain, against a real
 * server over HTTP.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src-main/errors.js';
import { PlatformClient, PlatformLogins, type UploadSessionMemo } from '../../src-main/platform/index.js';
import { startServer, type RunningServer } from '../../src-main/server/index.js';
import { newTestPlatform, packageDir, type TestPlatform } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';

let tp: TestPlatform;
let server: RunningServer;
let work: string;
beforeAll(async () => {
  tp = await newTestPlatform({ tag: 'resume' });
  server = await startServer(tp.platform);
  work = tempDir();
});
afterAll(async () => {
  await server.close();
  await tp.close();
});

describe('a publish stopped mid-file and started again', () => {
  it('continues each file from the bytes the server has, and waits at a chunk while paused', async () => {
    const dir = await packageDir(work, { version: '3.0.0', weightsBytes: 6 * 1024 * 1024 });
    const c = new PlatformClient(server.url, tp.publisher, { chunkBytes: 1024 * 1024, retryDelayMs: 10 });
    const sessions: UploadSessionMemo = new Map();
    const ctl = new AbortController();
    let lastWeights = 0;
    const first = c.publishDir(dir, {
      sessions,
      signal: ctl.signal,
      gate: () => {
        // Cancel once three chunks of the weights are on the server.
        if (lastWeights >= 3 * 1024 * 1024) ctl.abort();
        return Promise.resolve();
      },
      onProgress: (p) => {
        if (p.file === 'weights.bin') lastWeights = p.bytesDone;
      },
    });
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    expect(sessions.size).toBe(1);
    const [id] = [...sessions.values()];
    const held = await c.json<{ offset: number }>('GET', `/v1/uploads/${id}`);
    expect(held.offset).toBeGreaterThan(0);
    expect(held.offset).toBeLessThan(6 * 1024 * 1024);

    // Paused: the upload waits at the gate until released.
    let release!: () => void;
    let paused = true;
    const released = new Promise<void>((r) => (release = r));
    const starts: Record<string, number> = {};
    const second = c.publishDir(dir, {
      sessions,
      channel: 'beta',
      gate: () => (paused ? released : Promise.resolve()),
      onProgress: (p) => {
        starts[p.file] ??= p.bytesDone;
      },
    });
    const waited = await Promise.race([
      second.then(() => 'finished'),
      new Promise((r) => setTimeout(() => r('held at the gate'), 300)),
    ]);
    expect(waited).toBe('held at the gate');
    paused = false;
    release();
    const res = await second;
    expect(res.release.version).toBe('3.0.0');
    // The weights resumed where the server was, not from zero.
    expect(starts['weights.bin']).toBe(held.offset);
    expect(sessions.size).toBe(0);
  });
});

describe('downloadBlob', () => {
  it('writes a stored blob verified by its digest; a wrong size or digest leaves no file', async () => {
    const [r] = await new PlatformClient(server.url, tp.publisher).releases({ name: 'person-detector' });
    const f = r!.files.find((x) => x.path === 'fleetpack.json')!;
    const c = new PlatformClient(server.url, tp.publisher);
    const dest = join(work, 'fleetpack.json');
    await c.downloadBlob(f.digest, f.size, dest);
    expect(JSON.parse(readFileSync(dest, 'utf8'))).toMatchObject({ version: '3.0.0' });
    const short = join(work, 'short.json');
    await expect(c.downloadBlob(f.digest, f.size - 1, short)).rejects.toMatchObject({ code: 'BLOB_MISMATCH' });
    expect(existsSync(short)).toBe(false);
    const missing = join(work, 'missing.json');
    await expect(c.downloadBlob(`sha256:${'0'.repeat(64)}`, 10, missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(missing)).toBe(false);
  });
});

describe('sign-ins in the keychain', () => {
  it('a token is checked, stored, listed by origin, and forgotten; a bad token stores nothing', async () => {
    const logins = new PlatformLogins(() => tp.keys.secrets);
    await expect(logins.signIn(server.url, 'fpt_not_a_token')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await logins.list()).toEqual([]);
    const who = await logins.signIn(`${server.url}/some/path`, tp.publisher);
    expect(who).toMatchObject({ origin: server.url, role: 'publisher' });
    expect(await logins.list()).toEqual([server.url]);
    expect(await logins.token(server.url)).toBe(tp.publisher);
    expect(await new PlatformClient(server.url, tp.publisher).deviceRegistry()).toMatchObject({ available: true });
    expect(await logins.signOut(server.url)).toBe(true);
    expect(await logins.list()).toEqual([]);
  });
});
