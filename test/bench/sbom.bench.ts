/**
 * SBOM validation at scale: a ~60 MB CycloneDX 1.6 document with 100k components, validated by
 * fleetpack (schema with all errors + semantic checks + NTIA) — wall time and peak RSS of a child
 * process each. Peer: @cyclonedx/cyclonedx-library's own JsonValidator (Ajv over the same bundled
 * schema, first error only, no semantic checks), in the same run. Ajv's stock `uniqueItems` compares
 * all pairs of components (O(n²)), so the peer is measured on smaller documents with a time limit,
 * and the ratio is reported at the sizes both finish.
 *
 * Error density: documents of one shape (60,000 minimal components), valid and error-dense (a bad
 * `type` on every component; also every bom-ref duplicated; and the XML twin checked by the XSD).
 * The error-dense ones must take at most 3× the valid one's time (issue 15: Ajv with allErrors took
 * 155 s against 2 s). Measured inside the child, median of 3 runs; the ratio uses CPU time (user +
 * system), which other work on a busy machine disturbs far less than wall time (also reported).
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
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await validateSbomFile(file);
    const cpu = process.cpuUsage(cpu0);
    console.log(
      JSON.stringify({
        valid: r.valid,
        issues: r.issues.length,
        components: r.ntia.components,
        ms: performance.now() - t0,
        validateMs: performance.now() - t1,
        validateCpuMs: (cpu.user + cpu.system) / 1000,
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

const DENSE_N = 60_000;
const DENSE = [
  { name: 'json-valid', label: 'JSON, valid', ext: 'cdx.json' },
  { name: 'json-badtype', label: 'JSON, bad type on every component', ext: 'cdx.json' },
  { name: 'json-badtype-dupref', label: 'JSON, bad type + duplicate bom-ref everywhere', ext: 'cdx.json' },
  { name: 'xml-valid', label: 'XML, valid', ext: 'cdx.xml' },
  { name: 'xml-badtype', label: 'XML, bad type on every component', ext: 'cdx.xml' },
] as const;

async function ensureDense(name: string, ext: string): Promise<string> {
  mkdirSync(BENCH_DATA, { recursive: true });
  const f = join(BENCH_DATA, `sbom-dense-${name}-${DENSE_N}.${ext}`);
  if (!existsSync(f)) {
    const { denseCycloneDx, denseCycloneDxXml } = await import('../fixtures/sbom-docs.js');
    const text =
      name === 'json-valid'
        ? denseCycloneDx(DENSE_N)
        : name === 'json-badtype'
          ? denseCycloneDx(DENSE_N, 'gadget')
          : name === 'json-badtype-dupref'
            ? denseCycloneDx(DENSE_N, 'gadget', true)
            : name === 'xml-valid'
              ? denseCycloneDxXml(DENSE_N)
              : denseCycloneDxXml(DENSE_N, 'gadget');
    writeFileSync(f, text);
  }
  return f;
}

/** Median validation CPU time (inside the child) of 3 runs, with its wall time. */
async function validateMs(file: string): Promise<{ cpuMs: number; ms: number; valid: boolean; issues: number }> {
  const runs: { validateMs: number; validateCpuMs: number; valid: boolean; issues: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await measure(process.execPath, ['--import', 'tsx', self, 'child', 'fleetpack', file]);
    runs.push(JSON.parse(m.stdout.trim().split('\n').pop()!) as (typeof runs)[number]);
  }
  runs.sort((a, b) => a.validateCpuMs - b.validateCpuMs);
  const mid = runs[1]!;
  return { cpuMs: mid.validateCpuMs, ms: mid.validateMs, valid: mid.valid, issues: mid.issues };
}

async function density(): Promise<Record<string, unknown>[]> {
  console.log(
    `\nError density: ${DENSE_N.toLocaleString('en')} components of one shape (validation CPU time in the child, median of 3)`,
  );
  const rows: Record<string, unknown>[] = [];
  const base: Record<string, number> = {};
  for (const d of DENSE) {
    const file = await ensureDense(d.name, d.ext);
    const r = await validateMs(file);
    const kind = d.name.split('-')[0]!;
    if (d.name.endsWith('-valid')) base[kind] = r.cpuMs;
    const ratio = Math.round((r.cpuMs / base[kind]!) * 100) / 100;
    rows.push({ document: d.name, sizeKB: Math.round(statSync(file).size / 1000), ...r, overValid: ratio });
    console.log(
      `  ${d.label.padEnd(48)} ${(statSync(file).size / 1e6).toFixed(1).padStart(5)} MB  ${(r.cpuMs / 1000).toFixed(2).padStart(6)} s CPU (${(r.ms / 1000).toFixed(2)} s wall)  valid=${r.valid} issues=${r.issues}  ${ratio}× the valid one (goal ≤ 3×)`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const dense = await density();
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
    density: { components: DENSE_N, goal: 'error-dense ≤ 3× valid of the same shape', rows: dense },
  });
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!);
else await main();
