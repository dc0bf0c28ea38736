/**
 * ONNX header inspection vs the peers, in one run:
 *  - fleetpack inspect (streaming header reader)
 *  - onnxruntime-node InferenceSession.create (what engineers do today to read inputs)
 *  - a full onnx-proto decode of the file
 * on a ≥ 1 GB model with ≥ 1,000 initializers, and on a ~10 MB model with the same graph to show
 * (and ~100 MB) with the same graph to show that inspect time does not grow with weight size.
 * Ratios use operation time (in-process median for inspect; timed inside the child for the
 * peers, excluding process startup). Peak RSS: each operation in its own child process —
 * inspect through the bundled CLI (`fleetpack inspect FILE --json`), the peers under tsx.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from '../../src-main/formats/index.js';
import { writeLargeOnnx, type LargeModelSpec } from '../fixtures/onnx-large.js';
import { BENCH_DATA, measure, timeMedian, writeReport } from './lib.js';

const COUNT = 1024;
const models: { label: string; file: string; spec: LargeModelSpec }[] = [
  { label: '1 GB', file: join(BENCH_DATA, 'onnx-1g-1024init.onnx'), spec: { count: COUNT, rows: 256, cols: 1024 } },
  { label: '100 MB', file: join(BENCH_DATA, 'onnx-100m-1024init.onnx'), spec: { count: COUNT, rows: 64, cols: 400 } },
  { label: '10 MB', file: join(BENCH_DATA, 'onnx-10m-1024init.onnx'), spec: { count: COUNT, rows: 16, cols: 160 } },
];

mkdirSync(BENCH_DATA, { recursive: true });
for (const m of models) {
  if (!existsSync(m.file)) {
    const t0 = performance.now();
    const size = writeLargeOnnx(m.file, m.spec);
    console.log(
      `generated ${m.file}: ${(size / 1e9).toFixed(3)} GB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}

// The CLI as users run it (esbuild bundle, no TypeScript loader in the process).
const built = spawnSync(process.execPath, ['src-main/cli/build.mjs'], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('building the CLI bundle failed');
const cli = (file: string) => measure(process.execPath, ['out/cli/fleetpack.mjs', 'inspect', file, '--json']);
const peer = (mode: string, file: string) =>
  measure(process.execPath, ['--import', 'tsx', 'test/bench/onnx-peer.ts', mode, file]);
const parse = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as { ms: number; [k: string]: unknown };
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

// In-process inspect times, interleaved across the files so background load hits them alike:
// warm the page cache and the JIT, then the median of 9 rounds.
for (const m of models) await inspect(m.file);
const times = new Map(models.map((m) => [m.file, [] as number[]]));
for (let round = 0; round < 9; round++) {
  for (const m of models) times.get(m.file)!.push(await timeMedian(1, () => inspect(m.file)));
}
const medians = new Map([...times].map(([f, t]) => [f, t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!]));

const report: Record<string, unknown> = {};
for (const m of models) {
  const size = statSync(m.file).size;
  const inspectMs = medians.get(m.file)!;
  const info = await inspect(m.file);
  const ours = await cli(m.file);
  const doc = JSON.parse(ours.stdout) as { inputs: unknown[] };
  if (doc.inputs.length !== 1) throw new Error('CLI output lost the inputs');
  const bytesRead = info.details?.bytesRead as number;
  const initializers = info.details?.initializerCount as number | undefined;
  const row: Record<string, unknown> = {
    bytes: size,
    initializers,
    inspect: { medianMs: inspectMs, cliWallMs: ours.ms, peakMB: ours.peakMB, bytesRead },
  };
  console.log(`\n${m.label} model (${(size / 1e6).toFixed(1)} MB, ${initializers ?? '?'} initializers)`);
  console.log(
    `  fleetpack inspect        ${fmt(inspectMs)} median in-process, read ${(bytesRead / 1e6).toFixed(2)} MB of the file; CLI: ${fmt(ours.ms)} wall, peak RSS ${ours.peakMB.toFixed(0)} MB`,
  );
  try {
    const o = await peer('ort', m.file);
    const op = parse(o.stdout);
    row.ort = { childOpMs: op.ms, childWallMs: o.ms, peakMB: o.peakMB, ratioVsInspect: op.ms / inspectMs };
    console.log(
      `  onnxruntime-node create  ${fmt(op.ms)} op, ${fmt(o.ms)} wall, peak RSS ${o.peakMB.toFixed(0)} MB  → inspect is ${(op.ms / inspectMs).toFixed(0)}× faster`,
    );
  } catch (e) {
    row.ort = { failed: (e as Error).message.slice(0, 300) };
    console.log(`  onnxruntime-node create  FAILED: ${(e as Error).message.slice(0, 200)}`);
  }
  try {
    const d = await peer('decode', m.file);
    const op = parse(d.stdout);
    row.fullDecode = { childOpMs: op.ms, childWallMs: d.ms, peakMB: d.peakMB, ratioVsInspect: op.ms / inspectMs };
    console.log(
      `  onnx-proto full decode   ${fmt(op.ms)} op, ${fmt(d.ms)} wall, peak RSS ${d.peakMB.toFixed(0)} MB  → inspect is ${(op.ms / inspectMs).toFixed(0)}× faster`,
    );
  } catch (e) {
    row.fullDecode = { failed: (e as Error).message.slice(-300) };
    console.log(`  onnx-proto full decode   FAILED: ${(e as Error).message.slice(-200)}`);
  }
  report[m.label] = row;
}

type Row = {
  inspect: { medianMs: number; peakMB: number; cliWallMs: number };
  ort: { ratioVsInspect?: number; childWallMs?: number };
};
const big = report['1 GB'] as Row;
const mid = report['100 MB'] as Row;
const small = report['10 MB'] as Row;
const growth = big.inspect.medianMs / mid.inspect.medianMs;
console.log(
  `\ninspect time by file size, same graph: 10 MB ${fmt(small.inspect.medianMs)}, 100 MB ${fmt(mid.inspect.medianMs)}, 1 GB ${fmt(big.inspect.medianMs)}`,
);
console.log(
  `  1 GB / 100 MB: ${growth.toFixed(2)}× for 10× the weight bytes (time follows the initializer count, not the bytes)`,
);
if (big.ort.childWallMs)
  console.log(
    `  end to end (process start included): CLI ${fmt(big.inspect.cliWallMs)} vs ORT script ${fmt(big.ort.childWallMs)} = ${(big.ort.childWallMs / big.inspect.cliWallMs).toFixed(0)}×`,
  );
console.log(
  `targets: ≥ 50× faster than onnxruntime-node on 1 GB: ${big.ort.ratioVsInspect ? `${big.ort.ratioVsInspect.toFixed(0)}×` : 'n/a'}; peak RSS < 100 MB: ${big.inspect.peakMB.toFixed(0)} MB`,
);
writeReport('inspect-onnx', { models: report, inspectGrowth1GBvs100MB: growth });
