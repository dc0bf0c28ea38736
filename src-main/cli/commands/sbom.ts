import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import {
  attachSbom,
  complianceReport,
  generateSbom,
  validateSbomFile,
  type NtiaReport,
  type SbomIssue,
  type SbomValidation,
} from '../../sbom/index.js';
import { type CliIO, type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';

const usage = [
  'fleetpack sbom validate FILE [--json]        validate an SBOM (CycloneDX JSON/XML, SPDX 2 JSON/tag-value, SPDX 3 JSON-LD)',
  '       fleetpack sbom generate DIR [--out FILE] [--json]   write a CycloneDX 1.6 ML-BOM from the package manifest',
  '       fleetpack sbom attach DIR FILE [--json]     validate FILE and store it in the package (manifest.sbom)',
  '       fleetpack sbom report DIR... [--json]       SBOM coverage and NTIA compliance of a set of packages',
].join('\n');

/** Issues shown in text output; --json has them all. */
const SHOW = 50;

export const sbomCommand: Command = {
  name: 'sbom',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'validate':
        return validateCmd(rest, io);
      case 'generate':
        return generateCmd(rest, io);
      case 'attach':
        return attachCmd(rest, io);
      case 'report':
        return reportCmd(rest, io);
      default:
        throw new UsageError(
          'BAD_ARGUMENTS',
          sub ? `sbom: unknown subcommand "${sub}"` : 'sbom: a subcommand is needed',
          { hint: usage },
        );
    }
  },
};

async function validateCmd(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('sbom validate', argv, { json: { type: 'boolean' } }, usage);
  if (positionals.length !== 1)
    throw new UsageError('BAD_ARGUMENTS', 'sbom validate: expected exactly one FILE', { hint: usage });
  const file = resolve(io.cwd, positionals[0]!);
  const r = await validateSbomFile(file, io.signal ? { signal: io.signal } : {});
  if (values.json) {
    const { parsed: _parsed, ...rest } = r;
    printJson(io, { ok: r.valid, file, ...rest });
  } else {
    io.stdout(renderValidation(positionals[0]!, r));
  }
  return r.valid ? EXIT_OK : EXIT_INVALID;
}

async function generateCmd(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'sbom generate',
    argv,
    { out: { type: 'string' }, json: { type: 'boolean' } },
    usage,
  );
  if (positionals.length !== 1)
    throw new UsageError('BAD_ARGUMENTS', 'sbom generate: expected exactly one package DIR', { hint: usage });
  const dir = resolve(io.cwd, positionals[0]!);
  const out = values.out === undefined ? undefined : resolve(io.cwd, values.out);
  const g = await generateSbom(dir, {
    ...(out === undefined ? {} : { out }),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (values.json)
    printJson(io, {
      ok: g.validation.valid,
      file: g.file ?? null,
      kind: g.validation.kind,
      issues: g.validation.issues,
      ntia: g.validation.ntia,
      ...(g.file ? {} : { sbom: g.bom }),
    });
  else if (g.file)
    io.stdout(
      `Wrote ${g.file}: CycloneDX 1.6 ML-BOM, ${g.validation.valid ? 'valid' : 'INVALID'}, NTIA ${pct(g.validation.ntia.score)}\n${gapLines(g.validation.ntia)}`,
    );
  else io.stdout(g.text);
  return g.validation.valid ? EXIT_OK : EXIT_INVALID;
}

async function attachCmd(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('sbom attach', argv, { json: { type: 'boolean' } }, usage);
  if (positionals.length !== 2)
    throw new UsageError('BAD_ARGUMENTS', 'sbom attach: expected a package DIR and an SBOM FILE', { hint: usage });
  const r = await attachSbom(
    resolve(io.cwd, positionals[0]!),
    resolve(io.cwd, positionals[1]!),
    io.signal ? { signal: io.signal } : {},
  );
  if (values.json) {
    printJson(io, { ok: r.attached, ...r, validation: { ...r.validation } });
    return r.attached ? EXIT_OK : EXIT_INVALID;
  }
  if (!r.attached) {
    io.stderr(
      `Refused: ${positionals[1]} is not a valid SBOM; the package was not changed.\n${renderValidation(positionals[1]!, r.validation)}`,
    );
    return EXIT_INVALID;
  }
  const lines = [
    `Attached ${r.sbom!.file} (${r.sbom!.format} ${r.sbom!.specVersion}, sha256 ${r.sbom!.sha256.slice(0, 12)}…) to ${positionals[0]}`,
  ];
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  io.stdout(lines.join('\n') + '\n');
  return EXIT_OK;
}

async function reportCmd(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs('sbom report', argv, { json: { type: 'boolean' } }, usage);
  if (positionals.length === 0)
    throw new UsageError('BAD_ARGUMENTS', 'sbom report: expected one or more package folders', { hint: usage });
  const r = await complianceReport(
    positionals.map((p) => resolve(io.cwd, p)),
    io.signal ? { signal: io.signal } : {},
  );
  if (values.json) {
    printJson(io, { ok: true, ...r });
    return EXIT_OK;
  }
  const lines = [
    `SBOM coverage:   ${r.counted}/${r.total} packages (${pct(r.coverage)})`,
    `NTIA compliance: ${r.compliant}/${r.total} packages (${pct(r.compliance)})`,
    '',
  ];
  for (const p of r.packages) {
    const mark = p.compliant ? 'compliant' : p.counted ? 'counted, not NTIA-complete' : 'not counted';
    lines.push(`${p.name ?? p.dir}: ${mark}`);
    for (const reason of p.reasons) lines.push(`  - ${reason}`);
  }
  io.stdout(lines.join('\n') + '\n');
  return EXIT_OK;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function gapLines(n: NtiaReport): string {
  return n.gaps
    .slice(0, SHOW)
    .map((g) => `  NTIA gap: ${g.component}${g.pointer ? ` (${g.pointer})` : ''} lacks ${g.missing.join(', ')}\n`)
    .join('');
}

export function renderValidation(name: string, r: SbomValidation): string {
  const errors = r.issues.filter((i) => i.severity === 'error').length;
  const warnings = r.issues.filter((i) => i.severity === 'warning').length;
  const fmt = r.kind.format === 'cyclonedx' ? 'CycloneDX' : 'SPDX';
  const lines = [
    `${name}: ${fmt} ${r.kind.specVersion} (${r.kind.encoding}) — ${r.valid ? 'valid' : 'INVALID'}`,
    `  schema: ${r.schema}`,
    `  ${errors} error(s), ${warnings} warning(s)${r.truncated ? `, ${r.truncated} more issue(s) not kept` : ''}${r.stoppedAtCap ? ' (checking stopped at the issue cap: there may be more)' : ''}`,
    `  NTIA minimum elements: ${pct(r.ntia.score)} of ${r.ntia.components} component(s) — ${r.ntia.meetsMinimum ? 'met' : 'not met'}`,
  ];
  const shown: SbomIssue[] = r.issues.slice(0, SHOW);
  for (const i of shown)
    // XML issues carry their line and column in the message; JSON ones a pointer
    lines.push(`  ${i.severity.padEnd(7)} ${i.code}${i.line ? '' : ` ${i.pointer || '/'}`}: ${i.message}`);
  if (r.issues.length > SHOW) lines.push(`  … ${r.issues.length - SHOW} more (use --json for all)`);
  return lines.join('\n') + '\n' + gapLines(r.ntia);
}
