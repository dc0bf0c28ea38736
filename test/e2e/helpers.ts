import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export const SHOTS = join('test-results', 'screenshots');
/** The folder the e2e host saves packages under (`studio --web --root`). */
export const SAVE_ROOT = resolve('test-results', 'e2e-save-root');

/** A package folder made by `fleetpack init MODEL --out DIR ARGS…` (from source); its path. */
export function initPackage(model: string, dir: string, args: string[] = []): string {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src-main/cli/fleetpack.ts', 'init', model, '--out', dir, ...args],
    { encoding: 'utf8' },
  );
  // 1: made, with warnings about what is still to fill in.
  if (r.status !== 0 && r.status !== 1) throw new Error(`init failed: ${r.stderr}`);
  return dir;
}

export function studioUrl(): string {
  const url = process.env.STUDIO_URL;
  if (!url) throw new Error('STUDIO_URL is not set: the global setup did not start the host');
  return url;
}

export async function openStudio(page: Page): Promise<void> {
  await page.goto(studioUrl());
  await expect(page.getByRole('heading', { name: 'Fleetpack Studio' })).toBeVisible();
}

/** Drops a file on the drop zone the way a browser does: a DataTransfer holding a File. */
export async function dropFile(page: Page, path: string): Promise<void> {
  const bytes = readFileSync(path).toString('base64');
  const dt = await page.evaluateHandle(
    ({ b64, name }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const t = new DataTransfer();
      t.items.add(new File([bin], name, { type: 'application/octet-stream' }));
      return t;
    },
    { b64: bytes, name: basename(path) },
  );
  await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: dt });
}

/** No serious or critical axe violations on the page as it is now. */
export async function expectAccessible(page: Page, step: string): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      (v) =>
        `${step}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`,
    ),
  ).toEqual([]);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Saves the package from the Package step into a new folder `name` directly under the save root. */
export async function savePackageAs(page: Page, name: string): Promise<void> {
  await expect(page.getByTestId('save-into')).toHaveText(basename(SAVE_ROOT));
  await page.getByLabel('New folder name').fill(name);
  await page.getByRole('button', { name: 'Save package' }).click();
}

/** The Sign step: creates the key `keyName` in the keychain and signs the package with it. */
export async function signWithNewKey(page: Page, keyName: string): Promise<void> {
  await page.getByTestId('step-sign').click();
  await page.getByLabel('New key name').fill(keyName);
  await page.getByRole('button', { name: 'Create key in keychain' }).click();
  await expect(page.getByRole('radio', { name: new RegExp(keyName) })).toBeChecked();
  await page.getByRole('button', { name: 'Sign package' }).click();
  await expect(page.getByTestId('signed')).toBeVisible();
}

/** The Manifest step: what a prefilled ONNX model still needs to be valid (a version, a description, a license). */
export async function fillValidManifest(page: Page, description: string, version = '1.0.0'): Promise<void> {
  await page.getByTestId('step-manifest').click();
  await page.getByLabel('Version (semver)').fill(version);
  await page.getByLabel('Description').fill(description);
  await page.getByLabel('License (SPDX expression)').fill('Apache-2.0');
  await expect(page.getByTestId('license-check')).toContainText('valid SPDX');
  await page.getByLabel('License (SPDX expression)').blur();
}

/**
 * The Manifest step, for the test classifier: authors, its image preprocessing (the guessed values
 * confirmed) and its metrics from `metrics` (a CSV of two).
 */
export async function fillClassifierDetails(page: Page, metrics: string): Promise<void> {
  await page.getByLabel('Authors (comma separated)').fill('Fleetpack QA');
  await page.getByLabel('Authors (comma separated)').blur();
  await page.getByLabel(/^Color order/).selectOption('RGB');
  await page.getByLabel(/^Mean/).fill('0.485, 0.456, 0.406');
  await page.getByLabel(/^Mean/).blur();
  await page.getByLabel(/^Std/).fill('0.229, 0.224, 0.225');
  await page.getByLabel(/^Std/).blur();
  await page.getByRole('button', { name: 'Confirm guessed values' }).click();
  await page.getByTestId('metrics-input').setInputFiles(metrics);
  await expect(page.getByText('Imported 2 metrics from metrics.csv')).toBeVisible();
}

/** Fills what the prefill leaves open, until the manifest is complete and valid. */
export async function completeManifest(page: Page, metrics: string, version: string): Promise<void> {
  await fillValidManifest(page, 'Ten-class image classifier for the platform e2e test.', version);
  await fillClassifierDetails(page, metrics);
  await page.getByLabel('Filter profiles').fill('x86-64-server');
  await page
    .getByRole('checkbox', { name: /x86-64-server\b(?!-)/ })
    .first()
    .check();
  await expect(page.getByText('The manifest is complete and valid.')).toBeVisible({ timeout: 60_000 });
}

/** Presses Tab until `target` has the focus (a keyboard user's path), failing after `max` presses. */
export async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`never reached ${target.toString()} with Tab`);
}
