import { expect, test } from '@playwright/test';
import { writeFixtures } from './fixtures';
import { dropFile, expectAccessible, openStudio, shot } from './helpers';

const fx = writeFixtures();

test('a file that is not a model is refused in words, with what to do', async ({ page }) => {
  await openStudio(page);
  await dropFile(page, fx.notAModel);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('could not be opened as a model');
  await expect(alert).toContainText(/Supported formats/i);
  await expect(alert).not.toContainText(/at .*\.ts:\d+/); // never a stack trace
  await expect(alert).not.toContainText('/tmp/'); // never a host path
  await expect(alert).toContainText('holiday-notes.onnx');
  await expect(page.getByTestId('step-model')).toHaveAttribute('data-state', 'attention');
  await shot(page, 'error-not-a-model');
  await expectAccessible(page, 'not-a-model');
});

test('an invalid license is an error on its field, with a hint, and blocks signing', async ({ page }) => {
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  await page.getByTestId('step-manifest').click();
  const license = page.getByLabel('License (SPDX expression)');
  await license.fill('Apache 2');
  await expect(page.getByTestId('license-check')).toContainText('not a known SPDX license id');
  await expect(page.getByTestId('problems')).toContainText('/license');
  await expect(page.getByTestId('step-manifest')).toHaveAttribute('data-state', 'attention');
  await license.fill('openrail');
  await expect(page.getByTestId('license-check')).toContainText('model-hub license id');
  await expect(page.getByTestId('license-check')).toContainText('LicenseRef-openrail');
  await shot(page, 'error-invalid-license');
  await expectAccessible(page, 'invalid-license');
  await page.getByTestId('step-sign').click();
  await expect(page.getByText('The manifest still has errors')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign package' })).toBeDisabled();
});

test('an invalid SBOM is refused with every error listed, and not attached', async ({ page }) => {
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  await page.getByTestId('step-sbom').click();
  await page.getByTestId('sbom-input').setInputFiles(fx.badSbom);
  const report = page.getByTestId('sbom-report');
  await expect(report).toContainText('not valid and was not attached');
  await expect(report.locator('.issues li')).not.toHaveCount(0);
  await expect(page.getByTestId('sbom-ref')).toHaveCount(0);
  await expect(page.getByTestId('step-sbom')).toHaveAttribute('data-state', 'attention');
  await shot(page, 'error-invalid-sbom');
});
