/**
 * A newcomer without a model: "Try an example" in the Model step opens the shipped example
 * (model, metrics and fleet, by name through the StudioApi), and the whole journey follows —
 * manifest completed, SBOM generated, signed with a keychain key, fleet preview, package saved.
 * Each step is checked with axe; screenshots go to test-results/screenshots/example-*.png.
 */
import { expect, test, type Page } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SAVE_ROOT, expectAccessible, openStudio, savePackageAs, shot, signWithNewKey } from './helpers';

const pkg = join(SAVE_ROOT, 'person-presence-1.0.0');
const keyName = `example-${Date.now().toString(36)}`;

test.describe.configure({ mode: 'serial' });

let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});
test.afterAll(async () => {
  await page.context().close();
});

const step = (id: string) => page.getByTestId(`step-${id}`);

test('"Try an example" opens the shipped model, its metrics and its fleet', async () => {
  await openStudio(page);
  await page.getByRole('button', { name: 'Try an example' }).click();
  await expect(page.getByTestId('example-note')).toContainText('Person-presence classifier');
  await expect(page.getByRole('heading', { name: 'person-presence.onnx' })).toBeVisible();
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  await expect(page.getByRole('table', { name: 'Inputs' })).toContainText('images');
  await expect(page.getByRole('table', { name: 'Outputs' })).toContainText('scores');
  await expect(page.locator('.dim-symbolic').first()).toHaveText('batch');
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/);
  await expect(step('model')).toHaveAttribute('data-state', 'done');
  await shot(page, 'example-01-model');
  await expectAccessible(page, 'example model');
});

test('the manifest has the example metrics; completing it leaves no problem', async () => {
  await step('manifest').click();
  await expect(page.getByText('Imported 3 metrics from metrics.json')).toBeVisible();
  await expect(page.getByLabel('Metric of metric 1')).toHaveValue('accuracy');
  await expect(page.getByLabel('Metric of metric 3')).toHaveValue('latency_p50');
  // Layout and colour order come from the model's image metadata, not guessed; the rest is the engineer's to say.
  await expect(page.getByLabel(/^Color order/)).toHaveValue('RGB');
  await expect(page.getByRole('button', { name: 'Confirm guessed values' })).toHaveCount(0);
  await page.getByLabel('License (SPDX expression)').fill('Apache-2.0');
  await expect(page.getByTestId('license-check')).toContainText('valid SPDX');
  await page.getByLabel('Version (semver)').fill('1.0.0');
  await page.getByLabel('Release channel').selectOption('stable');
  await page.getByLabel('Description').fill('Person-presence classifier for the door cameras.');
  await page.getByLabel('Authors (comma separated)').fill('Fleetpack newcomer');
  await page.getByLabel('Authors (comma separated)').blur();
  await page.getByLabel(/^Mean/).fill('0.5, 0.5, 0.5');
  await page.getByLabel(/^Mean/).blur();
  await page.getByLabel(/^Std/).fill('0.25, 0.25, 0.25');
  await page.getByLabel(/^Std/).blur();
  await page.getByLabel('Filter profiles').fill('raspberrypi-5-8gb');
  await page
    .getByRole('checkbox', { name: /raspberrypi-5-8gb\b(?!-)/ })
    .first()
    .check();
  await expect(page.getByText('The manifest is complete and valid.')).toBeVisible();
  await expect(step('manifest')).toHaveAttribute('data-state', 'done');
  await shot(page, 'example-02-manifest');
  await expectAccessible(page, 'example manifest');
});

test('generate the SBOM, sign with a new keychain key and verify', async () => {
  await step('sbom').click();
  await page.getByRole('button', { name: 'Generate CycloneDX ML-BOM' }).click();
  await expect(page.getByTestId('sbom-ref')).toContainText('cyclonedx');
  await expect(step('sbom')).toHaveAttribute('data-state', 'done');
  await signWithNewKey(page, keyName);
  await page.getByRole('button', { name: 'Verify signature' }).click();
  await expect(page.getByTestId('verify-ok')).toBeVisible();
  await expect(step('sign')).toHaveAttribute('data-state', 'done');
  await expectAccessible(page, 'example sign');
});

test('the example fleet is already loaded: verdicts and the reason some devices decline', async () => {
  await step('compat').click();
  await expect(page.getByTestId('inventory-summary')).toContainText('fleet.csv: 20 devices.');
  const totals = page.getByTestId('compat-totals');
  await expect(totals).toContainText('12 Compatible');
  await expect(totals).toContainText('3 Warning');
  await expect(totals).toContainText('5 Declined');
  await expect(page.locator('.reasons')).toContainText('opset 17');
  // Declines make the step need attention: never green when part of the fleet would refuse it.
  await expect(step('compat')).toHaveAttribute('data-state', 'attention');
  await shot(page, 'example-03-compat');
  await expectAccessible(page, 'example compat');
});

test('save the package folder', async () => {
  await step('package').click();
  await savePackageAs(page, 'person-presence-1.0.0');
  await expect(page.getByTestId('saved')).toBeVisible();
  await expect(step('package')).toHaveAttribute('data-state', 'done');
  expect(readdirSync(pkg).sort()).toEqual(['fleetpack.json', 'model.sig', 'person-presence.onnx', 'sbom.cdx.json']);
  await shot(page, 'example-04-package');
  await expectAccessible(page, 'example package');
});
