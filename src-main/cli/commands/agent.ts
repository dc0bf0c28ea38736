/**
 * `fleetpack agent`: the device agent (also bundled on its own as out/cli/fleetpack-agent.mjs).
 * `fleetpack agent tuf init|refresh|download`: the agent's TUF layer behind the three-command CLI
 * tuf-conformance drives clients through.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Agent, type CycleResult, type UpdateStep } from '../../agent/index.js';
import { errnoOf, messageOf, UsageError } from '../../errors.js';
import { type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';
import { tufConformanceCli } from './agent-tuf.js';

const usage = `fleetpack agent --platform URL --token-file F --root root.json --data DIR --health-check CMD
                [--health-timeout 60s] [--run CMD] [--facts FILE] [--interval 30s] [--once] [--json]
       fleetpack agent tuf --metadata-dir DIR [--metadata-url URL] init ROOT | refresh | download --target-name T --target-base-url URL --target-dir DIR

  --platform       the platform URL (the device talks only to its facade, /device/v1/)
  --token-file     file holding this device's token (fleetpack platform device add ID)
  --root           the provisioned TUF root (1.root.json from fleetpack platform init)
  --data           the agent's folder: tuf/, store/, slots/, current -> slots/…, state.json
  --health-check   shell command run after each switch; exit 0 = healthy (FLEETPACK_MODEL_DIR is set)
  --health-timeout how long it may take (default 60s); then its process group is killed: unhealthy
  --run            the runtime command, restarted after each switch
  --facts          this device's facts: {"profile": "...", "facts": {...}} (inventory fact names)
  --interval       how often to ask for the assignment (default 30s)
  --once           recover, run one cycle, exit (0 up to date, installed or declined; 1 refused, rolled
                   back, or offline: the platform was not reached or a download was cut, nothing decided)`;

/** `500ms`, `30s`, `2m`, `1h` → milliseconds. */
export function parseDuration(spec: string, what: string): number {
  const m = /^(\d{1,9})(ms|s|m|h)?$/.exec(spec.trim());
  if (!m) throw new UsageError('BAD_ARGUMENTS', `${what} "${spec}" is not a duration`, { hint: 'e.g. 500ms, 30s, 2m' });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

const STEPS = new Set<UpdateStep>(['download', 'unpack', 'swap', 'health', 'commit']);
/** `--once` outcomes that are not a pass: refused, rolled back, or nothing decided (offline). */
const FAILED = new Set<CycleResult['outcome']>(['refused', 'rolled-back', 'offline']);

export const agentCommand: Command = {
  name: 'agent',
  usage,
  async run(argv, io) {
    if (argv[0] === 'tuf') return tufConformanceCli(argv.slice(1), io);
    const { values, positionals } = parseCommandArgs(
      'agent',
      argv,
      {
        platform: { type: 'string' },
        'token-file': { type: 'string' },
        root: { type: 'string' },
        data: { type: 'string' },
        'health-check': { type: 'string' },
        'health-timeout': { type: 'string' },
        run: { type: 'string' },
        facts: { type: 'string' },
        interval: { type: 'string' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      usage,
    );
    if (positionals.length) throw new UsageError('BAD_ARGUMENTS', 'agent: unexpected arguments', { hint: usage });
    for (const k of ['platform', 'token-file', 'root', 'data', 'health-check'] as const)
      if (!values[k]) throw new UsageError('BAD_ARGUMENTS', `agent: --${k} is required`, { hint: usage });
    const tokenPath = resolve(io.cwd, values['token-file']!);
    let token: string;
    try {
      token = readFileSync(tokenPath, 'utf8').trim();
    } catch (e) {
      throw new UsageError('FILE_NOT_FOUND', `Cannot read the token file (${errnoOf(e) ?? messageOf(e)})`, {
        where: tokenPath,
      });
    }
    if (!token) throw new UsageError('BAD_ARGUMENTS', 'agent: the token file is empty', { where: tokenPath });
    // Fault injection for tests: FLEETPACK_AGENT_FAULT=kill-at=STEP kills the agent at that step of an update.
    const fault = /kill-at=([a-z]+)/.exec(io.env.FLEETPACK_AGENT_FAULT ?? '')?.[1] as UpdateStep | undefined;
    const json = values.json === true;
    const log = (line: string) =>
      io.stderr(json ? `${JSON.stringify({ at: new Date().toISOString(), msg: line })}\n` : `agent: ${line}\n`);
    const agent = new Agent({
      platform: values.platform!,
      token,
      root: resolve(io.cwd, values.root!),
      dataDir: resolve(io.cwd, values.data!),
      healthCheck: values['health-check']!,
      healthTimeoutMs: parseDuration(values['health-timeout'] ?? '60s', '--health-timeout'),
      ...(values.run ? { run: values.run } : {}),
      ...(values.facts ? { factsFile: resolve(io.cwd, values.facts) } : {}),
      intervalMs: parseDuration(values.interval ?? '30s', '--interval'),
      log,
      ...(fault && STEPS.has(fault)
        ? {
            onStep: (s: UpdateStep) => {
              if (s !== fault) return;
              log(`fault: killed at ${s}`);
              process.kill(process.pid, 'SIGKILL');
            },
          }
        : {}),
    });
    if (values.once) {
      await agent.recover();
      const r = await agent.cycle();
      await agent.flush();
      await agent.stopRuntime();
      if (json)
        printJson(io, {
          ok: !FAILED.has(r.outcome),
          ...r,
          current: agent.current ?? null,
        });
      else io.stdout(`${r.outcome}${r.detail ? `: ${r.detail}` : ''}\n`);
      return FAILED.has(r.outcome) ? EXIT_INVALID : EXIT_OK;
    }
    const stop = new AbortController();
    io.signal?.addEventListener('abort', () => stop.abort(), { once: true });
    process.once('SIGTERM', () => stop.abort());
    log(`started; platform ${values.platform}, data ${resolve(io.cwd, values.data!)}`);
    await agent.runForever(stop.signal);
    return EXIT_OK;
  },
};
