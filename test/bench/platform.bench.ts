/**
 * The platform, on SQLite and on PostgreSQL (a throwaway cluster):
 *
 * 1. Upload: `fleetpack publish DIR` of a package with a 2 GiB weights file to a `platform serve`
 *    process on loopback, against `curl -T` of the same 2 GiB to the same server (one PUT into an
 *    upload session: the server still hashes and stores every byte). Fresh server per round, order
 *    alternating. Goal: ours ≤ 1.3× curl; server peak RSS ≤ 200 MB.
 * 2. Scale: RELEASES (default 10,000) releases published one after another (in process, 100 models ×
 *    versions, 4 files each → 4 TUF targets): time per publish of the first and the last 1,000 (goal:
 *    ratio ≤ 1.5), and the metadata a device downloads to refresh after one new release (tuf-js
 *    with a counting fetcher, starting from a device that was up to date): at 1,000 and at the end.
 *    Goal ≤ 40 KB.
 *
 * Run: `npm run bench -- platform` (RELEASES=n, ROUNDS=n, BINS=n, SKIP_UPLOAD=1, SKIP_SCALE=1).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { type Manifest, serializeManifest, writeManifest } from '../../src-main/manifest/index.js';
import { hashFile } from '../../src-main/package/index.js';
import {
  initPlatform,
  openStore,
  Platform,
  type DatabaseTarget,
  type IncomingFile,
  type Store,
} from '../../src-main/platform/index.js';
import { packageDir, PASSPHRASE, testKeychains } from '../fixtures/platform.js';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres.js';
import { BENCH_DATA, ensureFile, measure, runCli, servePlatform, writeReport } from './lib.js';

const MiB = 1024 * 1024;
const CLI = resolve('out/cli/fleetpack.mjs');
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 2));
const RELEASES = Math.max(1000, Number(process.env.RELEASES ?? 10_000));
const BINS = Number(process.env.BINS ?? 512);
const BIG = 2 * 1024 * MiB;

/** A package whose external-data file is 2 GiB (kept in .bench-data between runs). */
async function bigPackage(): Promise<string> {
  const root = resolve(BENCH_DATA, 'platform');
  mkdirSync(root, { recursive: true });
  const marker = join(root, 'big-package.txt');
  if (existsSync(marker)) {
    const dir = readFileSync(marker, 'utf8').trim();
    if (existsSync(join(dir, 'weights.bin')) && statSync(join(dir, 'weights.bin')).size === BIG) return dir;
  }
  const dir = await packageDir(root, { name: 'big-model', version: '1.0.0', sbom: false });
  ensureFile(join(dir, 'weights.bin'), BIG);
  const d = await hashFile(join(dir, 'weights.bin'));
  const m = JSON.parse(readFileSync(join(dir, 'fleetpack.json'), 'utf8')) as Manifest;
  m.artifact.files = m.artifact.files.map((f) =>
    f.path === 'weights.bin' ? { ...f, size: d.size, sha256: d.digest } : f,
  );
  await writeManifest(dir, m);
  writeFileSync(marker, dir);
  return dir;
}

const run = (args: string[], env: NodeJS.ProcessEnv, cwd: string) => runCli(CLI, args, env, cwd);
const serve = (cwd: string, env: NodeJS.ProcessEnv, dbArgs: string[]) => servePlatform(CLI, cwd, env, dbArgs);

async function uploadBench(backend: string, database: () => string[]) {
  const pkg = await bigPackage();
  const weights = join(pkg, 'weights.bin');
  const digest = `sha256:${(await hashFile(weights)).digest}`;
  const rounds: { ours: number; curl: number; oursClientMB: number; serverMB: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cwd = resolve(BENCH_DATA, 'platform', `serve-${backend}-${r}`);
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd, { recursive: true });
    const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
    const db = database();
    run(['platform', 'init', '--bins', '16', ...db], env, cwd);
    const token = run(['platform', 'token', 'create', 'bench', ...db], env, cwd).trim();
    const server = await serve(cwd, env, db);
    const blob = join(cwd, 'fleetpack-platform', 'blobs', 'blobs', 'sha256', digest.slice(7));
    try {
      const curl = async () => {
        const s = (await (
          await fetch(`${server.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
        ).json()) as { id: string };
        const m = await measure('curl', [
          '-sS',
          '-f',
          '-o',
          '/dev/null',
          '-X',
          'PUT',
          '-T',
          weights,
          '-H',
          `authorization: Bearer ${token}`,
          '-H',
          'content-type: application/octet-stream',
          `${server.url}/v1/uploads/${s.id}?digest=${digest}`,
        ]);
        rmSync(blob); // so our publish has to send it too
        return m.ms;
      };
      const ours = async () =>
        measure(process.execPath, [CLI, 'publish', pkg, '--platform', server.url, '--json'], {
          ...process.env,
          FLEETPACK_TOKEN: token,
        });
      let curlMs: number;
      let o;
      if (r % 2 === 0) {
        curlMs = await curl();
        o = await ours();
      } else {
        o = await ours();
        rmSync(blob);
        curlMs = await curl();
      }
      rounds.push({ ours: o.ms, curl: curlMs, oursClientMB: o.peakMB, serverMB: server.peakMB() });
    } finally {
      await server.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  const best = (k: 'ours' | 'curl') => Math.min(...rounds.map((x) => x[k]));
  const result = {
    rounds,
    oursMs: best('ours'),
    curlMs: best('curl'),
    ratio: best('ours') / best('curl'),
    serverPeakMB: Math.max(...rounds.map((x) => x.serverMB)),
    clientPeakMB: Math.max(...rounds.map((x) => x.oursClientMB)),
  };
  console.log(
    `[${backend}] upload 2 GiB: fleetpack publish ${(result.oursMs / 1000).toFixed(2)} s vs curl -T ${(result.curlMs / 1000).toFixed(2)} s → ${result.ratio.toFixed(2)}× (goal ≤ 1.3); server peak RSS ${result.serverPeakMB.toFixed(0)} MB (goal ≤ 200), client ${result.clientPeakMB.toFixed(0)} MB`,
  );
  return result;
}

/** tuf-js over the store, counting the bytes it downloads. */
class CountingFetcher extends BaseFetcher {
  bytes = 0;
  gzipBytes = 0;
  files: string[] = [];
  constructor(private store: Store) {
    super();
  }
  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const name = url.replace(/^.*\/metadata\//, '');
    const body = await this.store.read(async (db) =>
      (await import('../../src-main/platform/tuf/repository.js')).readMetadataFile(db, name),
    );
    if (body === undefined) throw new DownloadHTTPError(`404 ${name}`, 404);
    this.bytes += Buffer.byteLength(body);
    this.gzipBytes += gzipSync(body).length;
    this.files.push(name);
    return Readable.toWeb(Readable.from([Buffer.from(body)])) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

/** Writes every current role into a device's metadata folder: a device that is up to date. */
async function upToDateDevice(store: Store, root: string): Promise<string> {
  const dir = resolve(BENCH_DATA, 'platform', `device-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const rows = await store.read((db) => db.selectFrom('tuf_roles').select(['role', 'version']).execute());
  writeFileSync(join(dir, 'root.json'), root);
  for (const r of rows) {
    if (r.role === 'root') continue;
    const name = `${r.version}.${r.role}.json`;
    const body = await store.read(
      async (db) =>
        (await db.selectFrom('tuf_files').select('body').where('name', '=', name).executeTakeFirstOrThrow()).body,
    );
    writeFileSync(join(dir, `${encodeURIComponent(r.role)}.json`), body);
  }
  return dir;
}

async function scaleBench(backend: string, target: DatabaseTarget, cleanup: () => Promise<void>) {
  const work = resolve(BENCH_DATA, 'platform', `scale-${backend}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const keys = testKeychains('bench');
  const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
  const store = await openStore(target);
  try {
    const init = await initPlatform(
      { store, keystore: () => keys.keystore, secrets: () => keys.secrets, env, now: () => new Date() },
      { name: 'bench', bitLength: Math.log2(BINS), actor: { name: 'bench', role: 'local' } },
    );
    const platform = await Platform.open({ store, dataDir: work, env, secrets: () => keys.secrets });
    const base = await packageDir(work, { version: '1.0.0' });
    const baseManifest = JSON.parse(readFileSync(join(base, 'fleetpack.json'), 'utf8')) as Manifest;
    const shared: IncomingFile[] = [];
    for (const f of ['model.onnx', 'weights.bin', 'sbom.cdx.json']) {
      const bytes = readFileSync(join(base, f));
      shared.push({ path: f, digest: await platform.local.putBytes(bytes), size: bytes.length });
    }
    const actor = { name: 'bench', role: 'publisher' as const };
    const times: number[] = [];
    const refresh: Record<string, unknown> = {};
    const publishOne = async (i: number) => {
      const m: Manifest = { ...baseManifest, name: `model-${i % 100}`, version: `1.${Math.floor(i / 100)}.0` };
      const bytes = Buffer.from(serializeManifest(m));
      const files = [
        ...shared,
        { path: 'fleetpack.json', digest: await platform.local.putBytes(bytes), size: bytes.length },
      ];
      const t0 = performance.now();
      const res = await platform.publishUploaded(actor, files, i % 10 === 0 ? 'beta' : undefined);
      times.push(performance.now() - t0);
      return res;
    };
    const measureRefresh = async (label: string, i: number) => {
      const device = await upToDateDevice(store, init.root);
      const res = await publishOne(i);
      const fetcher = new CountingFetcher(store);
      const updater = new Updater({ metadataDir: device, metadataBaseUrl: 'http://platform/metadata', fetcher });
      await updater.refresh();
      const model = res.release.files.find((f) => f.role === 'model')!;
      await updater.getTargetInfo(model.target);
      const modelOnly = { bytes: fetcher.bytes, gzipBytes: fetcher.gzipBytes, files: [...fetcher.files] };
      for (const f of res.release.files) await updater.getTargetInfo(f.target);
      refresh[label] = {
        releases: i + 1,
        modelTarget: modelOnly,
        allTargets: { bytes: fetcher.bytes, gzipBytes: fetcher.gzipBytes, files: fetcher.files },
      };
      rmSync(device, { recursive: true, force: true });
      console.log(
        `[${backend}] device refresh after release ${i + 1}: ${(modelOnly.bytes / 1000).toFixed(1)} KB for the model target (${modelOnly.files.join(', ')}), ${(fetcher.bytes / 1000).toFixed(1)} KB for all ${res.release.files.length} targets (gzip ${(fetcher.gzipBytes / 1000).toFixed(1)} KB)`,
      );
    };
    for (let i = 0; i < RELEASES; i++) {
      if (i === 999 || i === RELEASES - 1) await measureRefresh(i === 999 ? 'at1k' : 'atEnd', i);
      else await publishOne(i);
      if ((i + 1) % 1000 === 0) {
        const last = times.slice(-1000);
        console.log(
          `[${backend}] ${i + 1} releases: mean ${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(1)} ms per publish over the last 1,000`,
        );
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(times.slice(0, 1000));
    const last = mean(times.slice(-1000));
    const snapshotBytes = await store.read(
      async (db) =>
        (await db.selectFrom('tuf_roles').select('length').where('role', '=', 'snapshot').executeTakeFirstOrThrow())
          .length,
    );
    const binSizes = await store.read((db) =>
      db.selectFrom('tuf_roles').select('length').where('role', 'like', 'bins-%').execute(),
    );
    const lens = binSizes.map((b) => b.length);
    const result = {
      releases: RELEASES,
      bins: BINS,
      targets: RELEASES * 4,
      firstMsPerPublish: first,
      lastMsPerPublish: last,
      ratio: last / first,
      snapshotBytes,
      binBytes: { mean: mean(lens), max: Math.max(...lens) },
      refresh,
    };
    console.log(
      `[${backend}] ${RELEASES} releases, ${BINS} bins: first 1k ${first.toFixed(1)} ms/publish, last 1k ${last.toFixed(1)} ms/publish → ${(last / first).toFixed(2)}× (goal ≤ 1.5); snapshot ${(snapshotBytes / 1000).toFixed(1)} KB, bins ${(mean(lens) / 1000).toFixed(1)} KB mean / ${(Math.max(...lens) / 1000).toFixed(1)} KB max`,
    );
    return result;
  } finally {
    await store.close();
    await keys.cleanup();
    await cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

let pg: PostgresCluster | undefined;
try {
  pg = await startPostgres();
  const report: Record<string, unknown> = { loadavg: loadavg(), bins: BINS };
  if (!existsSync(CLI)) throw new Error('build the CLI first (npm run build:cli)');
  for (const backend of ['SQLite', 'PostgreSQL'] as const) {
    const entry: Record<string, unknown> = {};
    if (!process.env.SKIP_UPLOAD) {
      entry.upload = await uploadBench(backend, () =>
        backend === 'PostgreSQL' ? ['--database', pg!.createDatabase()] : [],
      );
    }
    if (!process.env.SKIP_SCALE) {
      const target: DatabaseTarget =
        backend === 'PostgreSQL'
          ? { postgres: pg.createDatabase() }
          : { sqlite: resolve(BENCH_DATA, 'platform', `scale-${process.pid}.db`) };
      entry.scale = await scaleBench(backend, target, () => {
        if ('sqlite' in target) for (const s of ['', '-wal', '-shm']) rmSync(target.sqlite + s, { force: true });
        return Promise.resolve();
      });
    }
    report[backend] = entry;
  }
  writeReport('platform', report);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  pg?.remove();
}
