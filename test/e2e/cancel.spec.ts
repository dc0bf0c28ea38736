/**
 * Issue 14: Cancel on a long job really stops it, and the UI says "cancelled", never a green.
 * A 24 MB package is pushed to a real registry (docker-registry) through a TCP front that slows
 * the upload down; Cancel push stops the bytes, the registry has no manifest under the tag, and the
 * page says the push was cancelled. Pushed again at full speed, it completes.
 */
import { expect, test, type Page } from '@playwright/test';
import { statSync } from 'node:fs';
import { startRegistry, type RegistryServer } from '../fixtures/registry';
import { slowProxy, type SlowProxy } from '../fixtures/slow-proxy';
import { writeBigClassifier } from './fixtures';
import { expectAccessible, fillValidManifest, openStudio, shot, signWithNewKey } from './helpers';

const big = writeBigClassifier(447);
const keyName = `e2e-cancel-${Date.now().toString(36)}`;

test.describe.configure({ mode: 'serial' });

let page: Page;
let registry: RegistryServer;
let proxy: SlowProxy;

test.beforeAll(async ({ browser }) => {
  registry = await startRegistry();
  proxy = await slowProxy(Number(registry.host.split(':')[1]));
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});
test.afterAll(async () => {
  await page.context().close();
  await proxy.stop();
  await registry.stop();
});

const step = (id: string) => page.getByTestId(`step-${id}`);

test('Cancel push stops the upload; the page says cancelled and nothing is tagged', async () => {
  await openStudio(page);
  await page.getByTestId('model-input').setInputFiles(big);
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/, { timeout: 60_000 });
  await fillValidManifest(page, 'Ten-class image classifier for the cancel test.');
  await signWithNewKey(page, keyName);

  await step('package').click();
  const proxyHost = new URL(proxy.url).host;
  await page
    .getByRole('checkbox', { name: /Plain HTTP/ })
    .first()
    .check();
  await page.getByLabel('Reference').fill(`${proxyHost}/models/cancelled`);
  proxy.setRate(1_500_000);
  await page.getByRole('button', { name: 'Push', exact: true }).click();
  const bar = page.getByRole('progressbar', { name: 'Pushing' });
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(10);
  await shot(page, 'cancel-01-pushing');
  await page.getByRole('button', { name: 'Cancel push' }).click();

  await expect(page.getByTestId('push-cancelled')).toBeVisible();
  await expect(bar).toHaveCount(0);
  await expect(page.getByTestId('pushed')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel push' })).toHaveCount(0);
  // Really stopped: with the brake off, what the sockets still held drains at once and then no
  // byte follows (a push still running would now race to the end); fewer than the model's went out.
  proxy.setRate(0);
  let last = -1;
  await expect
    .poll(
      async () => {
        const before = last;
        last = proxy.upstreamBytes();
        await page.waitForTimeout(1_000);
        return proxy.upstreamBytes() === last && last === before;
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  expect(last).toBeLessThan(statSync(big).size);
  const manifest = await fetch(`${registry.url}/v2/models/cancelled/manifests/1.0.0`, {
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  expect(manifest.status).toBe(404);
  await shot(page, 'cancel-02-push-cancelled');
  await expectAccessible(page, 'push cancelled');

  // Pushed again, it finishes: the cancel left nothing that blocks it.
  await page.getByRole('button', { name: 'Push', exact: true }).click();
  await expect(page.getByTestId('pinned-reference')).toHaveValue(/models\/cancelled:1\.0\.0@sha256:[0-9a-f]{64}$/, {
    timeout: 60_000,
  });
  await expect(page.getByTestId('push-cancelled')).toHaveCount(0);
  const tagged = await fetch(`${registry.url}/v2/models/cancelled/manifests/1.0.0`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  expect(tagged.status).toBe(200);
});
