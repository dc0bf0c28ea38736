/**
 * Benchmark: `inspect` on a ≥ 500 MB TFLite model vs the same graph with tiny weights, and vs a
 * peer that reads the whole file into memory first (fs.readFile + the same FlatBuffer walk over
 * the in-memory bytes — what a naive full-buffer parser costs at least). Each measurement runs in
 * its own child process for honest peak RSS. Generated models live in .bench-data/ and are reused.
 *
 *   npm run bench -- inspect-tflite
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from '../../src-main/formats/inspect.js';
import { tfliteReader } from '../../src-main/formats/tflite.js';
import type { ModelFile } from '../../src-main/formats/file.js';
import { deepConvNet, writeTfliteModel } from '../fixtures/tflite-model.js';
import { BENCH_DATA, measure, writeReport } from './lib.js';

const BIG_WEIGHTS = 520 * 1024 * 1024;
const RUNS = 5;

async function ensureModel(path: string, weightBytes: number): Promise<number> {
  if (!existsSync(path)) {
    mkdirSync(BENCH_DATA, { recursive: true });
    const t0 = performance.now();
    await writeTfliteModel(deepConvNet(weightBytes), `${path}.partial`);
    renameSync(`${path}.partial`, path);
    console.log(
      `generated ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  return statSync(path).size;
}

/** A ModelFile over bytes already in memory (for the whole-file peer). */
function memoryFile(path: string, bytes: Buffer): ModelFile {
  const read = (offset: number, length: number): Promise<Buffer> =>
    Promise.resolve(bytes.subarray(offset, offset + length));
  return {
    path,
    size: bytes.length,
    read,
    readUpTo: (offset: number, length: number) =>
      Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
    close: async () => {},
  } as unknown as ModelFile;
}

/** Child mode: run one measurement and print its in-process time as JSON. */
async function child(mode: string, path: string): Promise<void> {
  const t0 = performance.now();
  let inputs: number;
  if (mode === 'baseline') {
    inputs = 1; // node + tsx + modules loaded, no work: the floor under both peak RSS figures
  } else if (mode === 'inspect') {
    inputs = (await inspect(path)).inputs.length;
  } else {
    const bytes = await readFile(path);
    inputs = (await tfliteReader.read(memoryFile(path, bytes), {})).inputs.length;
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, inputs }) + '\n');
}

interface Row {
  model: string;
  sizeMB: number;
  method: string;
  inProcessMs: number;
  wallMs: number;
  peakMB: number;
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const small = join(BENCH_DATA, 'tflite-small.tflite');
  const big = join(BENCH_DATA, 'tflite-520mb.tflite');
  const sizes = { small: await ensureModel(small, 64 * 1024), big: await ensureModel(big, BIG_WEIGHTS) };
  const rows: Row[] = [];
  const methods = {
    baseline: 'baseline: process start-up, no read',
    inspect: 'fleetpack inspect (positioned reads)',
    'read-whole': 'peer: fs.readFile whole file + same parse in memory',
  };
  for (const [label, path] of [
    ['small', small],
    ['520 MB', big],
  ] as const) {
    for (const [mode, method] of Object.entries(methods)) {
      const runs: { ms: number; wall: number; peak: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        const m = await measure(process.execPath, ['--import', 'tsx', self, '--child', mode, path]);
        const out = JSON.parse(m.stdout.trim().split('\n').pop()!) as { ms: number; inputs: number };
        if (out.inputs !== 1) throw new Error(`${mode} on ${path} read ${out.inputs} inputs`);
        runs.push({ ms: out.ms, wall: m.ms, peak: m.peakMB });
      }
      runs.sort((a, b) => a.ms - b.ms);
      const med = runs[Math.floor(runs.length / 2)]!;
      rows.push({
        model: label,
        sizeMB: Math.round((label === 'small' ? sizes.small : sizes.big) / 1e5) / 10,
        method,
        inProcessMs: Math.round(med.ms * 10) / 10,
        wallMs: Math.round(med.wall),
        peakMB: Math.round(Math.max(...runs.map((r) => r.peak))),
      });
    }
  }
  console.table(rows);
  const get = (model: string, method: string) => rows.find((r) => r.model === model && r.method === method)!;
  const ours = get('520 MB', methods.inspect);
  const peer = get('520 MB', methods['read-whole']);
  const oursSmall = get('small', methods.inspect);
  const baseline = get('520 MB', methods.baseline);
  const summary = {
    speedupVsReadWhole: Math.round((peer.inProcessMs / ours.inProcessMs) * 10) / 10,
    memoryRatioVsReadWhole: Math.round((peer.peakMB / ours.peakMB) * 10) / 10,
    bigOverSmallTime: Math.round((ours.inProcessMs / oursSmall.inProcessMs) * 100) / 100,
    peakMBOurs: ours.peakMB,
    peakMBOverBaseline: ours.peakMB - baseline.peakMB,
    note: 'in-process ms exclude node+tsx start-up (in wallMs); files are in the OS page cache (warm)',
  };
  console.log(
    `inspect on 520 MB: ${ours.inProcessMs} ms, peak ${ours.peakMB} MB; peer ${peer.inProcessMs} ms, peak ${peer.peakMB} MB → ` +
      `${summary.speedupVsReadWhole}× faster, ${summary.memoryRatioVsReadWhole}× less memory (baseline process ${baseline.peakMB} MB); ` +
      `big/small time ratio ${summary.bigOverSmallTime}`,
  );
  writeReport('inspect-tflite', { rows, summary, sizes });
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!);
} else {
  await main();
}
