/**
 * Issue 14 item 8: "Download as .tar" in the browser host. The downloaded tar unpacks to a package
 * folder that `fleetpack verify` accepts; a package changed after signing is refused (or downloaded
 * without its signature, said so, and then it does not verify); a download link works once.
 */
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fleetpack } from '../fixtures/platform-process';
import { tempDir } from '../fixtures/temp.js';
import { writeFixtures } from './fixtures';
import { dropFile, expectAccessible, fillValidManifest, openStudio, shot, signWithNewKey } from './helpers';

const fx = writeFixtures();
const out = tempDir('fleetpack-e2e-tar-');
const keyName = `e2e-tar-${Date.now().toString(36)}`;

test.describe.configure({ mode: 'serial' });

let page: Page;
test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
});
test.afterAll(async () => {
  await page.context().close();
});

const step = (id: string) => page.getByTestId(`step-${id}`);

/** Clicks a download button and unpacks what the browser saved (GNU tar) into a new folder. */
async function downloadAndUnpack(button: string, name: string): Promise<{ dir: string; url: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button }).click(),
  ]);
  const file = join(out, name);
  await download.saveAs(file);
  expect(download.suggestedFilename()).toBe('classifier-1.0.0.tar');
  const dir = join(out, `${name}.d`);
  const mk = spawnSync('mkdir', ['-p', dir]);
  expect(mk.status).toBe(0);
  const r = spawnSync('tar', ['-xf', file, '-C', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(readdirSync(dir)).toEqual(['classifier-1.0.0']);
  return { dir: join(dir, 'classifier-1.0.0'), url: download.url() };
}

test('a signed package downloads as a tar that fleetpack verify accepts; the link works once', async () => {
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/);
  await fillValidManifest(page, 'Ten-class image classifier for the download test.');
  await signWithNewKey(page, keyName);

  await step('package').click();
  await expect(page.getByTestId('package-checklist')).toContainText('✓ Manifest valid');
  const { dir, url } = await downloadAndUnpack('Download as .tar', 'signed.tar');
  await expect(page.getByTestId('downloaded')).toContainText('classifier-1.0.0.tar');
  expect(readdirSync(dir).sort()).toEqual(['classifier.onnx', 'fleetpack.json', 'model.sig']);
  const verified = await fleetpack(['verify', dir, '--key', keyName], { cwd: out });
  expect(verified.code, verified.err + verified.out).toBe(0);
  expect(verified.out).toContain('verified: 2 file(s)');
  const valid = await fleetpack(['validate', dir], { cwd: out });
  expect(valid.code, valid.err + valid.out).toBe(0);
  await shot(page, 'package-tar-01-downloaded');
  await expectAccessible(page, 'package tar downloaded');
  // The link was used: asked again, the host answers an error, not a second tar.
  const again = await page.request.get(url);
  expect(again.status()).toBe(404);
  expect(await again.json()).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
});

test('changed after signing: refused, or downloaded without model.sig and said so (it then does not verify)', async () => {
  await step('manifest').click();
  await page.getByLabel('Description').fill('Changed after it was signed.');
  await page.getByLabel('Description').blur();
  await step('package').click();
  await expect(page.getByTestId('package-checklist')).toContainText('✗ Changed after signing');
  await page.getByRole('button', { name: 'Download as .tar' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The package was not downloaded' })).toContainText(
    'model.sig no longer matches it',
  );
  await expect(page.getByTestId('downloaded')).toHaveCount(0);
  await shot(page, 'package-tar-02-refused');
  await expectAccessible(page, 'package tar refused');
  const { dir } = await downloadAndUnpack('Download without the signature', 'unsigned.tar');
  expect(existsSync(join(dir, 'model.sig'))).toBe(false);
  await expect(page.getByText('Downloaded without model.sig: the package changed after it was signed.')).toBeVisible();
  const verified = await fleetpack(['verify', dir, '--key', keyName], { cwd: out });
  expect(verified.code).not.toBe(0);
});
