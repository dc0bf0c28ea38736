/**
 * Commands the agent runs: the health check (with a timeout, killing its whole process group so a
 * hung check leaves nothing behind) and the runtime (`--run`, restarted after every switch, its
 * process group recorded in a pid file so a restarted agent stops the one it left running).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface CommandResult {
  ok: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last 2 KB of stdout + stderr. */
  output: string;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Runs `cmd` through /bin/sh in its own process group; SIGKILLs the group after `timeoutMs`. */
export function runCommand(
  cmd: string,
  opts: { timeoutMs: number; env: NodeJS.ProcessEnv; cwd: string },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', cmd], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-2048);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, code: null, signal: null, timedOut: false, output: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the check started in the background goes with it.
      killGroup(child.pid, 'SIGKILL');
      resolve({ ok: code === 0 && !timedOut, code, signal, timedOut, output });
    });
  });
}

/** The model's runtime process, restarted after every switch of `current`. */
export class Runtime {
  private child: ChildProcess | undefined;

  constructor(
    private readonly cmd: string | undefined,
    private readonly pidFile: string,
  ) {}

  /** Stops a runtime a previous agent process left behind (after a crash). */
  stopLeftover(): void {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 1) killGroup(pid, 'SIGKILL');
    } catch {
      // no pid file
    }
    rmSync(this.pidFile, { force: true });
  }

  async restart(env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
    await this.stop();
    if (!this.cmd) return;
    const child = spawn('/bin/sh', ['-c', this.cmd], { cwd, env, detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    this.child = child;
    if (child.pid) writeFileSync(this.pidFile, String(child.pid));
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup(child.pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    killGroup(child.pid, 'SIGKILL');
    rmSync(this.pidFile, { force: true });
  }
}
