/**
 * SBOM coverage and NTIA compliance over published releases, by model, by channel and overall,
 * with the reason each release does not count (the definition is sbom/'s, shared with
 * `fleetpack sbom report`). No releases in scope is "cannot tell" (null), never 100 %.
 */
import type { Kysely } from 'kysely';
import { COMPLIANCE_DEFINITION } from '../sbom/index.js';
import type { SbomVerdict } from './releases.js';
import type { Database } from './store/schema.js';

export interface CoverageEntry {
  name: string;
  version: string;
  channels: string[];
  sbom?: string;
  counted: boolean;
  compliant: boolean;
  reasons: string[];
}

export interface CoverageGroup {
  total: number;
  counted: number;
  compliant: number;
  /** counted ÷ total, or null when there is nothing to count. */
  coverage: number | null;
  compliance: number | null;
  releases: CoverageEntry[];
}

export interface CoverageReport {
  definition: string;
  /** Every release (or, with a channel, the releases that channel points at). */
  overall: CoverageGroup;
  byModel: Record<string, CoverageGroup>;
  /** Per channel: the one release per model the channel points at. */
  byChannel: Record<string, CoverageGroup>;
}

function group(entries: CoverageEntry[]): CoverageGroup {
  const total = entries.length;
  const counted = entries.filter((e) => e.counted).length;
  const compliant = entries.filter((e) => e.compliant).length;
  return {
    total,
    counted,
    compliant,
    coverage: total ? counted / total : null,
    compliance: total ? compliant / total : null,
    releases: entries,
  };
}

export async function coverageReport(db: Kysely<Database>, opts: { channel?: string } = {}): Promise<CoverageReport> {
  const releases = await db
    .selectFrom('releases')
    .select(['id', 'name', 'version', 'sbom'])
    .orderBy('name')
    .orderBy('counter')
    .execute();
  const pointers = await db.selectFrom('channels').select(['release_id', 'channel']).execute();
  const channelsOf = new Map<string, string[]>();
  for (const p of pointers) channelsOf.set(p.release_id, [...(channelsOf.get(p.release_id) ?? []), p.channel].sort());
  let entries: CoverageEntry[] = releases.map((r) => {
    const v = JSON.parse(r.sbom) as SbomVerdict;
    return {
      name: r.name,
      version: r.version,
      channels: channelsOf.get(r.id) ?? [],
      ...(v.file ? { sbom: v.file } : {}),
      counted: v.counted,
      compliant: v.compliant,
      reasons: v.reasons,
    };
  });
  if (opts.channel) entries = entries.filter((e) => e.channels.includes(opts.channel!));
  const byModel: Record<string, CoverageGroup> = {};
  for (const name of [...new Set(entries.map((e) => e.name))])
    byModel[name] = group(entries.filter((e) => e.name === name));
  const byChannel: Record<string, CoverageGroup> = {};
  const channels = [...new Set(entries.flatMap((e) => e.channels))].sort();
  for (const c of opts.channel ? [opts.channel] : channels)
    byChannel[c] = group(entries.filter((e) => e.channels.includes(c)));
  return { definition: COMPLIANCE_DEFINITION, overall: group(entries), byModel, byChannel };
}
