import { resolve } from 'node:path';
import { ManifestError, UsageError } from '../../errors.js';
import {
  MAX_LISTED_ROWS,
  channelsOf,
  defaultCatalog,
  importInventory,
  preview,
  type InventoryFormat,
  type PreviewResult,
} from '../../fleet/index.js';
import { validateDocument, readManifest } from '../../manifest/index.js';

import { type CliIO, type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';

const usage = `fleetpack compat DIR --fleet INVENTORY [--channel C] [--sample N] [--format csv|json|ndjson] [--json]
       fleetpack compat --list-profiles [--json]

  DIR          the package folder (with fleetpack.json) or a manifest file
  --fleet      device inventory: JSON, NDJSON or CSV (columns: see README "fleetpack compat")
  --channel    only devices on this release channel
  --sample     device ids listed per group (default 5)
Every row with an id is a device in scope; facts that cannot be read make it "cannot tell" (listed
by line and field). Only rows without an id are skipped, and counted.
Exit: 0 no device in scope declines, 1 some device would decline (or no device is in scope),
      2 usage or input error.`;

const FORMATS = new Set<InventoryFormat>(['csv', 'json', 'ndjson']);

export const compatCommand: Command = {
  name: 'compat',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'compat',
      argv,
      {
        fleet: { type: 'string' },
        channel: { type: 'string' },
        sample: { type: 'string' },
        format: { type: 'string' },
        'list-profiles': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      usage,
    );
    const catalog = defaultCatalog();
    if (values['list-profiles']) {
      const profiles = catalog.ids().map((id) => ({ id, name: catalog.resolve(id).name }));
      if (values.json) printJson(io, { ok: true, profiles });
      else io.stdout(profiles.map((p) => `${p.id.padEnd(48)} ${p.name}`).join('\n') + '\n');
      return EXIT_OK;
    }
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'compat: expected exactly one package DIR (or manifest file)', {
        hint: usage,
      });
    if (!values.fleet) throw new UsageError('BAD_ARGUMENTS', 'compat: --fleet INVENTORY is required', { hint: usage });
    const sample = values.sample === undefined ? 5 : Number(values.sample);
    if (!Number.isInteger(sample) || sample < 0 || sample > 1000)
      throw new UsageError(
        'BAD_ARGUMENTS',
        `compat: --sample must be a whole number from 0 to 1000, got "${values.sample}"`,
        { hint: usage },
      );
    const format = values.format as InventoryFormat | undefined;
    if (format !== undefined && !FORMATS.has(format))
      throw new UsageError('BAD_ARGUMENTS', `compat: --format must be csv, json or ndjson, got "${format}"`, {
        hint: usage,
      });

    const dir = resolve(io.cwd, positionals[0]!);
    const manifest = await readManifest(dir);
    const report = validateDocument(manifest);
    if (!report.valid) {
      const first = report.errors
        .slice(0, 3)
        .map((e) => `${e.pointer || '/'}: ${e.message}`)
        .join('; ');
      throw new ManifestError(
        'MANIFEST_INVALID',
        `The manifest is not valid (${report.errors.length} error(s)): ${first}`,
        {
          where: dir,
          hint: 'Run `fleetpack validate` on the package and fix the manifest first.',
        },
      );
    }
    const inventoryPath = resolve(io.cwd, values.fleet);
    const inventory = await importInventory(inventoryPath, catalog, {
      ...(format ? { format } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    const result = preview(manifest, inventory, {
      catalog,
      sample,
      ...(values.channel !== undefined ? { channel: values.channel } : {}),
    });
    if (result.scope.devices === 0) {
      const known =
        channelsOf(inventory)
          .map((c) => c.channel ?? '(none)')
          .join(', ') || 'none';
      io.stderr(
        `warning: no device in scope${values.channel !== undefined ? ` on channel "${values.channel}"` : ''}, so nothing was checked; the inventory's channels: ${known}\n`,
      );
    }
    if (values.json) printJson(io, result);
    else render(io, result, values.fleet);
    return result.ok ? EXIT_OK : EXIT_INVALID;
  },
};

const n = (x: number) => x.toLocaleString('en-US');

function render(io: CliIO, r: PreviewResult, fleet: string): void {
  const out: string[] = [];
  const built = r.model.buildProfiles.length ? `, built for ${r.model.buildProfiles.join(', ')}` : '';
  out.push(`${r.model.name} ${r.model.version} (${r.model.format}${built})`);
  const chan =
    r.scope.channel === null
      ? 'all channels'
      : `channel "${r.scope.channel}", ${n(r.scope.outOfScope)} other devices not checked`;
  const skipped = r.inventory?.skippedRows ?? r.inventoryErrors.length;
  const unreadable = r.inventory?.unreadableDevices ?? 0;
  const notes = [
    ...(skipped ? [`${n(skipped)} row${skipped === 1 ? '' : 's'} without a device id skipped`] : []),
    ...(unreadable
      ? [`${n(unreadable)} device${unreadable === 1 ? '' : 's'} with facts that cannot be read (cannot tell)`]
      : []),
  ];
  out.push(`Fleet ${fleet}: ${n(r.scope.devices)} devices in scope (${chan})${notes.map((x) => `; ${x}`).join('')}`);
  out.push('');
  const w = Math.max(...(['compatible', 'warning', 'declined'] as const).map((v) => n(r.totals[v]).length));
  for (const v of ['compatible', 'warning', 'declined'] as const)
    out.push(`  ${v.padEnd(10)} ${n(r.totals[v]).padStart(w)}`);
  if (r.byReason.length) {
    out.push('', 'By reason:');
    for (const x of r.byReason) {
      out.push(`  ${x.severity.padEnd(9)}${x.code} — ${n(x.devices)} device${x.devices === 1 ? '' : 's'}`);
      out.push(`           ${x.message}`);
      out.push(`           fix: ${x.fix}`);
    }
  }
  if (r.byProfile.length) {
    out.push('', 'By profile:');
    const pw = Math.min(56, Math.max(...r.byProfile.map((p) => (p.profile ?? '(no profile)').length)));
    for (const p of r.byProfile)
      out.push(
        `  ${(p.profile ?? '(no profile)').padEnd(pw)}  ${n(p.total).padStart(8)}  ok ${n(p.compatible)}, warning ${n(p.warning)}, declined ${n(p.declined)}`,
      );
  }
  if (r.groups.length) {
    out.push('', 'Groups (devices with identical facts):');
    for (const g of r.groups) {
      const more = g.devices > g.sample.length ? ` (+${n(g.devices - g.sample.length)} more)` : '';
      out.push(
        `  ${g.verdict.toUpperCase().padEnd(10)} ${n(g.devices)} × ${g.profile ?? '(no profile)'}: ${g.sample.join(', ')}${more}`,
      );
      for (const x of g.reasons) if (x.severity !== 'info') out.push(`      ${x.code}: ${x.message}`);
    }
  }
  if (r.inventoryUnreadable.length) {
    out.push('', 'Facts that cannot be read (the devices stay in scope as "cannot tell"):');
    for (const e of r.inventoryUnreadable.slice(0, 20))
      out.push(`  line ${e.line} (${e.id}), ${e.field}: ${e.message}`);
    if (r.inventoryUnreadable.length > 20)
      out.push(`  … and ${n(r.inventoryUnreadable.length - 20)} more (use --json for the first ${n(MAX_LISTED_ROWS)})`);
  }
  if (r.inventoryErrors.length) {
    out.push('', 'Skipped rows (not devices):');
    for (const e of r.inventoryErrors.slice(0, 20)) out.push(`  line ${e.line}: ${e.message}`);
    if (r.inventoryErrors.length > 20)
      out.push(`  … and ${n(skipped - 20)} more (use --json for the first ${n(MAX_LISTED_ROWS)})`);
  }
  out.push('');
  out.push(
    r.scope.devices === 0
      ? 'NOT CHECKED: no device in scope.'
      : !r.ok
        ? `DECLINED: ${n(r.totals.declined)} device(s) in scope would decline this model.`
        : r.totals.warning
          ? `OK, WITH WARNINGS: no device in scope would decline, but for ${n(r.totals.warning)} device(s) some check cannot tell or warns (see the reasons).`
          : 'OK: no device in scope would decline.',
  );
  io.stdout(out.join('\n') + '\n');
}
