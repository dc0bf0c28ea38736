/**
 * Issue 14, item 10: the Studio says what to do in the Studio. Walking every step (a model, its
 * manifest, an attached SBOM, a fleet with unreadable rows, a TensorRT engine without its I/O, and
 * the review of a package that changed after it was made), no visible text names a `fleetpack`
 * command, a `--flag`, or the internals "todo" and "prefill".
 */
import { expect, test, type Page } from '@playwright/test';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mlBom } from '../fixtures/sbom-docs';
import { engineBytes } from '../fixtures/tensorrt-fixtures';
import { tempDir } from '../fixtures/temp.js';
import { FIXTURES, writeFixtures } from './fixtures';
import { dropFile, expectAccessible, initPackage, openStudio, shot } from './helpers';

const fx = writeFixtures();
const out = tempDir('fleetpack-e2e-words-');
const sbom = join(FIXTURES, 'other-model.cdx.json');
writeFileSync(sbom, JSON.stringify(mlBom('1.6')));
/** Devices whose stated runtime cannot be read: kept, "cannot tell". */
const oddFleet = join(FIXTURES, 'fleet-odd-rows.csv');
writeFileSync(
  oddFleet,
  'id,channel,profile,onnxruntime\nsrv-1,stable,x86-64-server,1.20.1\nsrv-2,stable,x86-64-server,one point twenty\n',
);
const trtDir = join(FIXTURES, 'trt-words');
mkdirSync(trtDir, { recursive: true });
const engine = join(trtDir, 'detector.engine');
writeFileSync(engine, engineBytes({ version: [10, 3, 0, 26] }));

/** A package made by `fleetpack init` whose model changed afterwards and whose manifest lacks the model's facts. */
function changedPackage(): string {
  const dir = initPackage(fx.model, join(out, 'changed-1.0.0'), ['--license', 'MIT']);
  const file = join(dir, 'fleetpack.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  delete m.framework.onnx;
  m.outputs.push({ name: 'extra', dtype: 'float32', shape: [1] });
  m.sbom = { file: 'sbom.cdx.json', format: 'cyclonedx', specVersion: '1.6' };
  writeFileSync(file, JSON.stringify(m, null, 2));
  appendFileSync(join(dir, 'classifier.onnx'), Buffer.from([0]));
  return dir;
}

const CLI_WORDS: [string, RegExp][] = [
  ['a fleetpack command', /fleetpack [a-z]/],
  ['a --flag', /(^|[\s(`'"])--[a-z]/m],
  ['"todo"', /\btodo\b/i],
  ['"prefill"', /prefill/i],
];

/** The words of the page a user sees, checked for CLI commands and internals. */
async function expectStudioWords(page: Page, where: string): Promise<void> {
  const text = await page.locator('body').innerText();
  const found = CLI_WORDS.filter(([, re]) => re.test(text)).map(
    ([what, re]) => `${where}: ${what} in "…${text.slice(Math.max(0, text.search(re) - 60), text.search(re) + 60)}…"`,
  );
  expect(found).toEqual([]);
}

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

test('building a package: every step speaks the Studio, not the CLI', async ({ page }) => {
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-format')).toContainText('ONNX');
  await expectStudioWords(page, 'model');
  await step(page, 'manifest').click();
  await expect(page.getByTestId('problems')).toContainText('No evaluation metrics given');
  await expectStudioWords(page, 'manifest');
  await shot(page, 'words-manifest');
  await expectAccessible(page, 'words manifest');
  await step(page, 'sbom').click();
  await page.getByTestId('sbom-input').setInputFiles(sbom);
  await expect(page.getByText(/SHA-256/).first()).toBeVisible();
  await expectStudioWords(page, 'sbom');
  await shot(page, 'words-sbom');
  await step(page, 'sign').click();
  await expectStudioWords(page, 'sign');
  await step(page, 'compat').click();
  await page.getByTestId('inventory-input').setInputFiles(oddFleet);
  await expect(page.getByTestId('inventory-summary')).toContainText('2 devices');
  await expect(page.getByTestId('compat-totals')).toBeVisible();
  await expectStudioWords(page, 'compatibility');
  await shot(page, 'words-compat');
  await step(page, 'package').click();
  await expectStudioWords(page, 'package');
});

test('a TensorRT engine without its inputs: the Studio asks in its own words', async ({ page }) => {
  await openStudio(page);
  await dropFile(page, engine);
  await expect(page.getByTestId('model-format')).toContainText('TensorRT');
  await expectStudioWords(page, 'tensorrt model');
  await step(page, 'manifest').click();
  await expect(page.getByTestId('problems')).toContainText('No inputs are listed');
  await expectStudioWords(page, 'tensorrt manifest');
  await shot(page, 'words-tensorrt-manifest');
});

test('reviewing a package that changed after it was made', async ({ page }) => {
  await openStudio(page);
  await page.getByTestId('mode-review').click();
  await page.getByTestId('package-input').setInputFiles(changedPackage());
  await expect(page.getByTestId('review-facts')).toBeVisible();
  await expect(page.getByTestId('problems')).toContainText('error');
  await expectStudioWords(page, 'review');
  await shot(page, 'words-review');
  await expectAccessible(page, 'words review');
});
