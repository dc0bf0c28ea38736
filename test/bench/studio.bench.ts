/**
 * Studio in the browser host (Debian Chromium driven by Playwright, host in this process):
 *  1. drop-to-prefilled-manifest for a 1 GB ONNX model: from the file input's change event to the
 *     model facts and the prefilled manifest on screen (target < 500 ms), and to the full read
 *     confirming it. Peer in the same run: the same flow with a 10 MB model of the same graph.
 *     The first drop of the run warms the host and the page; it is reported apart. The same for
 *     a 1 GB TFLite model.
 *  2. responsiveness while a 2 GB model is sent and hashed: long tasks (PerformanceObserver
 *     'longtask') in the page, counted above 100 ms (target: none).
 */
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startHost } from '../../src-main/host/index.js';
import { writeLargeOnnx, type LargeModelSpec } from '../fixtures/onnx-large.js';
import { deepConvNet, writeTfliteModel } from '../fixtures/tflite-model.js';
import { BENCH_DATA, writeReport } from './lib.js';

const MODELS: Record<string, { file: string; spec: LargeModelSpec }> = {
  '10 MB': { file: join(BENCH_DATA, 'onnx-10m-1024init.onnx'), spec: { count: 1024, rows: 16, cols: 160 } },
  '1 GB': { file: join(BENCH_DATA, 'onnx-1g-1024init.onnx'), spec: { count: 1024, rows: 256, cols: 1024 } },
  '2 GB': { file: join(BENCH_DATA, 'onnx-2g-1024init.onnx'), spec: { count: 1024, rows: 512, cols: 1024 } },
};

mkdirSync(BENCH_DATA, { recursive: true });
for (const [label, m] of Object.entries(MODELS)) {
  if (existsSync(m.file)) continue;
  const t0 = performance.now();
  writeLargeOnnx(m.file, m.spec);
  console.log(`generated ${label} model ${m.file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// The same drop for a 1 GB TFLite model (200 weight buffers), whose tables the reader finds at both ends.
const TFLITE_1G = join(BENCH_DATA, 'tflite-1g.tflite');
if (!existsSync(TFLITE_1G)) {
  await writeTfliteModel(deepConvNet(1024 ** 3), `${TFLITE_1G}.partial`);
  renameSync(`${TFLITE_1G}.partial`, TFLITE_1G);
}

if (!existsSync('out/renderer/index.html')) throw new Error('Build the renderer first: npm run build');
const host = await startHost({ rendererDir: 'out/renderer' });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/**
 * Opens the Studio, picks the file, and returns ms from the change event to the prefilled manifest
 * (`ms`), to the full read confirming it (`confirmMs`: the provisional note gone), and to the digest.
 */
async function dropToManifest(
  file: string,
): Promise<{ ms: number; confirmMs: number; digestMs: number; longTasks: number[] }> {
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.evaluate(() => {
    const w = window as unknown as { __t0?: number; __long: number[] };
    w.__long = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
    document
      .querySelector('[data-testid=model-input]')!
      .addEventListener('change', () => (w.__t0 = performance.now()), { capture: true });
  });
  await page.getByTestId('model-input').setInputFiles(file);
  // A string, not a function: tsx would wrap named helpers in __name(), which the page lacks.
  const ms = await page.evaluate<number>(`new Promise((resolve) => {
    const done = () => document.querySelector('[data-testid=model-format]') && document.querySelector('[data-testid=step-manifest][data-state]');
    if (done()) return resolve(performance.now() - window.__t0);
    new MutationObserver((_, obs) => {
      if (done()) { obs.disconnect(); resolve(performance.now() - window.__t0); }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  })`);
  await page.getByTestId('model-partial').waitFor({ state: 'detached', timeout: 600_000 });
  const confirmMs = await page.evaluate(() => performance.now() - (window as unknown as { __t0: number }).__t0);
  // The digest keeps running in the background; wait for it, watching the page's long tasks.
  await page.getByTestId('model-digest').locator('code').waitFor({ timeout: 600_000 });
  const digestMs = await page.evaluate(() => performance.now() - (window as unknown as { __t0: number }).__t0);
  const longTasks = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
  await page.close();
  return { ms, confirmMs, digestMs, longTasks };
}

const results: Record<string, unknown> = {};
try {
  const cold = await dropToManifest(MODELS['1 GB']!.file);
  const small = [];
  for (let i = 0; i < 3; i++) small.push((await dropToManifest(MODELS['10 MB']!.file)).ms);
  const big = [];
  const confirm = [];
  for (let i = 0; i < 3; i++) {
    const r = await dropToManifest(MODELS['1 GB']!.file);
    big.push(r.ms);
    confirm.push(r.confirmMs);
  }
  const tflite = [];
  for (let i = 0; i < 3; i++) tflite.push((await dropToManifest(TFLITE_1G)).ms);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const huge = await dropToManifest(MODELS['2 GB']!.file);
  const over100 = huge.longTasks.filter((d) => d > 100);
  Object.assign(results, {
    dropToManifest: {
      '10 MB': { medianMs: med(small), runs: small },
      '1 GB': { medianMs: med(big), runs: big, bytes: statSync(MODELS['1 GB']!.file).size, targetMs: 500 },
      // The quick read (header and end) prefills; the full read of every weight header confirms it.
      '1 GB confirmed by the full read': { medianMs: med(confirm), runs: confirm },
      ratio1GBvs10MB: med(big) / med(small),
      '1 GB TFLite': { medianMs: med(tflite), runs: tflite, bytes: statSync(TFLITE_1G).size },
      '1 GB, first drop after the host started': cold.ms,
    },
    hash2GB: {
      bytes: statSync(MODELS['2 GB']!.file).size,
      dropToManifestMs: huge.ms,
      dropToDigestMs: huge.digestMs,
      longTasks: huge.longTasks.length,
      longTasksOver100ms: over100.length,
      longestTaskMs: Math.max(0, ...huge.longTasks),
    },
  });
  console.log(JSON.stringify(results, null, 2));
  writeReport('studio', results);
} finally {
  await browser.close();
  await host.close();
}
