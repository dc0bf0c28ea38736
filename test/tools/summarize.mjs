// Prints the closing line CI reads: "N passed, N failed", summed over the runners' JSON reports.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const v = 'test-results/vitest.json';
if (existsSync(v)) {
  const r = JSON.parse(readFileSync(v, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  skipped += r.numPendingTests + r.numTodoTests;
} else failed += 1;
const p = 'test-results/playwright.json';
if (existsSync(p)) {
  const s = JSON.parse(readFileSync(p, 'utf8')).stats;
  passed += s.expected + s.flaky;
  failed += s.unexpected;
  skipped += s.skipped;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
