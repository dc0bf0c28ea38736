/** A TensorRT engine does not record its I/O: the Studio asks for the companion, then fills it in. */
import { expect, test } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRITON_TRT_CONFIG, engineBytes } from '../fixtures/tensorrt-fixtures';
import { FIXTURES } from './fixtures';
import { dropFile, expectAccessible, openStudio, shot } from './helpers';

const dir = join(FIXTURES, 'trt');
mkdirSync(dir, { recursive: true });
const engine = join(dir, 'detector.engine');
const config = join(dir, 'config.pbtxt');
writeFileSync(engine, engineBytes({ version: [10, 3, 0, 26] }));
writeFileSync(config, TRITON_TRT_CONFIG);

test('TensorRT engine: version from the header, I/O from the Triton config, compute capability asked for', async ({
  page,
}) => {
  await openStudio(page);
  await dropFile(page, engine);
  await expect(page.getByTestId('model-format')).toContainText('TensorRT (serialization version');
  await expect(page.getByText('A TensorRT engine does not record its inputs and outputs')).toBeVisible();
  // Said once, by the prompt with the file button (not again by the reader's warning).
  await expect(page.getByText('does not reveal its inputs and outputs')).toHaveCount(0);
  await expect(page.getByTestId('step-model')).toHaveAttribute('data-state', 'attention');
  await page.getByTestId('companion-input').setInputFiles(config);
  await expect(page.getByRole('table', { name: 'Inputs' })).toContainText('images');
  await expect(page.getByRole('table', { name: 'Outputs' })).toContainText('output0');
  await expect(page.getByText('Inputs and outputs taken from config.pbtxt')).toBeVisible();
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/);
  await shot(page, 'tensorrt-model');
  await expectAccessible(page, 'tensorrt');
  await page.getByTestId('step-manifest').click();
  await expect(page.getByLabel('GPU compute capability the engine was built for')).toBeVisible();
});
