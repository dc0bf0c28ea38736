/**
 * Rollouts from the Studio against a real platform: `fleetpack platform serve` (SQLite) started
 * here with two registered devices on beta, then two real `fleetpack-agent` processes (temp
 * folders, different facts). The Publish step shows the platform's own preview (the declines a
 * rollout would make, and "no device in scope" on an empty channel); the Platform view starts a
 * rollout, pauses it before the agents run, resumes it and shows the counts change as the agents
 * report, without a reload; a second release rolls back on the device whose health check fails,
 * halts the rollout (failure threshold 0 %) and is aborted. Screenshots and axe on each screen.
 */
import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, waitUntil, type AgentProcess } from '../fixtures/agent-process';
import { fleetpack, serve, type ServeProcess } from '../fixtures/platform-process';
import { freePort } from '../fixtures/registry';
import { writeBigClassifier, writeFixtures } from './fixtures';
import { completeManifest, dropFile, expectAccessible, openStudio, shot, tabTo } from './helpers';

const fx = writeFixtures();
const other = writeBigClassifier(5);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Fits the Studio's classifier (x86-64 server, ONNX Runtime 1.20 with the CPU execution provider). */
const SERVER = {
  profile: 'x86-64-server',
  facts: {
    memoryMiB: 16384,
    runtimes: { onnxruntime: { version: '1.20.1', executionProviders: ['CPUExecutionProvider'] } },
  },
};
/** A Raspberry Pi 4 with ONNX Runtime 1.10: too old for the model's opset, declined before anything ships. */
const OLD_PI = {
  profile: 'raspberrypi-4-4gb',
  facts: { runtimes: { onnxruntime: { version: '1.10.0', executionProviders: ['CPUExecutionProvider'] } } },
};

test.describe.configure({ mode: 'serial' });

let page: Page;
let work: string;
let server: ServeProcess;
let token: string;
let rootFile: string;
const deviceTokens: Record<string, string> = {};
const agents: AgentProcess[] = [];

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'fleetpack-e2e-rollout-'));
  const init = await fleetpack(['platform', 'init', '--name', 'e2e-fleet', '--bins', '16', '--json'], { cwd: work });
  expect(init.code, init.err).toBe(0);
  rootFile = (JSON.parse(init.out) as { rootFile: string }).rootFile;
  const t = await fleetpack(['platform', 'token', 'create', 'studio-rollout', '--role', 'publisher'], { cwd: work });
  expect(t.code, t.err).toBe(0);
  token = t.out.trim();
  for (const [id, d] of [
    ['srv-1', SERVER],
    ['old-pi-1', OLD_PI],
  ] as const) {
    const facts = join(work, `${id}.facts.json`);
    writeFileSync(facts, JSON.stringify(d.facts));
    const r = await fleetpack(
      ['platform', 'device', 'add', id, '--channel', 'beta', '--profile', d.profile, '--facts', facts],
      { cwd: work },
    );
    expect(r.code, r.err).toBe(0);
    deviceTokens[id] = r.out.trim();
  }
  server = await serve(['--listen', `127.0.0.1:${await freePort()}`], { cwd: work });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});

test.afterAll(async () => {
  for (const a of agents) await a.stop('SIGTERM');
  // The agents' own words, for whoever reads a failure.
  agents.forEach((a, i) => writeFileSync(join('test-results', `rollout-agent-${i}.log`), a.log()));
  await page.context().close();
  await server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

const step = (id: string) => page.getByTestId(`step-${id}`);
const rollouts = () => page.getByRole('region', { name: 'Rollouts' });
const newest = () => rollouts().getByTestId('rollout').first();
const count = (what: string) => newest().getByTestId(`rollout-${what}`);

function agent(id: string, d: { profile: string; facts: unknown }, healthCheck: string): AgentProcess {
  const a = startAgent({
    dir: join(work, `agent-${id}`),
    platform: server.url,
    token: deviceTokens[id]!,
    root: rootFile,
    facts: d,
    healthCheck,
    run: 'sleep 1000',
  });
  agents.push(a);
  return a;
}

test('the Publish step shows the platform’s own preview: the declines a rollout would make', async () => {
  await openStudio(page);
  await dropFile(page, fx.model);
  await expect(page.getByTestId('model-digest')).toContainText(/[0-9a-f]{64}/);
  await completeManifest(page, fx.metrics, '1.0.0');
  await step('publish').click();
  await page.getByLabel('Platform URL').fill(server.url);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('platform-health')).toHaveText('Connected to e2e-fleet');
  await expect(page.getByLabel('Channel', { exact: true })).toHaveValue('beta');
  const preview = page.getByTestId('platform-preview-report');
  const totals = preview.getByTestId('compat-totals');
  await expect(totals).toContainText('1 Compatible');
  await expect(totals).toContainText('1 Declined');
  // The Compatibility step's grouped view: one group per verdict here, its devices on demand.
  const declined = preview.locator('[data-testid="compat-group"][data-verdict="declined"]');
  await expect(declined).toHaveCount(1);
  await expect(declined).toContainText('Fix:');
  await declined.getByText('Show the device').click();
  await expect(declined).toContainText('old-pi-1');
  const compatible = preview.locator('[data-testid="compat-group"][data-verdict="compatible"]');
  await compatible.getByText('Show the device').click();
  await expect(compatible).toContainText('srv-1');
  await shot(page, 'r01-publish-preview');
  await expectAccessible(page, 'publish-preview');

  // A channel where the platform has no device: a warning, never a pass.
  await page.getByLabel('Channel', { exact: true }).selectOption('stable');
  await expect(page.getByTestId('platform-preview-report').getByTestId('no-device-in-scope')).toBeVisible();
  await expect(page.getByText('No device in scope would decline')).toHaveCount(0);
  await shot(page, 'r02-publish-preview-empty');

  await page.getByLabel('Channel', { exact: true }).selectOption('beta');
  await expect(page.getByTestId('platform-preview-report').getByTestId('compat-totals')).toContainText('1 Declined');
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  await expect(page.getByTestId('published')).toBeVisible({ timeout: 60_000 });
});

test('a rollout started from the Platform view, paused, resumed; the counts change as the agents report', async () => {
  await page.getByRole('button', { name: 'Open in the Platform view' }).click();
  await expect(rollouts()).toContainText('No rollouts yet');
  // No reload from here on: a marker on the window would be gone after one.
  await page.evaluate(() => ((window as unknown as { noReload: boolean }).noReload = true));
  const start = page.getByRole('button', { name: /^Start rollout of .* 1\.0\.0 on beta$/ });
  await tabTo(page, start, 120);
  await page.keyboard.press('Enter');
  await expect(newest()).toHaveAttribute('data-state', 'active');
  await expect(count('declined')).toHaveText('1');
  await expect(count('pending')).toHaveText('1');
  const declines = newest().getByTestId('rollout-declines');
  await expect(declines).toContainText('Fix:');
  await expect(declines).toContainText('(1)');

  // Paused by keyboard, before any agent runs: after the confirmation.
  const pause = newest().getByRole('button', { name: /^Pause the rollout/ });
  await tabTo(page, pause, 120);
  await page.keyboard.press('Enter');
  const confirm = newest().getByTestId('rollout-confirm');
  await expect(confirm).toContainText('get nothing until you resume');
  await shot(page, 'r03-rollout-confirm-pause');
  await expectAccessible(page, 'rollout-confirm-pause');
  const confirmPause = confirm.getByRole('button', { name: 'Confirm pause' });
  await tabTo(page, confirmPause);
  await page.keyboard.press('Enter');
  await expect(newest()).toHaveAttribute('data-state', 'paused');

  // Two real agents: the server fits, the old Pi was declined before anything shipped.
  const srv = agent('srv-1', SERVER, `grep -Eq '"version": ?"1\\.0\\.0"' "$FLEETPACK_MODEL_DIR/fleetpack.json"`);
  const pi = agent('old-pi-1', OLD_PI, 'true');
  // Both have asked the platform (their facts reported) while the rollout is paused: nothing ships.
  await waitUntil('both agents to report', async () => {
    const r = await fleetpack(['devices', '--platform', server.url, '--json'], {
      cwd: work,
      env: { FLEETPACK_TOKEN: token },
    });
    const list = (JSON.parse(r.out) as { devices: { id: string; source: string; lastSeenAt?: string }[] }).devices;
    return list.filter((d) => d.lastSeenAt).length === 2 ? list : undefined;
  });
  await page.waitForTimeout(1500); // a few agent polls (300 ms) while paused
  await expect(count('pending')).toHaveText('1');
  await expect(count('installed')).toHaveText('0');
  await shot(page, 'r04-rollout-paused');
  await expectAccessible(page, 'rollout-paused');

  await newest()
    .getByRole('button', { name: /^Resume the rollout/ })
    .click();
  await newest().getByTestId('rollout-confirm').getByRole('button', { name: 'Confirm resume' }).click();
  await expect(count('installed')).toHaveText('1', { timeout: 90_000 });
  await expect(newest()).toHaveAttribute('data-state', 'completed');
  await expect(count('pending')).toHaveText('0');
  await expect(count('declined')).toHaveText('1');
  expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
  await shot(page, 'r05-rollout-completed');
  await expectAccessible(page, 'rollout-completed');
  expect(pi.log()).not.toContain('downloading');
  expect(srv.log()).toMatch(/installed .+@1\.0\.0 \(healthy\)/);
});

test('a release that fails its health check rolls back, halts the rollout, which is then aborted', async () => {
  // Other weights (an agent takes a release with the weights it already runs as installed).
  await page.getByRole('button', { name: 'Build a package' }).click();
  await step('model').click();
  await page.getByTestId('model-input').setInputFiles(other);
  await expect(page.getByTestId('model-digest')).toContainText(sha256(other), { timeout: 60_000 });
  await completeManifest(page, fx.metrics, '1.1.0');
  await step('publish').click();
  await expect(page.getByTestId('platform-preview-report').getByTestId('compat-totals')).toContainText('1 Declined');
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  await expect(page.getByTestId('published-targets')).toContainText(/\/1\.1\.0\//, { timeout: 60_000 });
  const model = (await page.getByTestId('published').locator('strong').first().innerText()).split(' ')[0]!;
  await page.getByRole('button', { name: 'Open in the Platform view' }).click();
  await page.getByLabel('Model', { exact: true }).selectOption(model);
  await page.getByLabel('Halt above % failed').fill('0%');
  await page.getByRole('button', { name: /^Start rollout of .* 1\.1\.0 on beta$/ }).click();
  await expect(newest()).toContainText('1.1.0');
  // The server's check passes only for 1.0.0: it installs 1.1.0, fails the check and rolls back.
  await expect(count('rolledBack')).toHaveText('1', { timeout: 90_000 });
  await expect(newest()).toHaveAttribute('data-state', 'halted');
  await expect(newest().getByTestId('rollout-reason')).toContainText('1 of 1 started devices failed');
  const problems = newest().getByTestId('rollout-problems');
  await expect(problems).toContainText('srv-1');
  await expect(problems).toContainText('health check');
  await shot(page, 'r06-rollout-halted');
  await expectAccessible(page, 'rollout-halted');

  await newest()
    .getByRole('button', { name: /^Abort the rollout/ })
    .click();
  const confirm = newest().getByTestId('rollout-confirm');
  await expect(confirm).toContainText('cannot be resumed');
  await confirm.getByRole('button', { name: 'Confirm abort' }).click();
  await expect(newest()).toHaveAttribute('data-state', 'aborted');
  await expect(newest().getByRole('button', { name: /the rollout/ })).toHaveCount(0);
  // The earlier rollout is still listed, completed.
  await expect(rollouts().getByTestId('rollout').nth(1)).toHaveAttribute('data-state', 'completed');
  await shot(page, 'r07-rollout-aborted');
  await expectAccessible(page, 'rollout-aborted');
});
