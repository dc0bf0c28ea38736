/**
 * Fleet compatibility at scale, in two parts.
 *
 * 1. `fleetpack compat` on a 1,000,000-device inventory as CSV, JSON and NDJSON (whole process,
 *    the built CLI) against one plain `split` pass over the same file in Node
 *    (test/bench/split-peer.mjs). Runs alternate (ROUNDS, default 3); medians of wall and CPU time.
 *    Targets: ≤ 2× the split pass, peak RSS ≤ 1 GB (issue 11 item 4).
 * 2. The preview itself: 10k / 100k / 1M devices over ~50 distinct profile + fact combinations,
 *    each size in its own child process (peak RSS via /usr/bin/time):
 *      file    import a CSV from .bench-data/ (streamed), then preview it
 *      memory  build the devices in memory (as an API caller would), then preview them
 *    Peer: the naive per-device evaluation (strategy 'per-device') on the same devices in the same
 *    run; the report gives its time over the grouped preview's. Targets: 1M devices previewed in
 *    under 2 s and under 1 GB.
 * `npm run bench -- compat` (PART=1 or PART=2 for one part).
 */
import { existsSync, mkdirSync, createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultCatalog,
  importInventory,
  type Inventory,
  preview,
  type Device,
  type DeviceFacts,
  mergeFacts,
  factsKey,
  type PreviewResult,
} from '../../src-main/fleet/index.js';
import type { Manifest } from '../../src-main/manifest/index.js';
import { BENCH_DATA, buildCli, measure, median, timeMedian, writeReport, type Measured } from './lib.js';

const SIZES = [10_000, 100_000, 1_000_000];
const self = fileURLToPath(import.meta.url);

// ~50 combinations: 25 profiles × 2 software variants (ONNX Runtime builds).
const PROFILES = [
  'nvidia-jetson-nano-4gb-jp4.6.1',
  'nvidia-jetson-nano-2gb-jp4.6.4',
  'nvidia-jetson-tx2-8gb-jp4.6.1',
  'nvidia-jetson-tx2-nx-jp4.6.4',
  'nvidia-jetson-xavier-nx-8gb-jp5.1',
  'nvidia-jetson-xavier-nx-16gb-jp5.1.2',
  'nvidia-jetson-agx-xavier-32gb-jp5.1.2',
  'nvidia-jetson-agx-xavier-64gb-jp5.0.2',
  'nvidia-jetson-orin-nano-4gb-jp6.2',
  'nvidia-jetson-orin-nano-8gb-jp6.0',
  'nvidia-jetson-orin-nx-8gb-jp6.1',
  'nvidia-jetson-orin-nx-16gb-jp6.2',
  'nvidia-jetson-agx-orin-32gb-jp5.1.2',
  'nvidia-jetson-agx-orin-64gb-jp6.2',
  'x86-64-server',
  'x86-64-server-t4',
  'x86-64-server-a10',
  'x86-64-server-l4',
  'raspberrypi-4-4gb',
  'raspberrypi-4-4gb-32bit',
  'raspberrypi-5-8gb',
  'raspberrypi-5-8gb-ai-kit',
  'raspberrypi-4-4gb-coral-usb',
  'coral-dev-board',
  'x86-64-server-hailo-8',
];
const ORT = [
  { onnxruntime: '1.16.3', execution_providers: 'CPUExecutionProvider' },
  {
    onnxruntime: '1.18.1',
    execution_providers: 'TensorrtExecutionProvider;CUDAExecutionProvider;CPUExecutionProvider',
  },
];
const CHANNELS = ['stable', 'stable', 'stable', 'beta', 'canary'];

/** An ONNX model (IR 9, opset 17) that wants the TensorRT EP and ≥ 2 GiB: a realistic mix of verdicts. */
const MANIFEST: Manifest = {
  schemaVersion: '1.0',
  name: 'bench-detector',
  version: '1.0.0',
  framework: { format: 'onnx', onnx: { irVersion: 9, opsets: [{ domain: '', version: 17 }] } },
  artifact: {
    file: 'model.onnx',
    files: [{ path: 'model.onnx', size: 80 * 1024 * 1024, sha256: '0'.repeat(64), role: 'model' }],
  },
  inputs: [],
  outputs: [],
  target: {
    requirements: {
      executionProviders: ['TensorrtExecutionProvider'],
      minMemoryMiB: 2048,
      cpuArch: ['aarch64', 'x86_64'],
    },
  },
};

/** Deterministic choice of combination per device index (multiplicative hash, uneven sizes). */
function combo(i: number): { p: number; o: number; c: number } {
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  return { p: (h % 997) % PROFILES.length, o: (h >>> 10) & 1, c: (h >>> 12) % CHANNELS.length };
}

async function writeCsv(n: number): Promise<string> {
  mkdirSync(BENCH_DATA, { recursive: true });
  const path = join(BENCH_DATA, `fleet-${n}.csv`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  out.write('id,channel,profile,onnxruntime,execution_providers,labels\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const { p, o, c } = combo(i);
    buf += `dev-${i.toString(36).padStart(6, '0')},${CHANNELS[c]},${PROFILES[p]},${ORT[o]!.onnxruntime},${ORT[o]!.execution_providers},site-${i % 40}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return path;
}

function inMemoryDevices(n: number): Device[] {
  const catalog = defaultCatalog();
  const facts: DeviceFacts[][] = PROFILES.map((id) =>
    ORT.map((o) =>
      Object.freeze(
        mergeFacts(catalog.resolve(id).facts, {
          runtimes: { onnxruntime: { version: o.onnxruntime, executionProviders: o.execution_providers.split(';') } },
        }),
      ),
    ),
  );
  const devices: Device[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const { p, o, c } = combo(i);
    devices[i] = { id: `dev-${i}`, channel: CHANNELS[c]!, profile: PROFILES[p]!, facts: facts[p]![o]! };
  }
  return devices;
}

function same(a: PreviewResult, b: PreviewResult): boolean {
  return (
    JSON.stringify(a.totals) === JSON.stringify(b.totals) && JSON.stringify(a.byReason) === JSON.stringify(b.byReason)
  );
}

async function child(mode: string, n: number): Promise<void> {
  const mb = () => process.memoryUsage().rss / 1024 / 1024;
  const t0 = performance.now();
  let devices: Inventory | readonly Device[];
  let errors = 0;
  let keys: number;
  if (mode === 'file') {
    const inv = await importInventory(join(BENCH_DATA, `fleet-${n}.csv`), defaultCatalog());
    devices = inv;
    errors = inv.errors.length;
    keys = new Set(inv.kinds.map((k) => k.factsKey)).size;
  } else {
    const list = inMemoryDevices(n);
    devices = list;
    keys = new Set(list.map((d) => d.factsKey ?? factsKey(d.facts))).size;
  }
  const importMs = performance.now() - t0;
  const rssAfterImport = mb();
  let grouped!: PreviewResult;
  const previewMs = await timeMedian(3, () => (grouped = preview(MANIFEST, devices, { channel: 'stable' })));
  const rssAfterPreview = mb();
  let naive!: PreviewResult;
  const naiveMs = await timeMedian(
    1,
    () => (naive = preview(MANIFEST, devices, { channel: 'stable', strategy: 'per-device' })),
  );
  // Every device, no channel filter: the worst case for the grouped path.
  let all!: PreviewResult;
  const allMs = await timeMedian(3, () => (all = preview(MANIFEST, devices)));
  console.log(
    JSON.stringify({
      mode,
      n,
      errors,
      importMs,
      previewMs,
      allMs,
      naiveMs,
      rssAfterImport,
      rssAfterPreview,
      groups: grouped.groups.length,
      factKeys: keys,
      inScope: grouped.scope.devices,
      totals: grouped.totals,
      allTotals: all.totals,
      same: same(grouped, naive),
    }),
  );
}

/** The same rows as JSON (an array, one device a line) and NDJSON, written once beside the CSV. */
async function writeJsonForms(csv: string): Promise<{ json: string; ndjson: string }> {
  const json = csv.replace(/\.csv$/, '.json');
  const ndjson = csv.replace(/\.csv$/, '.ndjson');
  if (existsSync(json) && existsSync(ndjson)) return { json, ndjson };
  const a = createWriteStream(ndjson);
  const b = createWriteStream(json);
  b.write('[\n');
  let head: string[] | undefined;
  let carry = '';
  let first = true;
  for await (const chunk of createReadStream(csv, { encoding: 'utf8' })) {
    const lines = (carry + String(chunk)).split('\n');
    carry = lines.pop()!;
    let ba = '';
    let bb = '';
    for (const l of lines) {
      const c = l.split(',');
      if (!head) {
        head = c;
        continue;
      }
      const o = JSON.stringify(Object.fromEntries(head.map((h, i) => [h, c[i]])));
      ba += `${o}\n`;
      bb += `${first ? '  ' : ',\n  '}${o}`;
      first = false;
    }
    if (!a.write(ba)) await once(a, 'drain');
    if (!b.write(bb)) await once(b, 'drain');
  }
  a.end();
  b.end('\n]\n');
  await Promise.all([once(a, 'finish'), once(b, 'finish')]);
  return { json, ndjson };
}

/** Part 1: `fleetpack compat` vs a plain split pass, whole processes, 1M devices, three formats. */
async function importVsSplit(): Promise<Record<string, unknown>[]> {
  const rounds = Math.max(1, Number(process.env.ROUNDS ?? 3));
  const csv = await writeCsv(1_000_000);
  const forms = { csv, ...(await writeJsonForms(csv)) };
  buildCli();
  const pkg = join(BENCH_DATA, 'compat-pkg');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'fleetpack.json'), JSON.stringify(MANIFEST, null, 2));
  const rows: Record<string, unknown>[] = [];
  for (const [format, file] of Object.entries(forms)) {
    const ours: Measured[] = [];
    const peer: Measured[] = [];
    // One warm-up each: the file is then in the page cache for both.
    await measure(process.execPath, ['test/bench/split-peer.mjs', file]);
    for (let r = 0; r < rounds; r++) {
      peer.push(await measure(process.execPath, ['test/bench/split-peer.mjs', file]));
      // Exit 1: some devices decline (this manifest wants the TensorRT EP and 2 GiB).
      ours.push(
        await measure(
          process.execPath,
          ['out/cli/fleetpack.mjs', 'compat', pkg, '--fleet', file, '--json'],
          process.env,
          [0, 1],
        ),
      );
    }
    const doc = JSON.parse(ours[0]!.stdout) as { scope: { devices: number }; inventory: { rows: number } };
    if (doc.scope.devices !== 1_000_000 || doc.inventory.rows !== 1_000_000)
      throw new Error(`${format}: expected 1,000,000 devices, got ${JSON.stringify(doc.scope)}`);
    const wall = (ms: Measured[]) => median(ms.map((m) => m.ms));
    const cpu = (ms: Measured[]) => median(ms.map((m) => m.cpuS * 1000));
    const row = {
      format,
      devices: 1_000_000,
      rounds,
      compat: {
        wallMs: Math.round(wall(ours)),
        cpuMs: Math.round(cpu(ours)),
        peakMB: Math.round(Math.max(...ours.map((m) => m.peakMB))),
      },
      split: {
        wallMs: Math.round(wall(peer)),
        cpuMs: Math.round(cpu(peer)),
        peakMB: Math.round(Math.max(...peer.map((m) => m.peakMB))),
      },
      ratioWall: Number((wall(ours) / wall(peer)).toFixed(2)),
      ratioCpu: Number((cpu(ours) / cpu(peer)).toFixed(2)),
    };
    rows.push(row);
    console.log(
      `${format.padEnd(6)} fleetpack compat ${row.compat.wallMs} ms wall / ${row.compat.cpuMs} ms CPU, peak ${row.compat.peakMB} MB | split pass ${row.split.wallMs} ms / ${row.split.cpuMs} ms CPU → ${row.ratioWall}× wall, ${row.ratioCpu}× CPU (target ≤ 2×, ≤ 1024 MB)`,
    );
  }
  return rows;
}

/** Part 2: the grouped preview vs per-device evaluation (each size in its own child). */
async function previewScale(): Promise<{ rows: Record<string, unknown>[]; targets: unknown }> {
  const rows: Record<string, unknown>[] = [];
  for (const n of SIZES) {
    const t0 = performance.now();
    await writeCsv(n);
    const genMs = performance.now() - t0;
    for (const mode of ['file', 'memory']) {
      const m = await measure(process.execPath, ['--import', 'tsx', self, '--child', mode, String(n)]);
      const r = JSON.parse(m.stdout.trim().split('\n').at(-1)!) as Record<string, number | boolean | object>;
      const row = {
        ...r,
        peakMB: Math.round(m.peakMB),
        childMs: Math.round(m.ms),
        csvGenMs: mode === 'file' ? Math.round(genMs) : undefined,
      };
      rows.push(row);
      const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(0) : String(x));
      console.log(
        `${String(n).padStart(9)} ${mode.padEnd(6)} import ${f(r.importMs).padStart(6)} ms | preview(stable) ${f(r.previewMs).padStart(5)} ms, all ${f(r.allMs).padStart(5)} ms | per-device peer ${f(r.naiveMs).padStart(6)} ms (×${((r.naiveMs as number) / (r.previewMs as number)).toFixed(1)}) | groups ${f(r.groups)} | peak RSS ${f(m.peakMB)} MB | same answer ${f(r.same)}`,
      );
      if (!r.same) throw new Error('grouped and per-device previews disagree');
    }
  }
  const big = rows.filter((r) => r.n === 1_000_000);
  const targets = big.map((r) => ({
    mode: r.mode,
    previewUnder2s: (r.allMs as number) < 2000,
    peakUnder1GB: (r.peakMB as number) < 1024,
  }));
  console.log('1M targets (preview < 2 s, peak < 1 GB):', JSON.stringify(targets));
  return { rows, targets };
}

async function main(): Promise<void> {
  const part = process.env.PART;
  const report: Record<string, unknown> = {};
  if (part !== '2') {
    const rows = await importVsSplit();
    report.importVsSplit = {
      peer: 'one plain split pass over the same file (test/bench/split-peer.mjs), whole process',
      rows,
      targetsMet: rows.every((r) => (r.ratioWall as number) <= 2 && (r.compat as { peakMB: number }).peakMB <= 1024),
    };
  }
  if (part !== '1')
    report.preview = {
      peer: 'per-device evaluation (no grouping), same process and devices',
      ...(await previewScale()),
    };
  writeReport('compat', report);
}

const i = process.argv.indexOf('--child');
if (i !== -1) await child(process.argv[i + 1]!, Number(process.argv[i + 2]));
else await main();
