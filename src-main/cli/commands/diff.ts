import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { diffManifests, type Effect, type ManifestDiff, loadManifest } from '../../manifest/index.js';

import { type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';

const usage =
  'fleetpack diff A B [--fail-on breaking,tightened,regressed] [--json]   (A, B: package folders or manifests)';

const EFFECTS: Effect[] = ['breaking', 'tightened', 'loosened', 'regressed', 'improved', 'changed'];
const HEADINGS: Record<Effect, string> = {
  breaking: 'Breaking (consumers must change)',
  tightened: 'Requirements tightened (fewer devices qualify)',
  loosened: 'Requirements loosened (more devices qualify)',
  regressed: 'Regressed',
  improved: 'Improved',
  changed: 'Other changes',
};

/** The diff for reviewers: grouped by what it means, most serious first. */
export function renderDiff(d: ManifestDiff): string {
  const name = d.from.name === d.to.name ? d.to.name : `${d.from.name} → ${d.to.name}`;
  const lines = [
    `${name} ${d.from.version} → ${d.to.version} (${d.versionBump === 'none' ? 'same version' : `${d.versionBump} bump`})`,
  ];
  if (!d.changes.length) return lines.concat('No changes.').join('\n') + '\n';
  const counts = EFFECTS.filter((e) => d.summary[e]).map((e) => `${d.summary[e]} ${e}`);
  lines.push(`${d.changes.length} change(s): ${counts.join(', ')}`);
  for (const e of EFFECTS) {
    const list = d.changes.filter((c) => c.effect === e && !(c.section === 'identity' && c.code === 'VERSION_CHANGED'));
    if (!list.length) continue;
    lines.push('', HEADINGS[e]);
    for (const c of list) lines.push(`  ${c.section.padEnd(12)} ${c.message}`);
  }
  if (d.notes.length) lines.push('', 'Notes', ...d.notes.map((n) => `  ! ${n}`));
  return lines.join('\n') + '\n';
}

export const diffCommand: Command = {
  name: 'diff',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'diff',
      argv,
      { 'fail-on': { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 2)
      throw new UsageError('BAD_ARGUMENTS', 'diff: expected two packages or manifests, A and B', { hint: usage });
    const failOn = (values['fail-on'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const f of failOn) {
      if (!(EFFECTS as string[]).includes(f))
        throw new UsageError('BAD_ARGUMENTS', `diff: --fail-on ${f} is not one of ${EFFECTS.join(', ')}`, {
          hint: usage,
        });
    }
    const [a, b] = await Promise.all(positionals.map((p) => loadManifest(resolve(io.cwd, p))));
    const d = diffManifests(a!.manifest, b!.manifest);
    const failed = d.changes.some((c) => failOn.includes(c.effect));
    if (values.json) printJson(io, { ok: !failed, a: a!.path, b: b!.path, ...d });
    else io.stdout(renderDiff(d));
    return failed ? EXIT_INVALID : EXIT_OK;
  },
};
