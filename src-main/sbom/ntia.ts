/**
 * NTIA minimum elements (2021) as fleetpack scores them — one interpretation, written down
 * because tools differ (reference/sbom.md §4.2):
 * - per component: supplier (CycloneDX supplier, else manufacturer; SPDX supplier, else
 *   originator; NOASSERTION does not count), name, version, a unique identifier (purl, CPE, SWID
 *   — or a hash, which the CISA 2025 draft adds), and a dependency relationship: the component
 *   takes part in the dependency graph (CycloneDX `dependencies`, SPDX relationships other than
 *   DESCRIBES); the primary component must state its own edges (an empty `dependsOn` counts:
 *   it says "no dependencies").
 * - per document: author of the SBOM data (person, organization or tool) and a timestamp.
 * score = elements present ÷ elements expected; meetsMinimum = nothing missing.
 */
import { sbomView } from './components.js';
import type { NtiaElement, NtiaGap, NtiaReport, ParsedSbom } from './types.js';

const PER_COMPONENT: NtiaElement[] = ['supplier', 'name', 'version', 'uniqueId', 'dependency'];

export function ntiaReport(p: ParsedSbom): NtiaReport {
  const view = sbomView(p);
  const elements = Object.fromEntries(
    (['supplier', 'name', 'version', 'uniqueId', 'dependency', 'author', 'timestamp'] as NtiaElement[]).map((e) => [
      e,
      { present: 0, total: 0 },
    ]),
  ) as NtiaReport['elements'];
  const gaps: NtiaGap[] = [];
  for (const c of view.components) {
    const missing: NtiaElement[] = [];
    const has: Record<string, boolean> = {
      supplier: !!c.supplier,
      name: !!c.name,
      version: !!c.version,
      uniqueId: c.identifiers.length > 0 || c.hashes.length > 0,
      dependency:
        c.ref !== undefined && (c.ref === view.primary ? view.hasEdgesFrom.has(c.ref) : view.inGraph.has(c.ref)),
    };
    for (const e of PER_COMPONENT) {
      elements[e].total++;
      if (has[e]) elements[e].present++;
      else missing.push(e);
    }
    if (missing.length) gaps.push({ pointer: c.pointer, component: c.name ?? c.ref ?? c.pointer, missing });
  }
  const docMissing: NtiaElement[] = [];
  for (const [e, ok] of [
    ['author', view.author],
    ['timestamp', view.timestamp],
  ] as const) {
    elements[e].total++;
    if (ok) elements[e].present++;
    else docMissing.push(e);
  }
  if (docMissing.length) gaps.unshift({ pointer: '', component: 'document', missing: docMissing });
  // an SBOM that lists no component at all names nothing: every per-component element is missing
  if (view.components.length === 0)
    gaps.push({ pointer: '', component: '(no components)', missing: [...PER_COMPONENT] });
  let present = 0;
  let total = 0;
  for (const v of Object.values(elements)) {
    present += v.present;
    total += v.total;
  }
  return {
    components: view.components.length,
    elements,
    score: total === 0 ? 0 : Math.round((present / total) * 1000) / 1000,
    meetsMinimum: gaps.length === 0,
    gaps,
  };
}
