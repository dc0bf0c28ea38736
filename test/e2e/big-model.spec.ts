import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { writeBigModel } from './fixtures';
import { expectAccessible, openStudio, shot } from './helpers';

test('a big model is prefilled from its header and end while it arrives, then corrected by the full read', async ({
  page,
}) => {
  const path = writeBigModel();
  await openStudio(page);
  // The provisional state may be short: record that it was shown.
  await page.evaluate(`(() => {
    window.__partial = null;
    new MutationObserver(() => {
      const note = document.querySelector('[data-testid=model-partial]');
      if (note && !window.__partial) window.__partial = { text: note.textContent };
    }).observe(document.body, { subtree: true, childList: true });
  })()`);
  await page.getByTestId('model-input').setInputFiles(path);
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  await expect(page.getByTestId('model-partial')).toHaveCount(0, { timeout: 60_000 });
  const partial = await page.evaluate<{ text: string } | null>('window.__partial');
  expect(partial?.text).toMatch(/still reading the weights/);

  // The full read knows the weight type and that the 40 listed weights are constants.
  const facts = page.getByTestId('model-facts');
  await expect(facts).toContainText('float16');
  const inputs = page.getByRole('table', { name: 'Inputs' });
  await expect(inputs.locator('tbody tr')).toHaveCount(1);
  await expect(inputs).toContainText('x');
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
  await expect(page.getByTestId('model-digest')).toContainText(sha, { timeout: 60_000 });
  await shot(page, 'big-model-confirmed');
  await expectAccessible(page, 'big-model');

  await page.getByTestId('step-manifest').click();
  await page.getByText('Show the manifest as JSON').click();
  const json = JSON.parse((await page.getByTestId('manifest-json').textContent()) ?? '{}') as {
    inputs: { name: string }[];
    framework: { quantization?: string };
  };
  expect(json.inputs.map((t) => t.name)).toEqual(['x']);
  expect(json.framework.quantization).toBe('float16');
});
