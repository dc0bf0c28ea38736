/**
 * Fleet compatibility preview at scale: 10k / 100k / 1M devices over ~50 distinct profile + fact
 * combinations. Each size runs in its own child process (peak RSS via /usr/bin/time):
 *   file    import a CSV from .bench-data/ (streamed), then preview it
 *   memory  build the devices in memory (as an API caller would), then preview them
 * Peer: the naive per-device evaluation (strategy 'per-device') on the same devices in the same
 * run; the report gives its time over the grouped preview's. Targets: 1M devices previewed in
 * under 2 s and under 1 GB.
 */
import { existsSync, mkdirSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultCatalog,
  importInventory,
  preview,
  type Device,
  type DeviceFacts,
  mergeFacts,
  factsKey,
  type PreviewResult,
} from '../../src-main/fleet/index.js';
import type { Manifest } from '../../src-main/manifest/index.js';
import { BENCH_DATA, measure, timeMedian, writeReport } from './lib.js';

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
  let devices: readonly Device[];
  let importMs: number;
  let errors = 0;
  if (mode === 'file') {
    const inv = await importInventory(join(BENCH_DATA, `fleet-${n}.csv`), defaultCatalog());
    devices = inv.devices;
    errors = inv.errors.length;
  } else devices = inMemoryDevices(n);
  importMs = performance.now() - t0;
  const rssAfterImport = mb();
  let grouped!: PreviewResult;
  const previewMs = await timeMedian(3, async () => (grouped = preview(MANIFEST, devices, { channel: 'stable' })));
  const rssAfterPreview = mb();
  let naive!: PreviewResult;
  const naiveMs = await timeMedian(
    1,
    async () => (naive = preview(MANIFEST, devices, { channel: 'stable', strategy: 'per-device' })),
  );
  // Every device, no channel filter: the worst case for the grouped path.
  let all!: PreviewResult;
  const allMs = await timeMedian(3, async () => (all = preview(MANIFEST, devices)));
  const keys = new Set(devices.map((d) => d.factsKey ?? factsKey(d.facts))).size;
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

async function main(): Promise<void> {
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
        `${String(n).padStart(9)} ${mode.padEnd(6)} import ${f(r.importMs).padStart(6)} ms | preview(stable) ${f(r.previewMs).padStart(5)} ms, all ${f(r.allMs).padStart(5)} ms | per-device peer ${f(r.naiveMs).padStart(6)} ms (×${((r.naiveMs as number) / (r.previewMs as number)).toFixed(1)}) | groups ${r.groups} | peak RSS ${f(m.peakMB)} MB | same answer ${r.same}`,
      );
      if (!r.same) throw new Error('grouped and per-device previews disagree');
    }
  }
  const big = rows.filter((r) => r.n === 1_000_000);
  const verdict = big.map((r) => ({
    mode: r.mode,
    previewUnder2s: (r.allMs as number) < 2000,
    peakUnder1GB: (r.peakMB as number) < 1024,
  }));
  console.log('1M targets (preview < 2 s, peak < 1 GB):', JSON.stringify(verdict));
  writeReport('compat', {
    peer: 'per-device evaluation (no grouping), same process and devices',
    rows,
    targets: verdict,
  });
}

const i = process.argv.indexOf('--child');
if (i !== -1) await child(process.argv[i + 1]!, Number(process.argv[i + 2]));
else await main();
