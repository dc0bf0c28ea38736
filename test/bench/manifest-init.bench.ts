/**
 * Benchmark: `fleetpack init` (inspect + copy-while-hashing + manifest) and `fleetpack validate`
 * on an ONNX model with 1 GiB of external weights, against the shell doing the same by hand:
 * `cp` the files into a folder, then `sha256sum` them (two reads of every byte). Each run is a
 * child process under /usr/bin/time (wall time, peak RSS). Inputs live in .bench-data/ and are reused.
 *
 *   npm run bench -- manifest-init
 */
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { externalDataModel } from '../fixtures/onnx-models.js';
import { BENCH_DATA, measure, writeReport } from './lib.js';

const WEIGHTS = 1024 * 1024 * 1024;
const RUNS = 3;
const dir = resolve(BENCH_DATA, 'manifest-init');
const src = join(dir, 'src');

async function prepare(): Promise<void> {
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'model.onnx'), externalDataModel());
  writeFileSync(join(src, 'const.bin'), Buffer.alloc(64, 2));
  const weights = join(src, 'weights.bin');
  if (existsSync(weights) && statSync(weights).size === WEIGHTS) return;
  const out = createWriteStream(weights);
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  for (let off = 0; off < WEIGHTS; off += chunk.length) {
    for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32LE((off + i) >>> 0, i); // not all zeros: no sparse shortcuts
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function series(label: string, cmd: string, args: string[], before?: () => void) {
  const ms: number[] = [];
  let peak = 0;
  for (let i = 0; i < RUNS; i++) {
    before?.();
    const m = await measure(cmd, args);
    ms.push(m.ms);
    peak = Math.max(peak, m.peakMB);
  }
  const r = { label, medianMs: Math.round(median(ms)), peakMB: Math.round(peak) };
  console.log(`${label.padEnd(44)} ${String(r.medianMs).padStart(7)} ms   peak ${r.peakMB} MB`);
  return r;
}

await prepare();
const pkg = join(dir, 'pkg');
const peerDir = join(dir, 'peer');
const cli = ['--import', 'tsx', 'src-main/cli/fleetpack.ts'];
console.log(
  `ONNX model + ${WEIGHTS / 2 ** 30} GiB external weights, median of ${RUNS} runs (page cache warm after the first)`,
);
const init = await series('fleetpack init (copy + hash in one pass)', process.execPath, [
  ...cli,
  'init',
  join(src, 'model.onnx'),
  '--out',
  pkg,
  '--force',
  '--json',
]);
const peer = await series(
  'peer: cp files && sha256sum them',
  'sh',
  [
    '-c',
    `mkdir -p "${peerDir}" && cp "${src}"/model.onnx "${src}"/weights.bin "${src}"/const.bin "${peerDir}"/ && sha256sum "${peerDir}"/*`,
  ],
  () => rmSync(peerDir, { recursive: true, force: true }),
);
const validate = await series('fleetpack validate (hash every file once)', process.execPath, [
  ...cli,
  'validate',
  pkg,
  '--json',
]);
const sha = await series('peer: sha256sum the package files', 'sh', ['-c', `sha256sum "${pkg}"/*.bin "${pkg}"/*.onnx`]);
const report = {
  weightsBytes: WEIGHTS,
  runs: RUNS,
  init,
  peerCopyThenHash: peer,
  validate,
  peerSha256sum: sha,
  ratios: {
    initVsCpSha256sum: +(init.medianMs / peer.medianMs).toFixed(2),
    validateVsSha256sum: +(validate.medianMs / sha.medianMs).toFixed(2),
  },
};
console.log(
  `init / (cp + sha256sum) = ${report.ratios.initVsCpSha256sum}   validate / sha256sum = ${report.ratios.validateVsSha256sum}`,
);
writeReport('manifest-init', report);
rmSync(peerDir, { recursive: true, force: true });
