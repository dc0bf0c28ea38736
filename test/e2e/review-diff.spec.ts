/**
 * Issue 14, item 12: the Review diff reads as fields with their values before and after — no raw
 * JSON, no `null` — and says "added", "removed" and "—" where a value is missing.
 */
import { expect, test } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../fixtures/temp.js';
import { writeFixtures } from './fixtures';
import { expectAccessible, initPackage, openStudio, shot } from './helpers';

const fx = writeFixtures();
const out = tempDir('fleetpack-e2e-diff-');

/** A package made by `fleetpack init`, its manifest then edited by `edit`. */
function pkg(version: string, edit: (m: Record<string, any>) => void): string {
  const dir = initPackage(fx.model, join(out, `classifier-${version}`), ['--name', 'classifier']);
  const file = join(dir, 'fleetpack.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  m.version = version;
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2));
  return dir;
}

const v1 = pkg('1.0.0', (m) => {
  m.license = 'MIT';
  m.inputs[0].preprocessing = { layout: 'NCHW', colorOrder: 'RGB', mean: [0.485, 0.456, 0.406] };
  m.metrics = [
    { name: 'top1_accuracy', value: 0.761 },
    { name: 'latency_p50', value: 12.5, unit: 'ms' },
  ];
});
const v2 = pkg('1.1.0', (m) => {
  m.license = 'Apache-2.0';
  m.inputs[0].preprocessing = { layout: 'NCHW', colorOrder: 'BGR', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  m.outputs[0].shape = ['batch', 10, 7, 7];
  m.outputs.push({ name: 'boxes', dtype: 'float32', shape: ['batch', null, 4] });
  m.metrics = [{ name: 'top1_accuracy', value: 0.774 }];
  m.target = { profiles: ['raspberrypi-5-8gb'] };
});

test('the diff shows fields with before and after values, never raw JSON or null', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('mode-review').click();
  await page.getByTestId('package-input').setInputFiles(v2);
  await expect(page.getByTestId('review-facts')).toContainText('1.1.0');
  await page.getByTestId('compare-input').setInputFiles(v1);
  const diff = page.getByTestId('diff-table');
  await expect(diff).toBeVisible();
  const row = (field: string) => diff.getByRole('row').filter({ hasText: field });
  // An object value (preprocessing) becomes one row per field that changed.
  await expect(row('input images › preprocessing › color order')).toContainText(/RGB\s*BGR/);
  await expect(row('input images › preprocessing › mean')).toContainText('0.485, 0.456, 0.4060.5, 0.5, 0.5');
  await expect(row('input images › preprocessing › std (added)')).toContainText('—0.25, 0.25, 0.25');
  // Shapes as shapes, an unknown dim as "?".
  await expect(row('output scores › shape')).toContainText('[batch, 10, ?, ?][batch, 10, 7, 7]');
  await expect(row('output boxes (added)')).toContainText('—float32 [batch, ?, 4]');
  await expect(row('metric latency_p50 (removed)')).toContainText('12.5—');
  await expect(row('input images › preprocessing › color order')).toContainText(
    'colorOrder RGB → BGR; mean [0.485, 0.456, 0.406] → [0.5, 0.5, 0.5]',
  );
  await expect(row('license')).toContainText('MITApache-2.0');
  await expect(row('target › profiles (added)')).toContainText('raspberrypi-5-8gb');
  // Values and fields are plain words and numbers; the messages name tensors in quotes, never JSON.
  const cells = await diff.locator('td.field, td.before, td.after').allTextContents();
  expect(cells.length).toBeGreaterThan(20);
  expect(cells.filter((t) => /null|undefined|[{}"]|\[object/.test(t))).toEqual([]);
  expect((await diff.textContent()) ?? '').not.toMatch(/null|undefined|[{}]|\[object|,"/);
  await diff.scrollIntoViewIfNeeded();
  await shot(page, 'review-diff-readable');
  await expectAccessible(page, 'review diff');
});
