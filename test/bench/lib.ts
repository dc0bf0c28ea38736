/** Shared helpers for benchmarks: timing, peak memory of a child process, report files. */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

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

export interface MeasuredCpu extends Measured {
  /** User + system CPU seconds of the command (all threads): less sensitive to a busy machine than wall time. */
  cpuS: number;
}

/** measure() plus the command's CPU time: an inner /usr/bin/time writes it to a file. */
export async function measureCpu(cmd: string, args: string[]): Promise<MeasuredCpu> {
  const cpuFile = join(BENCH_DATA, `cpu-${process.pid}.txt`);
  const m = await measure('/usr/bin/time', ['-o', cpuFile, '-f', '%U %S', cmd, ...args]);
  const [u, sy] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
  return { ...m, cpuS: (u ?? NaN) + (sy ?? NaN) };
}

/** Writes `size` bytes of random-ish data in 4 MiB chunks (a fresh random block, varied per chunk); kept when already there. */
export function ensureFile(path: string, size: number): void {
  if (existsSync(path) && statSync(path).size === size) return;
  const block = randomBytes(4 * 1024 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += block.length, i++) {
      block.writeUInt32LE(i, (i * 4096) % (block.length - 4)); // no two chunks identical
      writeSync(fd, block, 0, Math.min(block.length, size - off));
    }
  } finally {
    closeSync(fd);
  }
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Builds the bundled CLI as `npm run build:cli` does (benches measure the code as it is) and returns its path. */
export function buildCli(): string {
  const r = spawnSync(process.execPath, ['src-main/cli/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the CLI bundle failed');
  return resolve('out/cli/fleetpack.mjs');
}

/** Runs the built CLI and returns its stdout; a non-zero exit throws with its stderr. */
export function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): string {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fleetpack ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A `platform serve` process on a free loopback port; its peak and current RSS read from /proc. */
export async function servePlatform(cli: string, cwd: string, env: NodeJS.ProcessEnv, dbArgs: string[]) {
  // SERVER_NODE_ARGS: node flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it.
  const nodeArgs = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, cli, 'platform', 'serve', '--listen', '127.0.0.1:0', ...dbArgs], {
    cwd,
    env: { ...process.env, ...env, FLEETPACK_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (c) => rej(new Error(`serve exited ${c}`)));
  });
  const mem = (field: string) => {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  };
  /** CPU time (user + system) the server has used so far, in ms (clock ticks of 10 ms). */
  const cpuMs = () => {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  };
  return {
    url,
    cpuMs,
    peakMB: () => mem('VmHWM'),
    rssMB: () => mem('VmRSS'),
    stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))),
  };
}
