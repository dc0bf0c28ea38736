/**
 * `fleetpack devices` and `fleetpack rollout`: the fleet on the platform. Devices are listed or
 * imported from an inventory file (the format of `fleetpack compat --fleet`); a rollout runs the
 * compatibility preview before anything ships and declines every device that does not fit.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { parsePercent, type RolloutStatus } from '../../platform/index.js';
import { type CliIO, type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';
import { client, platformUrl } from './publish.js';

const devicesUsage = `fleetpack devices [--channel C] [--profile P] [--label L] [--limit N] --platform URL [--json]
       fleetpack devices import INVENTORY [--format csv|json|ndjson] --platform URL [--json]
  The inventory has the columns / fact names of \`fleetpack compat --fleet\` (README). Imported devices
  have no token; register one that runs the agent with \`fleetpack platform device add ID\`.`;

export const devicesCommand: Command = {
  name: 'devices',
  usage: devicesUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'devices',
      argv,
      {
        platform: { type: 'string' },
        channel: { type: 'string' },
        profile: { type: 'string' },
        label: { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string' },
        json: { type: 'boolean' },
      },
      devicesUsage,
    );
    const c = await client(io, platformUrl(io, values.platform, devicesUsage));
    if (positionals[0] === 'import') {
      if (positionals.length !== 2)
        throw new UsageError('BAD_ARGUMENTS', 'devices import: expected one INVENTORY file', { hint: devicesUsage });
      if (values.format !== undefined && !['csv', 'json', 'ndjson'].includes(values.format))
        throw new UsageError('BAD_ARGUMENTS', `devices import: --format must be csv, json or ndjson`, {
          hint: devicesUsage,
        });
      const r = await c.importDevices(resolve(io.cwd, positionals[1]!), values.format);
      if (values.json) printJson(io, { ok: true, ...r });
      else {
        io.stdout(
          `imported ${r.imported} devices${r.skippedRows ? `; ${r.skippedRows} rows skipped (no id or repeated id)` : ''}${r.unreadableDevices ? `; ${r.unreadableDevices} with facts that cannot be read (cannot tell)` : ''}\n`,
        );
        for (const e of r.errors.slice(0, 20)) io.stderr(`  line ${e.line}: ${e.message}\n`);
      }
      return EXIT_OK;
    }
    if (positionals.length)
      throw new UsageError('BAD_ARGUMENTS', `devices: unknown subcommand "${positionals[0]}"`, { hint: devicesUsage });
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000))
      throw new UsageError('BAD_ARGUMENTS', 'devices: --limit must be 1 to 10000', { hint: devicesUsage });
    const r = await c.devices({
      ...(values.channel ? { channel: values.channel } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(values.label ? { label: values.label } : {}),
      ...(limit ? { limit } : {}),
    });
    if (values.json) printJson(io, { ok: true, ...r });
    else {
      const lines = r.devices.map((d) => {
        const inst = Object.entries(d.installed)
          .map(([m, x]) => `${m}@${x.version}`)
          .join(', ');
        return `${d.id.padEnd(24)} ${(d.channel ?? '-').padEnd(8)} ${(d.profile ?? '-').padEnd(36)} ${d.hasToken ? 'agent' : d.source.padEnd(5)}  ${inst || '-'}${d.lastSeenAt ? `  seen ${d.lastSeenAt}` : ''}`;
      });
      io.stdout(
        `${lines.join('\n')}${lines.length ? '\n' : ''}${r.total} device(s)${r.total > r.devices.length ? `, ${r.devices.length} shown` : ''}\n`,
      );
    }
    return EXIT_OK;
  },
};

const rolloutUsage = `fleetpack rollout create NAME@VERSION --channel C [--devices SELECTOR] [--allow-warnings]
                          [--phases 1%,10%,100%] [--max-failures 5%] [--advance-at 95%] --platform URL [--json]
       fleetpack rollout status ID [--limit N] --platform URL [--json]
       fleetpack rollout list [NAME] --platform URL [--json]
       fleetpack rollout pause|resume|abort ID --platform URL [--json]
  SELECTOR: id=A|B, label=L, profile=P, joined by "," (all must match).
  Before anything ships the platform runs the compatibility preview over the devices in scope and
  declines each device that does not fit (or where a check cannot tell, unless --allow-warnings).
  Exit (create): 0 created with some device to ship to, 1 every device in scope declined.`;

function percent(spec: string, what: string): number {
  const n = parsePercent(spec);
  if (n === undefined)
    throw new UsageError('BAD_ARGUMENTS', `${what} "${spec}" is not a percentage`, { hint: rolloutUsage });
  return n;
}

function render(io: CliIO, r: RolloutStatus): void {
  const out: string[] = [];
  out.push(
    `rollout ${r.id}: ${r.model}@${r.version} on channel ${r.channel}${r.selector ? ` (${r.selector})` : ''} — ${r.state.toUpperCase()}${r.stateReason ? ` (${r.stateReason})` : ''}`,
  );
  const counts = Object.entries(r.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `  devices: ${counts || 'none'}; halt above ${r.maxFailures}% failed, next phase at ${r.advanceAt}% healthy`,
  );
  for (const p of r.phases) {
    const c = Object.entries(p.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(
      `  phase ${p.index + 1} (${p.percent}%): ${p.devices} device(s)${p.started ? '' : ' — not started'}${c ? `: ${c}` : ''}`,
    );
  }
  if (r.report.byReason.length) {
    out.push('  compatibility:');
    for (const x of r.report.byReason)
      out.push(`    ${x.severity} ${x.code} — ${x.devices} device(s): ${x.message}\n      fix: ${x.fix}`);
  }
  out.push('  per device:');
  for (const d of r.devices) {
    const why =
      d.reason === undefined
        ? ''
        : Array.isArray(d.reason)
          ? ` — ${(d.reason as { code: string; message: string }[]).map((x) => `${x.code}: ${x.message}`).join('; ')}`
          : ` — ${typeof d.reason === 'string' ? d.reason : JSON.stringify(d.reason)}`;
    out.push(`    ${d.id.padEnd(24)} ${d.phase === null ? '-' : String(d.phase + 1)}  ${d.state}${why}`);
  }
  io.stdout(out.join('\n') + '\n');
}

export const rolloutCommand: Command = {
  name: 'rollout',
  usage: rolloutUsage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(
      'rollout',
      rest,
      {
        platform: { type: 'string' },
        channel: { type: 'string' },
        devices: { type: 'string' },
        'allow-warnings': { type: 'boolean' },
        phases: { type: 'string' },
        'max-failures': { type: 'string' },
        'advance-at': { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
      },
      rolloutUsage,
    );
    const c = await client(io, platformUrl(io, values.platform, rolloutUsage));
    const show = (r: RolloutStatus) => (values.json ? printJson(io, { ok: true, ...r }) : render(io, r));
    switch (sub) {
      case 'create': {
        const m = positionals.length === 1 ? /^(.+)@([^@]+)$/.exec(positionals[0]!) : null;
        if (!m) throw new UsageError('BAD_ARGUMENTS', 'rollout create: expected NAME@VERSION', { hint: rolloutUsage });
        if (!values.channel)
          throw new UsageError('BAD_ARGUMENTS', 'rollout create: --channel is required', { hint: rolloutUsage });
        const r = await c.createRollout({
          model: m[1]!,
          version: m[2]!,
          channel: values.channel,
          ...(values.devices ? { devices: values.devices } : {}),
          ...(values['allow-warnings'] ? { allowWarnings: true } : {}),
          ...(values.phases ? { phases: values.phases.split(',').map((p) => percent(p, '--phases')) } : {}),
          ...(values['max-failures'] ? { maxFailures: percent(values['max-failures'], '--max-failures') } : {}),
          ...(values['advance-at'] ? { advanceAt: percent(values['advance-at'], '--advance-at') } : {}),
        });
        const shipping = r.devices.some((d) => d.state !== 'declined') || r.phases.some((p) => p.devices > 0);
        if (values.json) printJson(io, { ...r, ok: shipping });
        else render(io, r);
        return shipping ? EXIT_OK : EXIT_INVALID;
      }
      case 'status': {
        if (positionals.length !== 1)
          throw new UsageError('BAD_ARGUMENTS', 'rollout status: expected ID', { hint: rolloutUsage });
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        show(await c.rollout(positionals[0]!, limit));
        return EXIT_OK;
      }
      case 'list': {
        const list = await c.rollouts(positionals[0]);
        if (values.json) printJson(io, { ok: true, rollouts: list });
        else
          io.stdout(
            list.map((r) => `${r.id}  ${r.model}@${r.version}  ${r.channel}  ${r.state}  ${r.createdAt}\n`).join('') ||
              'no rollouts\n',
          );
        return EXIT_OK;
      }
      case 'pause':
      case 'resume':
      case 'abort': {
        if (positionals.length !== 1)
          throw new UsageError('BAD_ARGUMENTS', `rollout ${sub}: expected ID`, { hint: rolloutUsage });
        show(await c.rolloutAction(positionals[0]!, sub));
        return EXIT_OK;
      }
      default:
        throw new UsageError('BAD_ARGUMENTS', `rollout: unknown subcommand "${sub ?? ''}"`, { hint: rolloutUsage });
    }
  },
};
