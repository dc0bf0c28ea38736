/**
 * The publisher's side of the platform: `fleetpack login`, `publish`, `channel set`, `promote`,
 * `releases`, `coverage`. The platform URL comes from --platform or FLEETPACK_PLATFORM; the token
 * from FLEETPACK_TOKEN or the OS keychain (stored by `login`), never from the command line.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import {
  type CoverageGroup,
  platformKeychain,
  PlatformClient,
  PublishError,
  type Release,
} from '../../platform/index.js';
import { type CliIO, type Command, EXIT_INVALID, EXIT_OK, formatBytes, parseCommandArgs, printJson } from '../io.js';

const loginAccount = (origin: string) => `login:${origin}`;

export function platformUrl(io: CliIO, flag: string | undefined, usage: string): string {
  const url = flag ?? io.env.FLEETPACK_PLATFORM;
  if (!url)
    throw new UsageError('BAD_ARGUMENTS', 'No platform: pass --platform URL (or set FLEETPACK_PLATFORM)', {
      hint: usage,
    });
  return url;
}

export async function client(io: CliIO, url: string): Promise<PlatformClient> {
  const origin = new PlatformClient(url, undefined).base;
  const token =
    io.env.FLEETPACK_TOKEN ?? (await platformKeychain().get(loginAccount(origin), `login for ${origin}`)) ?? undefined;
  if (!token) {
    throw new UsageError('NOT_LOGGED_IN', `No token for ${origin}`, {
      hint: `Run \`fleetpack login ${origin}\` (the token is kept in the OS keychain), or set FLEETPACK_TOKEN.`,
    });
  }
  return new PlatformClient(url, token);
}

async function readStdin(io: CliIO): Promise<string> {
  if (!io.readStdin)
    throw new UsageError('BAD_ARGUMENTS', 'login: no standard input to read the token from', { hint: loginUsage });
  return (await io.readStdin(4096)).trim();
}

const loginUsage: string =
  'fleetpack login URL [--token-env VAR] [--json]   (the token is read from VAR or standard input)';

export const loginCommand: Command = {
  name: 'login',
  usage: loginUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'login',
      argv,
      { 'token-env': { type: 'string' }, json: { type: 'boolean' } },
      loginUsage,
    );
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'login: expected the platform URL', { hint: loginUsage });
    const token = values['token-env'] ? io.env[values['token-env']] : await readStdin(io);
    if (!token) throw new UsageError('BAD_ARGUMENTS', 'login: no token given', { hint: loginUsage });
    const c = new PlatformClient(positionals[0]!, token);
    const who = await c.login();
    await platformKeychain().set(loginAccount(c.base), token, `login for ${c.base}`);
    if (values.json) printJson(io, { ok: true, platform: c.base, name: who.name, role: who.role });
    else io.stdout(`signed in to ${c.base} as ${who.name} (${who.role}); the token is in the OS keychain\n`);
    return EXIT_OK;
  },
};

function printProblems(io: CliIO, e: PublishError): void {
  io.stderr(`error: ${e.message}\n`);
  for (const p of e.problems) {
    io.stderr(`  [${p.step}] ${p.file ?? ''}${p.pointer ? ` ${p.pointer}` : ''}: ${p.code} ${p.message}\n`);
    if (p.hint) io.stderr(`      hint: ${p.hint}\n`);
  }
  if (e.hint) io.stderr(`  hint: ${e.hint}\n`);
}

function describeRelease(r: Release): string {
  const sig = r.signature.status === 'verified' ? `signed ${r.signature.keyId?.slice(0, 12)}…` : r.signature.status;
  const sbom = r.sbom.counted
    ? r.sbom.compliant
      ? 'SBOM counted, NTIA ok'
      : 'SBOM counted, NTIA gaps'
    : `SBOM not counted (${r.sbom.reasons[0] ?? '?'})`;
  return `${r.name}@${r.version}  #${r.releaseCounter}  ${r.manifestDigest.slice(0, 19)}…  ${sig}  ${sbom}  [${r.channels.join(', ') || 'no channel'}]${r.oci ? `  ${r.oci.repository}@${r.oci.digest.slice(0, 19)}…` : ''}`;
}

const publishUsage = [
  'fleetpack publish DIR --platform URL [--channel C] [--json]',
  '       fleetpack publish --from HOST/REPO[:TAG][@DIGEST] --platform URL [--channel C] [--json]',
].join('\n');

export const publishCommand: Command = {
  name: 'publish',
  usage: publishUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'publish',
      argv,
      {
        platform: { type: 'string' },
        channel: { type: 'string' },
        from: { type: 'string' },
        json: { type: 'boolean' },
      },
      publishUsage,
    );
    if (values.from ? positionals.length !== 0 : positionals.length !== 1) {
      throw new UsageError('BAD_ARGUMENTS', 'publish: give a package DIR or --from REF (not both)', {
        hint: publishUsage,
      });
    }
    const c = await client(io, platformUrl(io, values.platform, publishUsage));
    let lastPrint = 0;
    try {
      const res = values.from
        ? await c.publishFrom(values.from, values.channel)
        : await c.publishDir(resolve(io.cwd, positionals[0]!), {
            ...(values.channel ? { channel: values.channel } : {}),
            ...(io.signal ? { signal: io.signal } : {}),
            onProgress: (p) => {
              if (values.json) return;
              const now = Date.now();
              if (now - lastPrint < 1000 && p.bytesDone < p.bytesTotal) return;
              lastPrint = now;
              io.stderr(
                `  ${p.skipped ? 'already there' : 'uploaded'} ${p.file}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}\n`,
              );
            },
          });
      if (values.json) printJson(io, { ok: true, ...res });
      else {
        const r = res.release;
        io.stdout(
          [
            `${res.existed ? 'already published' : 'published'} ${describeRelease(r)}`,
            `  TUF: timestamp v${res.tuf.timestampVersion}, snapshot v${res.tuf.snapshotVersion}; targets:`,
            ...r.files.map((f) => `    ${f.target}  ${formatBytes(f.size)}  ${f.digest.slice(0, 19)}…`),
            '',
          ].join('\n'),
        );
      }
      return EXIT_OK;
    } catch (e) {
      if (!(e instanceof PublishError)) throw e;
      if (values.json) printJson(io, { ok: false, error: e.toJSON() });
      else printProblems(io, e);
      return EXIT_INVALID;
    }
  },
};

const channelUsage = 'fleetpack channel set NAME VERSION CHANNEL --platform URL [--json]';

export const channelCommand: Command = {
  name: 'channel',
  usage: channelUsage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(
      'channel',
      rest,
      { platform: { type: 'string' }, json: { type: 'boolean' } },
      channelUsage,
    );
    if (sub !== 'set' || positionals.length !== 3)
      throw new UsageError('BAD_ARGUMENTS', 'channel: expected set NAME VERSION CHANNEL', { hint: channelUsage });
    const [name, version, channel] = positionals as [string, string, string];
    const change = await (
      await client(io, platformUrl(io, values.platform, channelUsage))
    ).setChannel(name, version, channel);
    if (values.json) printJson(io, { ok: true, ...change });
    else
      io.stdout(
        change.changed
          ? `${name} ${channel}: ${change.from ?? '(none)'} → ${change.version}\n`
          : `${name} ${channel} already points at ${change.version}\n`,
      );
    return EXIT_OK;
  },
};

const promoteUsage = 'fleetpack promote NAME --from CHANNEL --to CHANNEL --platform URL [--json]';

export const promoteCommand: Command = {
  name: 'promote',
  usage: promoteUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'promote',
      argv,
      { from: { type: 'string' }, to: { type: 'string' }, platform: { type: 'string' }, json: { type: 'boolean' } },
      promoteUsage,
    );
    if (positionals.length !== 1 || !values.from || !values.to)
      throw new UsageError('BAD_ARGUMENTS', 'promote: expected NAME --from C --to C', { hint: promoteUsage });
    const change = await (
      await client(io, platformUrl(io, values.platform, promoteUsage))
    ).promote(positionals[0]!, values.from, values.to);
    if (values.json) printJson(io, { ok: true, ...change });
    else
      io.stdout(
        change.changed
          ? `${change.model} ${change.channel}: ${change.from ?? '(none)'} → ${change.version} (from ${values.from})\n`
          : `${change.model} ${change.channel} already points at ${change.version}\n`,
      );
    return EXIT_OK;
  },
};

const releasesUsage = 'fleetpack releases [NAME] [--channel C] --platform URL [--json]';

export const releasesCommand: Command = {
  name: 'releases',
  usage: releasesUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'releases',
      argv,
      { channel: { type: 'string' }, platform: { type: 'string' }, json: { type: 'boolean' } },
      releasesUsage,
    );
    if (positionals.length > 1)
      throw new UsageError('BAD_ARGUMENTS', 'releases: at most one NAME', { hint: releasesUsage });
    const list = await (
      await client(io, platformUrl(io, values.platform, releasesUsage))
    ).releases({
      ...(positionals[0] ? { name: positionals[0] } : {}),
      ...(values.channel ? { channel: values.channel } : {}),
    });
    if (values.json) printJson(io, { ok: true, releases: list });
    else io.stdout(list.length ? list.map((r) => describeRelease(r) + '\n').join('') : 'no releases\n');
    return EXIT_OK;
  },
};

function pct(v: number | null): string {
  return v === null ? 'cannot tell (no releases)' : `${(v * 100).toFixed(1)} %`;
}

function groupLine(label: string, g: CoverageGroup): string {
  return `${label}: coverage ${pct(g.coverage)}, NTIA compliance ${pct(g.compliance)} (${g.counted}/${g.total} counted, ${g.compliant} compliant)`;
}

const coverageUsage = 'fleetpack coverage --platform URL [--channel C] [--json]';

export const coverageCommand: Command = {
  name: 'coverage',
  usage: coverageUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'coverage',
      argv,
      { channel: { type: 'string' }, platform: { type: 'string' }, json: { type: 'boolean' } },
      coverageUsage,
    );
    if (positionals.length)
      throw new UsageError('BAD_ARGUMENTS', 'coverage: no arguments expected', { hint: coverageUsage });
    const r = await (await client(io, platformUrl(io, values.platform, coverageUsage))).coverage(values.channel);
    if (values.json) {
      printJson(io, { ok: true, ...r });
      return EXIT_OK;
    }
    const lines = [groupLine(values.channel ? `channel ${values.channel}` : 'overall', r.overall)];
    for (const [c, g] of Object.entries(r.byChannel)) if (!values.channel) lines.push(groupLine(`  channel ${c}`, g));
    for (const [m, g] of Object.entries(r.byModel)) {
      lines.push(groupLine(`  model ${m}`, g));
      for (const e of g.releases.filter((x) => !x.counted || !x.compliant))
        lines.push(`    ${e.name}@${e.version}: ${e.reasons.join('; ')}`);
    }
    lines.push(`definition: ${r.definition}`, '');
    io.stdout(lines.join('\n'));
    return EXIT_OK;
  },
};
