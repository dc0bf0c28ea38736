/**
 * The agent's TUF layer behind tuf-conformance's client CLI (`init`, `refresh`, `download`), run as
 * a real process against an HTTP repository (the in-memory simulator served on loopback): the
 * honest flow succeeds and writes the files the suite checks; attacks exit 1 and leave the trusted
 * metadata as it was.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetpack } from '../fixtures/platform-process.js';
import { tempDir } from '../fixtures/temp.js';
import { RepoSim, simRelease, type SimRelease } from '../fixtures/tuf-sim.js';

let sim: RepoSim;
let http: Server;
let base: string;
let work: string;
let release: SimRelease;

beforeAll(async () => {
  work = tempDir('fleetpack-tufcli-');
  sim = new RepoSim();
  release = await simRelease(work, '1.0.0', 1);
  sim.addRelease(release);
  sim.publish();
  http = createServer((req, res) => {
    const url = req.url ?? '/';
    const mapped = url.startsWith('/metadata/')
      ? `/device/v1/tuf/${url.slice('/metadata/'.length)}`
      : url.startsWith('/targets/')
        ? `/device/v1/targets/${url.slice('/targets/'.length)}`
        : url;
    void sim.fetch(`http://sim${mapped}`, { headers: {}, signal: AbortSignal.timeout(5000) }).then(async (r) => {
      res.writeHead(r.status);
      res.end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const addr = http.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
  writeFileSync(join(work, 'root.json'), sim.rootJson);
}, 60_000);

afterAll(() => {
  (http as Server | undefined)?.close();
});

const tuf = (dir: string, ...args: string[]) =>
  fleetpack(['agent', 'tuf', '--metadata-dir', join(work, dir), ...args], { cwd: work });

describe('fleetpack agent tuf (the tuf-conformance client CLI)', () => {
  it('init, refresh, download', async () => {
    expect((await tuf('m1', 'init', join(work, 'root.json'))).code).toBe(0);
    const refresh = await tuf('m1', '--metadata-url', `${base}/metadata`, 'refresh');
    expect(refresh.code, refresh.err).toBe(0);
    for (const f of ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'])
      expect(existsSync(join(work, 'm1', f)), f).toBe(true);
    const name = 'models/person-detector/1.0.0/model.onnx';
    const dl = await tuf(
      'm1',
      '--metadata-url',
      `${base}/metadata`,
      '--target-name',
      name,
      '--target-base-url',
      `${base}/targets`,
      '--target-dir',
      join(work, 'out'),
      'download',
    );
    expect(dl.code, dl.err).toBe(0);
    const got = readFileSync(join(work, 'out', encodeURIComponent(name)));
    expect(got.equals(release.files.find((f) => f.role === 'model')!.bytes)).toBe(true);
    const missing = await tuf(
      'm1',
      '--metadata-url',
      `${base}/metadata`,
      '--target-name',
      'models/none/1/x',
      '--target-base-url',
      `${base}/targets`,
      '--target-dir',
      join(work, 'out'),
      'download',
    );
    expect(missing.code).toBe(1);
  });

  it('an expired timestamp: refresh exits 1 and the trusted timestamp stays', async () => {
    expect((await tuf('m2', 'init', join(work, 'root.json'))).code).toBe(0);
    expect((await tuf('m2', '--metadata-url', `${base}/metadata`, 'refresh')).code).toBe(0);
    const before = readFileSync(join(work, 'm2', 'timestamp.json'), 'utf8');
    sim.expires.timestamp = new Date(Date.now() - 1000);
    sim.publish();
    const r = await tuf('m2', '--metadata-url', `${base}/metadata`, 'refresh');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/expired/);
    expect(readFileSync(join(work, 'm2', 'timestamp.json'), 'utf8')).toBe(before);
  });

  it('usage errors exit 2', async () => {
    expect((await fleetpack(['agent', 'tuf', 'refresh'], { cwd: work })).code).toBe(2);
    expect((await tuf('m3', 'refresh')).code).toBe(2);
  });
});
