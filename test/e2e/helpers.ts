import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
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

/** The Manifest step: what a prefilled ONNX model still needs to be valid (version 1.0.0, a license). */
export async function fillValidManifest(page: Page, description: string): Promise<void> {
  await page.getByTestId('step-manifest').click();
  await page.getByLabel('Version (semver)').fill('1.0.0');
  await page.getByLabel('Description').fill(description);
  await page.getByLabel('License (SPDX expression)').fill('Apache-2.0');
  await expect(page.getByTestId('license-check')).toContainText('valid SPDX');
  await page.getByLabel('License (SPDX expression)').blur();
}
