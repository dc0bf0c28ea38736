/**
 * Issue 14's false greens, each as a new user hit it in the browser host:
 * two tabs sharing one session, Review leaking into Build, a stale channel filter giving an
 * all-clear over zero devices, and an invalid manifest that could be saved as a package.
 */
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../fixtures/temp.js';
import { tfliteFixture } from '../fixtures/tflite-fixtures';
import { FIXTURES, writeFixtures } from './fixtures';
import { dropFile, expectAccessible, openStudio, shot } from './helpers';

const fx = writeFixtures();
const out = tempDir('fleetpack-e2e-greens-');
const tflite = join(FIXTURES, 'detector.tflite');
writeFileSync(tflite, tfliteFixture('float'));
/** Only the stable channel (no "beta"), and an inventory with no device at all. */
const stableOnly = join(FIXTURES, 'fleet-stable-only.csv');
writeFileSync(
  stableOnly,
  'id,channel,profile,onnxruntime\nsrv-a,stable,x86-64-server,1.20.1\nsrv-b,stable,x86-64-server,1.20.1\n',
);
const empty = join(FIXTURES, 'fleet-empty.csv');
writeFileSync(empty, 'id,channel,profile,onnxruntime\n');

/** A package to review that needs opset 21: the Raspberry Pi 5s (ONNX Runtime 1.16) decline it. */
function reviewedPackage(): string {
  const dir = join(out, 'reviewed-2.0.0');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src-main/cli/fleetpack.ts',
      'init',
      fx.model,
      '--out',
      dir,
      '--name',
      'reviewed',
      '--version',
      '2.0.0',
      '--license',
      'MIT',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 && r.status !== 1) throw new Error(`init failed: ${r.stderr}`);
  const m = JSON.parse(readFileSync(join(dir, 'fleetpack.json'), 'utf8'));
  m.framework.onnx.opsets = [{ domain: '', version: 21 }];
  writeFileSync(join(dir, 'fleetpack.json'), JSON.stringify(m, null, 2));
  return dir;
}

test.describe.configure({ mode: 'serial' });

let a: Page;
let b: Page;
test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  a = await context.newPage();
  b = await context.newPage();
});
test.afterAll(async () => {
  await a.context().close();
});

const stepOf = (page: Page, id: string) => page.getByTestId(`step-${id}`);

async function manifestJson(page: Page): Promise<string> {
  await stepOf(page, 'manifest').click();
  await page.getByText('Show the manifest as JSON').click();
  return (await page.getByTestId('manifest-json').textContent()) ?? '';
}

test('two tabs are two sessions: what one opens never reaches the other', async () => {
  await openStudio(a);
  await dropFile(a, fx.model);
  await expect(a.getByTestId('model-format')).toContainText('ONNX');
  await openStudio(b);
  await dropFile(b, tflite);
  await expect(b.getByTestId('model-format')).toContainText('TFLite (schema version 3)');
  // Tab A edits its draft after B opened its model: the Node side answers with A's own draft.
  await stepOf(a, 'manifest').click();
  const answered = a.waitForResponse((r) => r.url().includes('/api/op/updateManifest'));
  await a.getByLabel('Description').fill('Tab A’s classifier');
  await a.getByLabel('Description').blur();
  await answered;
  const jsonA = await manifestJson(a);
  expect(jsonA).toContain('classifier.onnx');
  expect(jsonA).toContain('"format": "onnx"');
  expect(jsonA).not.toContain('detector.tflite');
  const jsonB = await manifestJson(b);
  expect(jsonB).toContain('detector.tflite');
  expect(jsonB).not.toContain('classifier.onnx');
  await shot(a, 'greens-01-tab-a');
  await shot(b, 'greens-01-tab-b');
  // Tab B closes: its session (and its upload) ends; A's goes on (a folder chooser needs the only tab).
  await b.close();
  await expect(stepOf(a, 'model')).toHaveAttribute('data-state', 'done');
});

test('an invalid manifest cannot be saved as a package, and the rail never says Package ✓', async () => {
  // Just opened, no license, fields still to fill in: not ✓.
  await expect(stepOf(a, 'manifest')).toHaveAttribute('data-state', 'attention');
  await a.getByLabel('Version (semver)').fill('one point oh');
  await a.getByLabel('Version (semver)').blur();
  await stepOf(a, 'package').click();
  await expect(a.getByTestId('package-checklist')).toContainText(/✗ Manifest has \d+ errors?/);
  await expect(a.getByTestId('save-blocked')).toContainText('manifest has errors');
  await expect(a.getByRole('button', { name: 'Save package' })).toBeDisabled();
  await expect(stepOf(a, 'manifest')).toHaveAttribute('data-state', 'attention');
  await expect(stepOf(a, 'package')).not.toHaveAttribute('data-state', 'done');
  await shot(a, 'greens-02-save-blocked');
  await expectAccessible(a, 'save blocked');
});

test('Build checks its own draft after a package was opened in Review', async () => {
  await stepOf(a, 'compat').click();
  await a.getByTestId('inventory-input').setInputFiles(fx.inventory);
  await a.getByLabel('Channel').selectOption('stable');
  // The draft's version is still invalid (above): refused as `fleetpack compat` refuses it, no verdicts.
  const refused = a.locator('[data-code="MANIFEST_INVALID"]');
  await expect(refused).toContainText('The manifest is not valid');
  await expect(refused).toContainText('Manifest step');
  await expect(a.getByTestId('compat-totals')).toHaveCount(0);
  await stepOf(a, 'manifest').click();
  await a.getByLabel('Version (semver)').fill('1.0.0');
  await a.getByLabel('Version (semver)').blur();
  await stepOf(a, 'compat').click();
  await a.getByLabel('Channel').selectOption('beta');
  await a.getByLabel('Channel').selectOption('stable');
  await expect(refused).toHaveCount(0);
  const totals = a.getByTestId('compat-totals');
  await expect(totals).toContainText('4 Compatible');
  await expect(totals).toContainText('0 Declined');
  const draftTotals = await totals.textContent();
  // Review: the other package needs opset 21, which the Raspberry Pi 5s' runtime lacks.
  await a.getByTestId('mode-review').click();
  await a.getByTestId('package-input').setInputFiles(reviewedPackage());
  await expect(a.getByTestId('review-facts')).toContainText('2.0.0');
  await expect(a.getByTestId('compat-totals')).toContainText('4 Declined');
  await shot(a, 'greens-03-review-compat');
  // Back in Build, changing the channel previews the draft again, never the reviewed package.
  await a.getByRole('button', { name: 'Build a package' }).click();
  await stepOf(a, 'compat').click();
  await a.getByLabel('Channel').selectOption('beta');
  await a.getByLabel('Channel').selectOption('stable');
  await expect(a.getByTestId('compat-totals')).toHaveText(draftTotals ?? '');
  await expect(a.getByTestId('compat-totals')).toContainText('0 Declined');
});

test('a channel the new inventory lacks is dropped; no device in scope is a warning, never ✓', async () => {
  await a.getByLabel('Channel').selectOption('beta');
  await expect(a.getByTestId('compat-totals')).toContainText(/\d+ Compatible/);
  await a.getByTestId('inventory-input').setInputFiles(stableOnly);
  await expect(a.getByTestId('inventory-summary')).toContainText('2 devices');
  await expect(a.getByLabel('Channel')).toHaveValue('');
  await expect(a.getByTestId('compat-totals')).toContainText('2 Warning'); // both servers in scope
  await a.getByTestId('inventory-input').setInputFiles(empty);
  await expect(a.getByTestId('inventory-summary')).toContainText('0 devices');
  await expect(a.getByTestId('no-device-in-scope')).toBeVisible();
  await expect(a.getByText('every device is compatible')).toHaveCount(0);
  await expect(stepOf(a, 'compat')).toHaveAttribute('data-state', 'attention');
  await stepOf(a, 'package').click();
  await expect(a.getByTestId('package-compat')).toContainText('No device in scope');
  await stepOf(a, 'compat').click();
  await shot(a, 'greens-04-no-device-in-scope');
  await expectAccessible(a, 'no device in scope');
});

test('a LicenseRef-… license is completed in the Studio; suggestions are ones the validator accepts', async () => {
  await stepOf(a, 'manifest').click();
  await a.getByLabel('Version (semver)').fill('1.0.0');
  // No suggestion the validator would then reject.
  const offered = await a
    .locator('#spdx-ids option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(offered).toContain('Apache-2.0');
  expect(offered).not.toContain('OpenRAIL');
  expect(offered.filter((o) => !/^[A-Za-z0-9.+-]+$/.test(o) || o.endsWith('-'))).toEqual([]);
  const license = a.getByLabel('License (SPDX expression)');
  await license.fill('LicenseRef-acme-eula');
  await expect(a.getByTestId('license-refs')).toContainText('LicenseRef-acme-eula');
  await expect(a.getByTestId('problems')).toContainText('/licenseRef');
  await a.getByLabel('URL of LicenseRef-acme-eula').fill('https://acme.example/eula');
  await a.getByLabel('Name of LicenseRef-acme-eula').fill('ACME model EULA');
  await expect(a.getByTestId('problems')).not.toContainText('licenseRef');
  // Or the text, from a file.
  const text = join(out, 'EULA.txt');
  writeFileSync(text, 'ACME grants you a licence to run this model.\n');
  await a.getByLabel('Text of LicenseRef-acme-eula from a file…').setInputFiles(text);
  await expect(a.getByTestId('license-text')).toContainText('45 characters');
  await shot(a, 'greens-05-license-ref');
  await expectAccessible(a, 'license ref');
  // A model-hub id: offered as its LicenseRef with the entry filled in, not "edit the JSON".
  await license.fill('llama2');
  await a.getByRole('button', { name: 'Use LicenseRef-llama2' }).click();
  await expect(license).toHaveValue('LicenseRef-llama2');
  await expect(a.getByLabel('URL of LicenseRef-llama2')).toHaveValue('https://ai.meta.com/llama/license/');
  await expect(a.getByTestId('license-check')).toContainText('valid');
  await expect(a.getByTestId('problems')).not.toContainText('licenseRef');
});
