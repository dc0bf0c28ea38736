/**
 * The whole journey in the browser host: drop → inspect → manifest completed → SBOM generated →
 * key created in the real (headless) keychain → signed → verified → compatibility preview →
 * package saved → changed after signing → re-signed and saved again → reopened in review mode
 * and diffed; then a tampered copy fails verification. Screenshots of each step go to
 * test-results/screenshots/, and each step is checked with axe.
 */
import { expect, test, type Page } from '@playwright/test';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtures } from './fixtures';
import {
  SAVE_ROOT,
  dropFile,
  expectAccessible,
  fillClassifierDetails,
  openStudio,
  savePackageAs,
  shot,
} from './helpers';
import { tempDir } from '../fixtures/temp.js';

const fx = writeFixtures();
const out = tempDir('fleetpack-e2e-');
const pkgV1 = join(SAVE_ROOT, 'classifier-1.0.0');
const pkgV2 = join(SAVE_ROOT, 'classifier-1.1.0');
const keyName = `e2e-${Date.now().toString(36)}`;
let publicKeyPem = '';

test.describe.configure({ mode: 'serial' });

let page: Page;
test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
test.afterAll(async () => {
  await page.context().close();
});

const step = (id: string) => page.getByTestId(`step-${id}`);

test('drop a model: header read, digest computed in the background', async () => {
  await openStudio(page);
  await shot(page, '00-start');
  await expectAccessible(page, 'start');
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-format')).toContainText('ONNX (IR version 8)');
  await expect(page.getByRole('table', { name: 'Inputs' })).toContainText('images');
  await expect(page.locator('.dim-symbolic').first()).toHaveText('batch');
  await expect(page.locator('.dim-unknown').first()).toHaveText('?');
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/);
  await expect(step('model')).toHaveAttribute('data-state', 'done');
  await shot(page, '01-model');
  await expectAccessible(page, 'model');
});

test('complete the manifest: every problem linked to its field until none is left', async () => {
  await step('manifest').click();
  await expect(page.getByTestId('problems')).toBeVisible();
  // A problem is a link to its field.
  await page
    .getByTestId('problems')
    .getByRole('button', { name: /\/license/ })
    .click();
  await expect(page.getByLabel('License (SPDX expression)')).toBeFocused();
  await page.getByLabel('License (SPDX expression)').fill('apache-2.0');
  await expect(page.getByTestId('license-check')).toContainText('valid SPDX (Apache-2.0)');
  await page.getByRole('button', { name: 'Use Apache-2.0' }).click(); // offered, never applied silently
  await expect(page.getByLabel('License (SPDX expression)')).toHaveValue('Apache-2.0');
  await page.getByLabel('Version (semver)').fill('1.0.0');
  await page.getByLabel('Release channel').selectOption('stable');
  await page.getByLabel('Description').fill('Ten-class image classifier for the e2e test.');
  await fillClassifierDetails(page, fx.metrics);
  await expect(page.getByLabel('Metric of metric 2')).toHaveValue('latency_p50');
  await page.getByRole('button', { name: 'Add metric' }).click();
  await page.getByLabel('Metric of metric 3').fill('mAP50');
  await page.getByLabel('Value of metric 3').fill('0.52');
  await page.getByLabel('Dataset of metric 3').fill('coco-val2017');
  await page.getByLabel('Filter profiles').fill('x86-64-server');
  await page
    .getByRole('checkbox', { name: /x86-64-server\b(?!-)/ })
    .first()
    .check();
  await expect(page.getByText('The manifest is complete and valid.')).toBeVisible();
  await expect(step('manifest')).toHaveAttribute('data-state', 'done');
  await shot(page, '02-manifest');
  await expectAccessible(page, 'manifest');
});

test('generate an SBOM', async () => {
  await step('sbom').click();
  await page.getByRole('button', { name: 'Generate CycloneDX ML-BOM' }).click();
  await expect(page.getByTestId('sbom-report')).toContainText(/valid/i);
  await expect(page.getByTestId('sbom-ref')).toContainText('cyclonedx');
  await expect(step('sbom')).toHaveAttribute('data-state', 'done');
  await shot(page, '03-sbom');
  await expectAccessible(page, 'sbom');
});

test('create a key in the OS keychain, sign, verify', async () => {
  await step('sign').click();
  await page.getByLabel('New key name').fill(keyName);
  await page.getByRole('button', { name: 'Create key in keychain' }).click();
  await expect(page.getByRole('radio', { name: new RegExp(keyName) })).toBeChecked();
  await page.getByText(`Public key of ${keyName}`).click();
  await expect(page.getByTestId('public-key')).toContainText('BEGIN PUBLIC KEY');
  publicKeyPem = (await page.getByTestId('public-key').textContent()) ?? '';
  await page.getByRole('button', { name: 'Sign package' }).click();
  await expect(page.getByTestId('signed')).toBeVisible();
  await page.getByRole('button', { name: 'Verify signature' }).click();
  await expect(page.getByTestId('verify-ok')).toBeVisible();
  await expect(step('sign')).toHaveAttribute('data-state', 'done');
  await shot(page, '04-sign');
  await expectAccessible(page, 'sign');
});

test('compatibility preview: verdicts per profile, reasons ranked, drill-down with fixes', async () => {
  await step('compat').click();
  await page.getByTestId('inventory-input').setInputFiles(fx.inventory);
  // The row with an unknown profile stays a device: cannot tell, never silently dropped.
  await expect(page.getByTestId('inventory-summary')).toContainText(
    '16 devices, 1 with facts that cannot be read (cannot tell)',
  );
  // Collapsed, with its count; the lines once opened.
  await expect(page.getByTestId('inventory-unreadable').locator('summary')).toContainText('(1 device;');
  await page.getByTestId('inventory-unreadable').locator('summary').click();
  await expect(page.getByTestId('inventory-unreadable')).toContainText(
    'line 17 (broken-row), profile: unknown hardware profile "no-such-profile"',
  );
  const totals = page.getByTestId('compat-totals');
  await expect(totals).toContainText('Compatible');
  await expect(totals).toContainText('Declined');
  await expect(page.locator('.chart-row')).not.toHaveCount(0);
  await shot(page, '05-compat');
  await expectAccessible(page, 'compat');
  await page.locator('.reasons button').first().click();
  await expect(page.getByTestId('compat-group')).not.toHaveCount(0);
  await shot(page, '05b-compat-drilldown');
});

test('save the package folder', async () => {
  await step('package').click();
  await savePackageAs(page, 'classifier-1.0.0');
  await expect(page.getByTestId('saved')).toBeVisible();
  await expect(page.getByTestId('package-files')).toContainText('model.sig');
  await expect(page.getByTestId('package-files')).toContainText('fleetpack.json');
  await expect(step('package')).toHaveAttribute('data-state', 'done');
  await shot(page, '06-package');
  await expectAccessible(page, 'package');
});

test('a change after signing is flagged; a stale SBOM and a stale signature block saving', async () => {
  await step('manifest').click();
  await page.getByLabel('Version (semver)').fill('1.1.0');
  await page.getByLabel('License (SPDX expression)').fill('MIT');
  await expect(page.getByTestId('license-check')).toContainText('valid SPDX');
  await step('sign').click();
  await expect(page.getByTestId('changed-after-signing')).toBeVisible();
  await expect(step('sign')).toHaveAttribute('data-state', 'attention');
  await shot(page, '07-changed-after-signing');
  // The generated SBOM still says 1.0.0 and Apache-2.0: stale, never shown as done, saving blocked.
  await expect(step('sbom')).toHaveAttribute('data-state', 'attention');
  await step('package').click();
  await expect(page.getByTestId('package-checklist')).toContainText('is stale');
  await expect(page.getByTestId('save-blocked')).toContainText('SBOM was generated from an older manifest');
  await expect(page.getByRole('button', { name: 'Save package' })).toBeDisabled();
  await expect(step('package')).toHaveAttribute('data-state', 'attention');
  await shot(page, '07b-sbom-stale');
  await expectAccessible(page, 'sbom stale');
  await step('sbom').click();
  await expect(page.getByTestId('sbom-stale')).toBeVisible();
  await page.getByRole('button', { name: 'Generate CycloneDX ML-BOM' }).click();
  await expect(page.getByTestId('sbom-stale')).toHaveCount(0);
  await expect(step('sbom')).toHaveAttribute('data-state', 'done');
  // Signed before the change: refused as it is; saved without model.sig only when asked, and said so.
  await step('package').click();
  await savePackageAs(page, 'classifier-1.1.0-unsigned');
  await expect(page.getByRole('alert')).toContainText('model.sig no longer matches');
  await expect(page.getByTestId('saved')).toHaveCount(0);
  await shot(page, '07c-signature-stale');
  await page.getByRole('button', { name: 'Save without the signature' }).click();
  await expect(page.getByTestId('saved')).toBeVisible();
  await expect(page.locator('.save-note')).toContainText('Saved without model.sig');
  expect(readdirSync(join(SAVE_ROOT, 'classifier-1.1.0-unsigned'))).not.toContain('model.sig');
  await expect(step('package')).toHaveAttribute('data-state', 'attention');
  await shot(page, '07d-saved-unsigned');
});

test('re-sign and save version 1.1.0', async () => {
  await step('sign').click();
  await page.getByRole('button', { name: 'Sign package' }).click();
  await expect(page.getByTestId('signed')).toBeVisible();
  await expect(page.getByTestId('changed-after-signing')).toHaveCount(0);
  await step('package').click();
  await savePackageAs(page, 'classifier-1.1.0');
  await expect(page.getByTestId('saved')).toBeVisible();
  await expect(step('package')).toHaveAttribute('data-state', 'done');
  expect(readdirSync(pkgV2)).toContain('model.sig');
});

test('review mode: reopen the package, verify it, and diff against the previous version', async () => {
  await page.getByTestId('mode-review').click();
  await page.getByTestId('package-input').setInputFiles(pkgV2);
  await expect(page.getByTestId('verify-ok')).toBeVisible();
  await expect(page.getByTestId('review-facts')).toContainText('1.1.0');
  await page.getByTestId('compare-input').setInputFiles(pkgV1);
  const diff = page.getByTestId('diff-table');
  await expect(diff).toContainText('Apache-2.0');
  await expect(diff).toContainText('MIT');
  await shot(page, '08-review-diff');
  await expectAccessible(page, 'review');
});

test("review with a public key file: the signer's key verifies, another key does not", async () => {
  const other = join(out, 'other.pub.pem');
  writeFileSync(
    other,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  );
  await page.getByTestId('pubkey-input').setInputFiles(other);
  await expect(page.getByTestId('verify-failed')).toBeVisible();
  const mine = join(out, 'signer.pub.pem');
  writeFileSync(mine, publicKeyPem);
  await page.getByTestId('pubkey-input').setInputFiles(mine);
  await expect(page.getByTestId('verify-ok')).toBeVisible();
});

test('a tampered package fails verification, naming the changed file', async () => {
  const tampered = join(out, 'classifier-tampered');
  cpSync(pkgV2, tampered, { recursive: true });
  appendFileSync(join(tampered, 'classifier.onnx'), Buffer.from([0]));
  await page.getByTestId('package-input').setInputFiles(tampered);
  await expect(page.getByTestId('verify-failed')).toBeVisible();
  await expect(page.locator('.note-error')).toContainText('classifier.onnx');
  await shot(page, '09-review-tampered');
});
