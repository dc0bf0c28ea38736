/** Readable in the dark theme and on a narrow window (the rail becomes a strip), and accessible there too. */
import { expect, test } from '@playwright/test';
import { writeFixtures } from './fixtures';
import { dropFile, expectAccessible, openStudio, shot } from './helpers';

const fx = writeFixtures();

test('dark theme (prefers-color-scheme) on a narrow window', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 700, height: 900 });
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(17, 19, 24)');
  // The rail sits above the panel on a narrow window.
  const rail = await page.getByRole('navigation', { name: 'Steps' }).boundingBox();
  const main = await page.locator('main').boundingBox();
  expect(rail!.y + rail!.height).toBeLessThanOrEqual(main!.y + 1);
  await shot(page, 'dark-narrow-model');
  await expectAccessible(page, 'dark-model');
  await page.getByTestId('step-manifest').click();
  await shot(page, 'dark-narrow-manifest');
  await expectAccessible(page, 'dark-manifest');
});

test('keyboard: the steps and the Open button are reachable with Tab', async ({ page }) => {
  await openStudio(page);
  const seen: string[] = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => document.activeElement?.textContent.trim() ?? ''));
  }
  expect(seen.join('|')).toContain('Manifest');
  expect(seen.join('|')).toContain('Open…');
  await page.keyboard.press('Shift+Tab');
  await page.getByTestId('step-sign').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Sign', level: 2 }).first()).toBeVisible();
});

test('the page loads without console errors (CSP meta tag) and has a favicon', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await openStudio(page);
  const icon = await page.locator('link[rel=icon]').getAttribute('href');
  expect(icon).toBeTruthy();
  const res = await page.request.get(new URL(icon!, page.url()).href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('image/svg+xml');
  const meta = await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content');
  expect(meta).toContain("img-src 'self' data: blob:");
  expect(meta).not.toContain('frame-ancestors');
  expect(errors).toEqual([]);
});
