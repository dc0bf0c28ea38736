/**
 * Issue 14 item 7: the Compatibility step over a 1,220-row inventory shows groups of identical
 * devices (the fleet domain's groups) with counts and their reasons once, the devices of a group
 * only when asked (the first 100 with the report, the rest from the host), and the skipped rows
 * collapsed with their count. Two groups with the same reason code about different subjects
 * (ONNX Runtime 1.10 vs 1.11) stay two groups.
 */
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, writeFixtures } from './fixtures';
import { dropFile, expectAccessible, openStudio, shot } from './helpers';

const fx = writeFixtures();

/** 1,200 devices in five kinds, plus 20 rows without an id. */
function bigFleet(): string {
  const rows = ['id,channel,profile,onnxruntime'];
  const add = (n: number, prefix: string, rest: string) => {
    for (let i = 0; i < n; i++) rows.push(`${prefix}-${String(i).padStart(4, '0')},${rest}`);
  };
  add(500, 'srv', 'stable,x86-64-server,1.20.1');
  add(300, 'pi5', 'stable,raspberrypi-5-8gb,1.16.3');
  add(200, 'pi4-old', 'stable,raspberrypi-4-4gb,1.10.0');
  add(150, 'pi4', 'stable,raspberrypi-4-4gb,1.11.0');
  add(50, 'orin', 'beta,nvidia-jetson-orin-nano-8gb,');
  for (let i = 0; i < 20; i++) rows.push(',stable,x86-64-server,1.20.1');
  const path = join(FIXTURES, 'fleet-1200.csv');
  writeFileSync(path, rows.join('\n') + '\n');
  return path;
}

test('1,200 devices are shown as five groups with counts, reasons once, devices on demand', async ({ page }) => {
  const inventory = bigFleet();
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  await page.getByTestId('step-compat').click();
  await page.getByTestId('inventory-input').setInputFiles(inventory);
  await expect(page.getByTestId('inventory-summary')).toContainText(
    '1200 devices, 20 rows without a device id skipped',
  );
  await expect(page.getByTestId('compat-totals')).toContainText('350 Declined');

  const groups = page.getByTestId('compat-group');
  await expect(groups).toHaveCount(5);
  await expect(page.getByTestId('groups-summary')).toContainText('1,200 devices in 5 groups');
  // Declined first, larger first; counts per group.
  await expect(groups.nth(0)).toContainText('declined');
  await expect(groups.nth(0)).toContainText('200 devices · raspberrypi-4-4gb');
  await expect(groups.nth(1)).toContainText('150 devices · raspberrypi-4-4gb');
  // Same code, different subjects: two groups, each with its own sentence, said once.
  const old = groups.nth(0).locator('[data-code=ORT_OPSET_TOO_NEW]');
  const newer = groups.nth(1).locator('[data-code=ORT_OPSET_TOO_NEW]');
  await expect(old).toHaveCount(1);
  await expect(newer).toHaveCount(1);
  await expect(old).toContainText('ONNX Runtime 1.10.0');
  await expect(newer).toContainText('ONNX Runtime 1.11.0');
  // No device id is on the page until a group is opened.
  await expect(page.getByTestId('group-devices')).toHaveCount(0);
  await expect(page.getByText('srv-0000', { exact: true })).toHaveCount(0);
  // The skipped rows are collapsed, with their count.
  const skipped = page.getByTestId('inventory-skipped');
  await expect(skipped.locator('summary')).toHaveText('Skipped rows (20): not devices');
  await expect(skipped.locator('li')).toHaveCount(0);
  // A short page, not one row per device.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  expect(height).toBeLessThan(4000);
  await shot(page, 'compat-groups-01');
  await expectAccessible(page, 'compat groups');

  // The 500 servers on demand: the first 100 listed, the rest counted.
  const servers = groups.filter({ hasText: '500 devices · x86-64-server' });
  await servers.getByText('Show the 500 devices').click();
  const ids = servers.getByTestId('group-devices').locator('li');
  await expect(ids).toHaveCount(100);
  await expect(ids.first()).toHaveText('srv-0000');
  await expect(servers).toContainText('100 of 500 listed.');
  // The rest on demand, from the Node side (the same groups, listed, not regrouped).
  await servers.getByRole('button', { name: 'List more devices' }).click();
  await expect(ids).toHaveCount(500);
  await expect(ids.last()).toHaveText('srv-0499');
  await expect(servers.getByRole('button', { name: 'List more devices' })).toHaveCount(0);
  await skipped.locator('summary').click();
  await expect(skipped.locator('li')).toHaveCount(20);
  await shot(page, 'compat-groups-02-opened');
  await expectAccessible(page, 'compat groups opened');

  // A reason from the ranked list filters the groups to those with it.
  await page.locator('.reasons button').filter({ hasText: 'ONNX Runtime' }).first().click();
  await expect(groups).toHaveCount(2);
  await expect(page.getByTestId('groups-summary')).toContainText('350 devices in 2 groups');
  await page.getByRole('button', { name: 'Show all' }).click();
  await expect(groups).toHaveCount(5);
});
