/**
 * Publishing a 2 GB package from the Studio in the browser host (Debian Chromium, host in this
 * process) vs the CLI's `fleetpack publish` of the same package folder, in one run, each to a
 * fresh `fleetpack platform serve` (SQLite) so neither finds the other's blobs:
 *  - time: Studio (click "Publish" → release shown) ÷ CLI wall time (target ≤ 1.2);
 *  - responsiveness: the page's long tasks while the Studio publishes (target: none over 100 ms).
 * Runs under test/tools/with-services.sh (keychain for the platforms' passphrases and the token).
 */
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost } from '../../src-main/host/index.js';
import type { Manifest } from '../../src-main/studio/contract.js';
import { writeLargeOnnx } from '../fixtures/onnx-large.js';
import { fleetpack, serve, type ServeProcess } from '../fixtures/platform-process.js';
import { BENCH_DATA, writeReport } from './lib.js';

const MODEL = join(BENCH_DATA, 'onnx-2g-1024init.onnx');
mkdirSync(BENCH_DATA, { recursive: true });
if (!existsSync(MODEL)) writeLargeOnnx(MODEL, { count: 1024, rows: 512, cols: 1024 });
if (!existsSync('out/renderer/index.html')) throw new Error('Build the renderer first: npm run build');

const work = mkdtempSync(join(tmpdir(), 'fleetpack-bench-publish-'));

async function platform(name: string): Promise<{ server: ServeProcess; token: string }> {
  const cwd = join(work, name);
  mkdirSync(cwd);
  const init = await fleetpack(['platform', 'init', '--name', name, '--bins', '16'], { cwd });
  if (init.code !== 0) throw new Error(init.err);
  const t = await fleetpack(['platform', 'token', 'create', 'bench', '--role', 'publisher'], { cwd });
  if (t.code !== 0) throw new Error(t.err);
  return { server: await serve([], { cwd }), token: t.out.trim() };
}

const cliSide = await platform('cli');
const studioSide = await platform('studio');
const host = await startHost({ rendererDir: 'out/renderer', sessionOptions: { saveRoot: work } });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

const results: Record<string, unknown> = {};
try {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.getByTestId('model-input').setInputFiles(MODEL);
  await page.getByTestId('model-digest').locator('code').waitFor({ timeout: 900_000 });
  // The manifest's open fields, completed through the same StudioApi the page uses.
  // The page's own session (the only one this host has).
  const api = host.sessions.list()[0]!.session.studioApi;
  const got = await api.getManifest({});
  if (!got.ok) throw new Error(got.error.message);
  const m: Manifest = {
    ...got.value.manifest,
    version: '1.0.0',
    license: 'Apache-2.0',
    description: 'Bench model',
    authors: [{ name: 'bench' }],
    target: { profiles: ['x86-64-server'] },
  };
  const upd = await api.updateManifest({ manifest: m });
  if (!upd.ok || !upd.value.valid)
    throw new Error(`manifest not valid: ${JSON.stringify(upd.ok ? upd.value.problems : upd.error)}`);
  const dest = join(work, 'package');
  const root = await api.listFolders({});
  if (!root.ok) throw new Error(root.error.message);
  const saved = await api.savePackage({ into: root.value.folder.handle, name: 'package' });
  if (!saved.ok) throw new Error(saved.error.message);
  const bytes = saved.value.files.reduce((n, f) => n + f.size, 0);

  // The CLI: the same package folder, to its own platform.
  const t0 = performance.now();
  const cli = await fleetpack(['publish', dest, '--platform', cliSide.server.url, '--channel', 'beta', '--json'], {
    cwd: work,
    env: { FLEETPACK_TOKEN: cliSide.token },
  });
  const cliMs = performance.now() - t0;
  if (cli.code !== 0) throw new Error(cli.err);

  // The Studio: connect, then publish while watching the page's long tasks.
  await page.getByTestId('step-publish').click();
  await page.getByLabel('Platform URL').fill(studioSide.server.url);
  await page.getByLabel('Token').fill(studioSide.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('platform-facts').waitFor();
  await page.getByRole('button', { name: 'Publish to beta' }).waitFor();
  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  const t1 = performance.now();
  await page.getByRole('button', { name: 'Publish to beta' }).click();
  await page.getByTestId('published-targets').waitFor({ timeout: 900_000 });
  const studioMs = performance.now() - t1;
  const longTasks = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
  Object.assign(results, {
    publish2GB: {
      bytes,
      modelBytes: statSync(MODEL).size,
      cliMs: Math.round(cliMs),
      studioMs: Math.round(studioMs),
      ratioStudioVsCli: Number((studioMs / cliMs).toFixed(3)),
      targetRatio: 1.2,
      longTasks: longTasks.length,
      longTasksOver100ms: longTasks.filter((d) => d > 100).length,
      longestTaskMs: Math.round(Math.max(0, ...longTasks)),
    },
  });
  console.log(JSON.stringify(results, null, 2));
  writeReport('studio-publish', results);
} finally {
  await browser.close();
  await host.close();
  await cliSide.server.kill('SIGTERM');
  await studioSide.server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
