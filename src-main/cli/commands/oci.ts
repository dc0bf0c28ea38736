/** `fleetpack push`, `pull`, `resolve`: thin adapters over oci/. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import {
  copyArtifact,
  defaultCredentials,
  PackageInvalidError,
  pullPackage,
  pushPackage,
  resolveReference,
  type PushResult,
  type TransferProgress,
} from '../../oci/index.js';
import { type CliIO, type Command, EXIT_INVALID, EXIT_OK, formatBytes, parseCommandArgs, printJson } from '../io.js';
import { countLine, renderFindings } from './manifest-report.js';

const transportOptions = {
  'plain-http': { type: 'boolean' },
  insecure: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Transport and credentials (keychain, then the Docker config of this environment). */
function transport(values: { 'plain-http'?: boolean; insecure?: boolean }, io: CliIO) {
  return {
    ...(values['plain-http'] ? { plainHttp: true } : {}),
    ...(values.insecure ? { insecure: true } : {}),
    credentials: defaultCredentials({ env: io.env }),
  };
}

/** Human progress: one line per blob as it finishes (stderr, so stdout stays the result). */
function blobLines(io: CliIO, json: boolean): ((p: TransferProgress) => void) | undefined {
  if (json) return undefined;
  return (p) => {
    if (p.current?.result && p.phase === 'transferring') {
      const name = p.current.path ?? p.current.digest.slice(0, 19);
      io.stderr(`  ${p.current.result.padEnd(10)} ${name}  ${formatBytes(p.current.size)}\n`);
    }
  };
}

function printPushed(io: CliIO, r: PushResult): void {
  for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
  const skipped = r.layers.filter((l) => l.result !== 'uploaded').length;
  io.stdout(
    [
      r.reference,
      ...r.layers.map(
        (l) => `  ${l.digest.slice(0, 19)}  ${formatBytes(l.size).padStart(8)}  ${l.path ?? l.mediaType}`,
      ),
      `  ${r.layers.length} layer(s), ${formatBytes(r.uploadedBytes)} uploaded${skipped ? `, ${skipped} already there` : ''}`,
      ...r.referrers.map((x) => `  referrer ${x.artifactType ?? ''} ${x.digest} (${x.via})`),
    ].join('\n') + '\n',
  );
}

const pushUsage =
  'fleetpack push DIR|oci:PATH[:TAG]|HOST/REPO:TAG REF [--mount-from REPO]... [--plain-http] [--insecure] [--json]\n' +
  '       REF is HOST[:PORT]/REPO[:TAG] or oci:PATH[:TAG]; the tag defaults to the package version';

export const pushCommand: Command = {
  name: 'push',
  usage: pushUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'push',
      argv,
      { ...transportOptions, 'mount-from': { type: 'string', multiple: true } },
      pushUsage,
    );
    if (positionals.length !== 2)
      throw new UsageError('BAD_ARGUMENTS', 'push: expected SOURCE and REF', { hint: pushUsage });
    const [source, target] = positionals as [string, string];
    const json = values.json === true;
    const opts = {
      ...transport(values, io),
      cwd: io.cwd,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(values['mount-from'] ? { mountFrom: values['mount-from'] } : {}),
      ...(json ? {} : { onProgress: blobLines(io, json)! }),
    };
    const isDir = await stat(resolve(io.cwd, source)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    let r: PushResult;
    try {
      r =
        isDir && !source.startsWith('oci:')
          ? await pushPackage(resolve(io.cwd, source), target, opts)
          : await copyArtifact(source, target, opts);
    } catch (e) {
      if (!(e instanceof PackageInvalidError)) throw e;
      if (json) printJson(io, { ok: false, error: e.toJSON(), ...e.report });
      else
        io.stdout(
          [`${e.message} (${countLine(e.report)})`, ...renderFindings(e.report), `  hint: ${e.hint}`].join('\n') + '\n',
        );
      return EXIT_INVALID;
    }
    if (json) printJson(io, { ok: true, ...r });
    else printPushed(io, r);
    return EXIT_OK;
  },
};

const pullUsage = 'fleetpack pull REF DIR [--force] [--plain-http] [--insecure] [--json]';

export const pullCommand: Command = {
  name: 'pull',
  usage: pullUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'pull',
      argv,
      { ...transportOptions, force: { type: 'boolean' } },
      pullUsage,
    );
    if (positionals.length !== 2)
      throw new UsageError('BAD_ARGUMENTS', 'pull: expected REF and DIR', { hint: pullUsage });
    const json = values.json === true;
    const r = await pullPackage(positionals[0]!, resolve(io.cwd, positionals[1]!), {
      ...transport(values, io),
      cwd: io.cwd,
      ...(values.force ? { force: true } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      ...(json ? {} : { onProgress: blobLines(io, json)! }),
    });
    if (json) printJson(io, { ok: true, ...r });
    else {
      for (const n of r.notes) io.stderr(`note: ${n}\n`);
      const total = r.files.reduce((s, f) => s + f.size, 0);
      io.stdout(
        `${r.reference}\n  → ${r.dir} (${r.files.length} file(s), ${formatBytes(total)}, every digest verified)\n`,
      );
    }
    return EXIT_OK;
  },
};

const resolveUsage = 'fleetpack resolve REF [--plain-http] [--insecure] [--json]';

export const resolveCommand: Command = {
  name: 'resolve',
  usage: resolveUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('resolve', argv, transportOptions, resolveUsage);
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'resolve: expected exactly one REF', { hint: resolveUsage });
    const r = await resolveReference(positionals[0]!, {
      ...transport(values, io),
      cwd: io.cwd,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (values.json) {
      printJson(io, { ok: true, ...r });
      return EXIT_OK;
    }
    const lines = [r.reference];
    const s = r.summary;
    if (s) {
      lines.push(
        `  ${s.kind === 'fleetpack' ? 'Fleetpack package' : 'ModelPack model (no fleetpack.json)'}: ${s.name ?? '?'} ${s.version ?? ''}`.trimEnd(),
        ...(s.framework ? [`  framework  ${s.framework}`] : []),
        ...(s.profiles.length ? [`  targets    ${s.profiles.join(', ')}`] : []),
        ...(s.channel ? [`  channel    ${s.channel}`] : []),
        `  signature  ${s.hasSignature ? `present (${s.signatureDigest!.slice(0, 19)}…; verify after pull)` : 'none (unsigned)'}`,
        `  SBOM       ${s.sbomDigest ? `present (${s.sbomDigest.slice(0, 19)}…)` : 'none'}`,
        `  size       ${formatBytes(s.totalSize)} in ${s.layers.length} layer(s)`,
        ...s.layers.map(
          (l) => `    ${l.digest.slice(0, 19)}  ${formatBytes(l.size).padStart(8)}  ${l.path ?? l.mediaType}`,
        ),
      );
    } else if (r.manifests) {
      lines.push(
        `  image index with ${r.manifests.length} manifest(s)`,
        ...r.manifests.map((m) => `    ${m.digest}  ${m.artifactType ?? m.mediaType}`),
      );
    }
    io.stdout(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};
