/** Shared helpers for benchmarks: timing, peak memory of a child process, report files. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

export interface Measured {
  ms: number;
  /** Peak resident set size of the child, in MB (from /usr/bin/time). */
  peakMB: number;
  /** User + system CPU seconds of the child (all threads), from /usr/bin/time. */
  cpuS: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time to get wall time and peak RSS; other exit codes than `okCodes` reject. */
export function measure(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  okCodes: number[] = [0],
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '__PEAK_KB__=%M __CPU_S__=%U+%S', cmd, ...args], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const m = /__PEAK_KB__=(\d+)/.exec(err);
      const c = /__CPU_S__=([\d.]+)\+([\d.]+)/.exec(err);
      if (!okCodes.includes(code ?? -1))
        return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      resolve({
        ms,
        peakMB: m ? Number(m[1]) / 1024 : NaN,
        cpuS: c ? Number(c[1]) + Number(c[2]) : NaN,
        stdout: out,
      });
    });
  });
}

/** Median of n timed runs of a function (awaited when it returns a promise), in ms. */
export async function timeMedian(n: number, fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Writes test-results/bench/NAME.json for the closing notes. */
export function writeReport(name: string, data: unknown): void {
  mkdirSync('test-results/bench', { recursive: true });
  writeFileSync(`test-results/bench/${name}.json`, JSON.stringify(data, null, 2) + '\n');
}

/** Where benchmarks keep their large generated inputs (git-ignored, reused between runs). */
export const BENCH_DATA = '.bench-data';

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Builds the bundled CLI (out/cli/fleetpack.mjs) as `npm run build:cli` does. */
export function buildCli(): void {
  const r = spawnSync(process.execPath, ['src-main/cli/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the CLI bundle failed');
}
