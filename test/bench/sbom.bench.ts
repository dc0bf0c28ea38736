/**
 * SBOM validation at scale: a ~60 MB CycloneDX 1.6 document with 100k components, validated by
 * fleetpack (schema with all errors + semantic checks + NTIA) — wall time and peak RSS of a child
 * process each. Peer: @cyclonedx/cyclonedx-library's own JsonValidator (Ajv over the same bundled
 * schema, first error only, no semantic checks), in the same run. Ajv's stock `uniqueItems` compares
 * all pairs of components (O(n²)), so the peer is measured on smaller documents with a time limit,
 * and the ratio is reported at the sizes both finish.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DATA, measure, writeReport } from './lib.js';

const self = fileURLToPath(import.meta.url);
const PEER_LIMIT_MS = 240_000;

async function child(mode: string, file: string): Promise<void> {
  const t0 = performance.now();
  if (mode === 'fleetpack') {
    const { validateSbomFile } = await import('../../src-main/sbom/index.js');
    const r = await validateSbomFile(file);
    console.log(
      JSON.stringify({
        valid: r.valid,
        issues: r.issues.length,
        components: r.ntia.components,
        ms: performance.now() - t0,
      }),
    );
  } else {
    const { Validation, Spec } = await import('@cyclonedx/cyclonedx-library');
    const text = readFileSync(file, 'utf8');
    const errors = await new Validation.JsonValidator(Spec.Version.v1dot6).validate(text);
    console.log(JSON.stringify({ valid: errors === null, ms: performance.now() - t0 }));
  }
}

/** The generated document with n components, written once to .bench-data and reused. */
async function ensure(n: number): Promise<string> {
  mkdirSync(BENCH_DATA, { recursive: true });
  const f = join(BENCH_DATA, `sbom-${n}.cdx.json`);
  if (!existsSync(f)) {
    // imported here, not at the top, so the measured child processes do not load the generator
    const { bigCycloneDx } = await import('../fixtures/sbom-docs.js');
    writeFileSync(f, bigCycloneDx(n));
  }
  return f;
}

async function runOne(
  mode: string,
  file: string,
  limitMs?: number,
): Promise<{ ms: number; peakMB: number; valid: boolean } | { timeout: true }> {
  const args = ['--import', 'tsx', self, 'child', mode, file];
  const env = { ...process.env };
  const p = measure('timeout', [String(Math.ceil((limitMs ?? 3_600_000) / 1000)), process.execPath, ...args], env);
  try {
    const m = await p;
    const out = JSON.parse(m.stdout.trim().split('\n').pop()!) as { valid: boolean };
    return { ms: m.ms, peakMB: m.peakMB, valid: out.valid };
  } catch (e) {
    if (/exited 124/.test(String(e))) return { timeout: true };
    throw e;
  }
}

async function main(): Promise<void> {
  const sizes = [2_000, 10_000, 100_000];
  const rows: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const file = await ensure(n);
    const mb = statSync(file).size / 1e6;
    const ours = await runOne('fleetpack', file);
    const peer =
      n <= 10_000
        ? await runOne('cyclonedx-library', file, PEER_LIMIT_MS)
        : { skipped: `O(n²) uniqueItems: would take far longer than ${PEER_LIMIT_MS / 1000}s` };
    const ratio =
      'ms' in ours && 'ms' in peer ? Math.round(((peer as { ms: number }).ms / ours.ms) * 100) / 100 : undefined;
    rows.push({ components: n, sizeMB: Math.round(mb * 10) / 10, fleetpack: ours, peer, peerOverFleetpack: ratio });
    console.log(
      `${String(n).padStart(7)} components ${mb.toFixed(1).padStart(6)} MB | fleetpack ${'ms' in ours ? `${(ours.ms / 1000).toFixed(2)} s, ${ours.peakMB.toFixed(0)} MB peak, valid=${ours.valid}` : 'timeout'}` +
        ` | @cyclonedx/cyclonedx-library JsonValidator ${'ms' in peer ? `${((peer as { ms: number }).ms / 1000).toFixed(2)} s, ${(peer as { peakMB: number }).peakMB.toFixed(0)} MB peak` : 'timeout' in peer ? `> ${PEER_LIMIT_MS / 1000} s (stopped)` : 'not run (O(n²))'}` +
        (ratio !== undefined ? ` | peer/fleetpack = ${ratio}×` : ''),
    );
  }
  const load = loadavg().map((x) => Math.round(x * 10) / 10);
  console.log(
    `load average (1/5/15 min): ${load.join(' / ')} on this 2-core machine; other work inflates both columns`,
  );
  writeReport('sbom', {
    loadAverage: load,
    peer: '@cyclonedx/cyclonedx-library JsonValidator (Ajv, same bundled CycloneDX 1.6 schema, first error only, no semantic checks)',
    rows,
  });
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!);
else await main();
