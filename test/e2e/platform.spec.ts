/**
 * The Studio against a real platform: `fleetpack platform init` + `platform serve` (SQLite) started
 * here, reached through a TCP front that can slow uploads down. The journey from a dropped model to
 * a release on beta, promote to stable (first with nothing there, then with the diff), a release
 * reviewed from the platform, a publish refused per file, a keyboard-only publish, a publish paused,
 * cancelled and resumed, and the platform killed mid-publish then resumed. Tokens never reach the
 * page. Screenshots of each new screen, axe on each.
 */
import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetpack, serve, type ServeProcess } from '../fixtures/platform-process';
import { freePort, startRegistry, type RegistryServer } from '../fixtures/registry';
import { slowProxy, type SlowProxy } from '../fixtures/slow-proxy';
import { writeBigClassifier, writeFixtures } from './fixtures';
import { completeManifest, dropFile, expectAccessible, openStudio, shot, signWithNewKey, tabTo } from './helpers';

const fx = writeFixtures();
const big = writeBigClassifier(447);
const big2 = writeBigClassifier(448);
const keyName = `e2e-pub-${Date.now().toString(36)}`;

test.describe.configure({ mode: 'serial' });

let page: Page;
let work: string;
let port: number;
let server: ServeProcess;
let proxy: SlowProxy;
let token: string;
let rootKeyIds: string[];
let registry: RegistryServer;
const regUser = { user: 'studio', password: `pw-${Date.now().toString(36)}-registry` };
const apiBodies: string[] = [];

async function startServer(): Promise<ServeProcess> {
  return serve(['--listen', `127.0.0.1:${port}`], { cwd: work });
}

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'fleetpack-e2e-platform-'));
  const init = await fleetpack(['platform', 'init', '--name', 'e2e-lab', '--bins', '16', '--json'], { cwd: work });
  expect(init.code, init.err).toBe(0);
  rootKeyIds = (JSON.parse(init.out) as { rootKeyIds: string[] }).rootKeyIds;
  const t = await fleetpack(['platform', 'token', 'create', 'studio-e2e', '--role', 'publisher'], { cwd: work });
  expect(t.code, t.err).toBe(0);
  token = t.out.trim();
  port = await freePort();
  server = await startServer();
  proxy = await slowProxy(port);
  registry = await startRegistry({ auth: { kind: 'htpasswd', users: [regUser] } });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/op/'))
      void r
        .text()
        .then((b) => apiBodies.push(b))
        .catch(() => undefined);
  });
});

test.afterAll(async () => {
  await page.context().close();
  await proxy.stop();
  await registry.stop();
  await server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

const step = (id: string) => page.getByTestId(`step-${id}`);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function progressAtLeast(pct: number): Promise<void> {
  await expect
    .poll(
      async () =>
        Number(await page.getByRole('progressbar', { name: /Publishing|Paused/ }).getAttribute('aria-valuenow')),
      {
        timeout: 60_000,
      },
    )
    .toBeGreaterThanOrEqual(pct);
}

test('build a signed package with an SBOM', async () => {
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/);
  await completeManifest(page, fx.metrics, '1.0.0');
  await step('sbom').click();
  await page.getByRole('button', { name: 'Generate CycloneDX ML-BOM' }).click();
  await expect(page.getByTestId('sbom-ref')).toContainText('cyclonedx');
  await signWithNewKey(page, keyName);
  // The platform's operator registers the publisher's public key (so the platform verifies model.sig).
  await page.getByText(`Public key of ${keyName}`).click();
  const pem = join(work, 'publisher.pub.pem');
  writeFileSync(pem, (await page.getByTestId('public-key').textContent()) ?? '');
  const added = await fleetpack(['platform', 'publisher', 'add-key', 'studio-e2e', pem], { cwd: work });
  expect(added.code, added.err).toBe(0);
});

test('connect: the token goes to the keychain; name, root key ids and health are shown', async () => {
  await step('publish').click();
  await page.getByLabel('Platform URL').fill(proxy.url);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('platform-health')).toHaveText('Connected to e2e-lab');
  await expect(page.getByTestId('root-key-id')).toHaveText(rootKeyIds);
  await expect(page.getByLabel('Token')).toHaveValue('');
  // The platform knows no device yet: "no device in scope", never a pass.
  await expect(page.getByTestId('platform-preview-report').getByTestId('no-device-in-scope')).toBeVisible();
  await shot(page, 'p01-publish-connected');
  await expectAccessible(page, 'publish-connected');
});

test('publish to beta: release id, digest, TUF targets and version', async () => {
  await page.getByLabel('Channel', { exact: true }).selectOption('beta');
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  await expect(page.getByTestId('published')).toBeVisible({ timeout: 60_000 });
  const facts = page.getByTestId('published-facts');
  await expect(facts).toContainText('beta');
  await expect(facts).toContainText(/sha256:[0-9a-f]{64}/);
  await expect(facts).toContainText(/verified \(key [0-9a-f]{16}…\)/);
  await expect(page.getByTestId('published-targets')).toContainText(/models\/[\w-]+\/1\.0\.0\/fleetpack\.json/);
  await expect(step('publish')).toHaveAttribute('data-state', 'done');
  await shot(page, 'p02-published');
  await expectAccessible(page, 'published');
});

test('platform view: the release, coverage by channel, no rollouts yet; promote to an empty stable', async () => {
  await page.getByRole('button', { name: 'Open in the Platform view' }).click();
  const releases = page.getByTestId('releases');
  await expect(releases).toContainText('1.0.0');
  await expect(releases.getByTestId('release-channels')).toHaveText('beta');
  await expect(page.getByTestId('coverage')).toContainText('Channel beta');
  await expect(page.getByRole('region', { name: 'Rollouts' })).toContainText('No rollouts yet');
  await page.getByRole('button', { name: /^Promote .*…$/ }).click();
  await expect(page.getByTestId('promote-confirm')).toContainText('stable has no release');
  await page.getByRole('button', { name: 'Confirm promotion' }).click();
  await expect(page.getByTestId('promoted')).toContainText('stable: (none) → 1.0.0');
  await expect(releases.getByTestId('release-channels')).toHaveText('beta, stable');
  await shot(page, 'p03-platform-view');
  await expectAccessible(page, 'platform-view');
});

test('keyboard only: version 1.1.0 signed again, then published to beta without the mouse', async () => {
  await page.getByRole('button', { name: 'Build a package' }).click();
  await step('manifest').click();
  await page.getByLabel('Version (semver)').fill('1.1.0');
  await page.getByLabel('License (SPDX expression)').fill('MIT');
  await expect(page.getByTestId('license-check')).toContainText('valid SPDX');
  await step('sign').click();
  await page.getByRole('button', { name: 'Sign package' }).click();
  await expect(page.getByTestId('signed')).toBeVisible();
  await expect(page.getByTestId('changed-after-signing')).toHaveCount(0);
  // From here on only the keyboard.
  await step('publish').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Publish', level: 2 }).first()).toBeVisible();
  const channel = page.getByLabel('Channel', { exact: true });
  await tabTo(page, channel);
  await expect(channel).toHaveValue('beta');
  const publish = page.getByRole('button', { name: 'Publish to beta' });
  await tabTo(page, publish);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('published-targets')).toContainText(/\/1\.1\.0\//, { timeout: 60_000 });
  await shot(page, 'p04-keyboard-published');
});

test('promote 1.1.0 to stable: the confirmation shows the diff against 1.0.0', async () => {
  await page.getByTestId('mode-platform').click();
  await expect(page.getByTestId('releases')).toContainText('1.1.0');
  await page.getByRole('button', { name: /^Promote .*…$/ }).click();
  const confirm = page.getByTestId('promote-confirm');
  await expect(confirm).toContainText('stable has 1.0.0 now');
  const diff = confirm.getByTestId('diff-table');
  await expect(diff).toContainText('Apache-2.0');
  await expect(diff).toContainText('MIT');
  await shot(page, 'p05-promote-diff');
  await expectAccessible(page, 'promote-diff');
  await page.getByRole('button', { name: 'Confirm promotion' }).click();
  await expect(page.getByTestId('promoted')).toContainText('stable: 1.0.0 → 1.1.0');
  await expect(page.locator('tr[data-version="1.1.0"]').getByTestId('release-channels')).toHaveText('beta, stable');
});

test('review a release from the platform: downloaded, verified locally with the keychain key', async () => {
  await page.getByRole('button', { name: /^Review .* 1\.1\.0$/ }).click();
  await expect(page.getByTestId('verify-ok')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('review-facts')).toContainText('1.1.0');
  await expect(page.getByTestId('package-files')).toContainText('model.sig');
  await shot(page, 'p06-review-release');
  await expectAccessible(page, 'review-release');
});

test('a package changed after signing is refused, each problem by file and field', async () => {
  await page.getByRole('button', { name: 'Build a package' }).click();
  await step('manifest').click();
  await page.getByLabel('Version (semver)').fill('1.2.0');
  await page.getByLabel('Description').fill('Changed after signing: the signature no longer covers this.');
  await page.getByLabel('Description').blur();
  await step('publish').click();
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  const refused = page.getByTestId('publish-refused');
  await expect(refused).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('publish-problems')).toContainText('fleetpack.json');
  await expect(page.getByTestId('publish-problems')).toContainText('signature');
  await expect(step('publish')).toHaveAttribute('data-state', 'attention');
  await shot(page, 'p07-refused');
  await expectAccessible(page, 'refused');
});

test('push to a registry from the Package step, publish the pinned reference, review the reference', async () => {
  // Signed again, so the package pushed and published is the one that was signed.
  await step('sign').click();
  await page.getByRole('button', { name: 'Sign package' }).click();
  await expect(page.getByTestId('changed-after-signing')).toHaveCount(0);
  await step('package').click();
  await page.getByRole('checkbox', { name: /Plain HTTP/ }).check();
  await page.getByText('Registry sign-in').click();
  await page.getByLabel('Registry', { exact: true }).fill(registry.host);
  await page.getByLabel('User').fill(regUser.user);
  await page.getByLabel('Password or token').fill(regUser.password);
  await page.getByRole('form', { name: 'Registry sign-in' }).getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('the credentials are in the OS keychain')).toBeVisible();
  await expect(page.getByLabel('Password or token')).toHaveValue('');
  await page.getByLabel('Reference').fill(`${registry.host}/models/classifier`);
  await page.getByRole('button', { name: 'Push', exact: true }).click();
  const pinned = page.getByTestId('pinned-reference');
  await expect(pinned).toHaveValue(new RegExp(`^${registry.host}/models/classifier:1\\.2\\.0@sha256:[0-9a-f]{64}$`), {
    timeout: 60_000,
  });
  const reference = await pinned.inputValue();
  await shot(page, 'p08-pushed');
  await expectAccessible(page, 'pushed');

  // The platform reads the registry with its own credentials (set up by its operator).
  const added = await fleetpack(
    [
      'platform',
      'registry',
      'add',
      registry.host,
      '--username',
      regUser.user,
      '--password-env',
      'REG_PW',
      '--plain-http',
    ],
    { cwd: work, env: { REG_PW: regUser.password } },
  );
  expect(added.code, added.err).toBe(0);
  await step('publish').click();
  await page.getByLabel('Channel', { exact: true }).selectOption('canary');
  await page.getByRole('radio', { name: /From a registry/ }).check();
  await expect(page.getByRole('textbox', { name: 'Pinned reference' })).toHaveValue(reference);
  await page.getByRole('button', { name: 'Publish to canary' }).click();
  await expect(page.getByTestId('published-targets')).toContainText(/\/1\.2\.0\//, { timeout: 60_000 });
  await expect(page.getByTestId('published-facts')).toContainText('canary');
  await shot(page, 'p09-published-from-registry');

  await page.getByTestId('mode-review').click();
  await page.getByRole('checkbox', { name: /Plain HTTP/ }).check();
  await page.getByLabel('Or a registry reference').fill(reference);
  await page.getByRole('button', { name: 'Open reference' }).click();
  await expect(page.getByTestId('verify-ok')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('review-facts')).toContainText('1.2.0');
  await shot(page, 'p10-review-reference');
  await expectAccessible(page, 'review-reference');
  await page.getByRole('button', { name: 'Build a package' }).click();
});

test('a big publish paused, cancelled and resumed: the bytes already sent are not sent again', async () => {
  await step('model').click();
  await page.getByTestId('model-input').setInputFiles(big);
  // The new model's own digest (the previous model's is on screen until it opens).
  await expect(page.getByTestId('model-digest')).toContainText(sha256(big), { timeout: 60_000 });
  await completeManifest(page, fx.metrics, '2.0.0');
  await step('publish').click();
  const size = statSync(big).size;
  proxy.setRate(3_000_000);
  const before = proxy.upstreamBytes();
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  await progressAtLeast(10);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Paused' })).toBeVisible();
  await shot(page, 'p11-paused');
  await expectAccessible(page, 'paused');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  // Past the first 16 MiB chunk: the platform has acknowledged it; the chunk in flight may be lost.
  await progressAtLeast(75);
  await page.getByRole('button', { name: 'Cancel publish' }).click();
  await expect(page.getByTestId('publish-cancelled')).toBeVisible();
  await page.getByRole('button', { name: 'Resume publish' }).click();
  await expect(page.getByTestId('published-targets')).toContainText(/\/2\.0\.0\//, { timeout: 90_000 });
  const sent = proxy.upstreamBytes() - before;
  // Resumed: at most the chunk in flight is sent again (a restart from zero would be over 1.75×).
  expect(sent).toBeGreaterThanOrEqual(size);
  expect(sent).toBeLessThan(size * 1.5);
});

test('the platform goes away mid-publish: a clear error, then resumed once it is back', async () => {
  // Other weights: nothing of them is on the platform yet.
  await step('model').click();
  await page.getByTestId('model-input').setInputFiles(big2);
  await expect(page.getByTestId('model-digest')).toContainText(sha256(big2), { timeout: 60_000 });
  await completeManifest(page, fx.metrics, '2.0.1');
  await step('publish').click();
  const size = statSync(big2).size;
  const before = proxy.upstreamBytes();
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  await progressAtLeast(75);
  await server.kill('SIGKILL');
  const stopped = page.getByRole('alert').filter({ hasText: 'The publish stopped before it finished' });
  await expect(stopped).toContainText('Cannot reach the platform', { timeout: 60_000 });
  await expect(page.getByTestId('platform-health')).toContainText('unreachable');
  await shot(page, 'p12-platform-gone');
  await expectAccessible(page, 'platform-gone');
  server = await startServer();
  proxy.setRate(0);
  await page.getByRole('button', { name: 'Resume publish' }).click();
  await expect(page.getByTestId('published-targets')).toContainText(/\/2\.0\.1\//, { timeout: 90_000 });
  expect(proxy.upstreamBytes() - before).toBeLessThan(size * 1.5);
  await expect(page.getByTestId('platform-health')).toHaveText('Connected to e2e-lab');
  await shot(page, 'p13-resumed');
});

test('no token ever reached the page', async () => {
  expect(apiBodies.length).toBeGreaterThan(10);
  for (const b of apiBodies) {
    expect(b).not.toContain(token);
    expect(b).not.toContain(regUser.password);
  }
  expect(await page.content()).not.toContain(token);
  const stored = await page.evaluate(() => {
    const out: string[] = [];
    for (const s of [sessionStorage, localStorage])
      for (let i = 0; i < s.length; i++) out.push(`${s.key(i)}=${s.getItem(s.key(i) ?? '')}`);
    return out.join('\n');
  });
  expect(stored).not.toContain(token);
});
