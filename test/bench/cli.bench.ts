/**
 * Start-up of the `fleetpack` CLI, whole processes, in one run (issue 11 item 12):
 *  - `fleetpack --help` vs `node -e 0`                                       target ≤ 2×
 *  - `fleetpack inspect BIG.onnx --json` vs an onnxruntime-node session on the same file
 *    (test/bench/ort-session.mjs, plain Node), BIG = 1.2 GB, 1,500 initializers      target ≥ 20×
 * Runs alternate (ROUNDS, default 7) so background load hits them alike; medians of wall time
 * are compared, and CPU time (user + system, which machine load disturbs less) is reported too.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeLargeOnnx } from '../fixtures/onnx-large.js';
import { BENCH_DATA, buildCli, measure, median, type Measured, writeReport } from './lib.js';

const ROUNDS = Math.max(3, Number(process.env.ROUNDS ?? 7));
const CLI = 'out/cli/fleetpack.mjs';
const BIG = join(BENCH_DATA, 'onnx-1.2g-1500init.onnx');

mkdirSync(BENCH_DATA, { recursive: true });
if (!existsSync(BIG)) {
  const size = writeLargeOnnx(BIG, { count: 1500, rows: 200, cols: 1000 });
  console.log(`generated ${BIG}: ${(size / 1e9).toFixed(2)} GB`);
}
buildCli();

const cases: Record<string, [string, string[]]> = {
  node0: [process.execPath, ['-e', '0']],
  help: [process.execPath, [CLI, '--help']],
  inspect: [process.execPath, [CLI, 'inspect', BIG, '--json']],
  ort: [process.execPath, ['test/bench/ort-session.mjs', BIG]],
};
const runs: Record<string, Measured[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
// Warm the page cache and the file system first: both sides then read from memory.
for (const [cmd, args] of Object.values(cases)) await measure(cmd, args);
for (let r = 0; r < ROUNDS; r++)
  for (const [name, [cmd, args]] of Object.entries(cases)) runs[name]!.push(await measure(cmd, args));

const inspectDoc = JSON.parse(runs.inspect![0]!.stdout) as { inputs: { name: string }[] };
const ortDoc = JSON.parse(runs.ort![0]!.stdout.trim().split('\n').at(-1)!) as { inputs: string[] };
if (JSON.stringify(inspectDoc.inputs.map((i) => i.name)) !== JSON.stringify(ortDoc.inputs))
  throw new Error('fleetpack inspect and onnxruntime-node disagree on the inputs');

const wall = (k: string) => median(runs[k]!.map((m) => m.ms));
const cpu = (k: string) => median(runs[k]!.map((m) => m.cpuS * 1000));
const row = {
  model: { path: BIG, bytes: statSync(BIG).size, initializers: 1500 },
  rounds: ROUNDS,
  medians: Object.fromEntries(
    Object.keys(cases).map((k) => [
      k,
      {
        wallMs: Math.round(wall(k)),
        cpuMs: Math.round(cpu(k)),
        peakMB: Math.round(Math.max(...runs[k]!.map((m) => m.peakMB))),
      },
    ]),
  ),
  helpVsNode: Number((wall('help') / wall('node0')).toFixed(2)),
  helpVsNodeCpu: Number((cpu('help') / cpu('node0')).toFixed(2)),
  ortVsInspect: Number((wall('ort') / wall('inspect')).toFixed(1)),
  ortVsInspectCpu: Number((cpu('ort') / cpu('inspect')).toFixed(1)),
};
const ok = { help: row.helpVsNode <= 2, inspect: row.ortVsInspect >= 20 };
for (const k of Object.keys(cases))
  console.log(
    `${k.padEnd(8)} wall ${String(Math.round(wall(k))).padStart(6)} ms   cpu ${String(Math.round(cpu(k))).padStart(6)} ms`,
  );
console.log(
  `fleetpack --help / node -e 0: ${row.helpVsNode}× wall (${row.helpVsNodeCpu}× CPU) — target ≤ 2×: ${ok.help ? 'met' : 'NOT met'}`,
);
console.log(
  `onnxruntime-node session / fleetpack inspect (1.2 GB, 1,500 initializers): ${row.ortVsInspect}× wall (${row.ortVsInspectCpu}× CPU) — target ≥ 20×: ${ok.inspect ? 'met' : 'NOT met'}`,
);
writeReport('cli', {
  peers: { help: 'node -e 0', inspect: 'onnxruntime-node InferenceSession.create (plain Node script)' },
  ...row,
  targetsMet: ok,
});
