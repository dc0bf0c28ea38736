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
