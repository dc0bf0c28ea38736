// Prints the closing line CI reads: "N passed, N failed", summed over the runners' JSON reports.
import { existsSync, readFileSync } from 'node:fs';

/** @param {string} file @returns {unknown} */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
/** @typedef {Record<string, number | undefined>} Counts */
/** A count from a runner's report; a missing field counts as 0. @param {number | undefined} n */
const count = (n) => n ?? 0;

let passed = 0;
let failed = 0;
let skipped = 0;
const v = 'test-results/vitest.json';
if (existsSync(v)) {
  const r =
    /** @type {Counts & { success?: boolean, testResults?: { name: string, status: string, message?: string, assertionResults?: { status: string }[] }[] }} */ (
      readJson(v)
    );
  passed += count(r.numPassedTests);
  failed += count(r.numFailedTests) + count(r.numRuntimeErrorTestSuites);
  skipped += count(r.numPendingTests) + count(r.numTodoTests);
  // A test file that failed before any of its tests ran (a throwing import, a missing fixture) has no
  // failed test to count: count the file, and say which, so the closing line is never a false "0 failed".
  for (const f of r.testResults ?? [])
    if (f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')) {
      failed += 1;
      console.log(`file failed before its tests: ${f.name}: ${(f.message ?? '').split('\n')[0]}`);
    }
  if (r.success === false && failed === 0) failed += 1;
} else failed += 1;
const p = 'test-results/playwright.json';
if (existsSync(p)) {
  const s = /** @type {{ stats: Counts }} */ (readJson(p)).stats;
  passed += count(s.expected) + count(s.flaky);
  failed += count(s.unexpected);
  skipped += count(s.skipped);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
