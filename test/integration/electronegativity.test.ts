/**
 * Electronegativity (Doyensec) over the Electron shell: the sources in src-main/app and the built
 * out/ (main, preload, renderer). Its exit code is 0 even with findings, so the CSV report is
 * parsed and any HIGH finding fails. A control scan of a deliberately unsafe window proves the
 * gate can fail.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/temp.js';

const ELECTRON_VERSION = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')).version as string;

interface Finding {
  issue: string;
  severity: string;
  file: string;
  location: string;
}

function scan(input: string): Promise<Finding[]> {
  const out = join(tempDir('eneg-'), 'report.csv');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['node_modules/@doyensec/electronegativity/dist/index.js', '-i', input, '-o', out, '-r', '-e', ELECTRON_VERSION],
      { timeout: 120_000 },
      (err) => {
        if (err) return reject(new Error(`electronegativity failed: ${err.message}`, { cause: err }));
        if (!existsSync(out)) return reject(new Error(`electronegativity wrote no report for ${input}`));
        const rows = readFileSync(out, 'utf8').split('\n').slice(1);
        const findings: Finding[] = [];
        for (const row of rows) {
          const m = /^([A-Z_]+),"(INFORMATIONAL|LOW|MEDIUM|HIGH)","\w+","([^"]*)","([^"]*)"/.exec(row);
          if (m) findings.push({ issue: m[1]!, severity: m[2]!, file: m[3]!, location: m[4]! });
        }
        resolve(findings);
      },
    );
  });
}

function ensureBuilt(): void {
  if (!existsSync('out/main/index.js') || !existsSync('out/preload/index.cjs')) {
    const b = spawnSync('npx', ['electron-vite', 'build'], {
      stdio: 'ignore',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
    expect(b.status).toBe(0);
  }
}

describe('the built Electron shell', () => {
  it('main (ESM) and the sandboxed preload (CommonJS) are valid modules, and main loads that preload', () => {
    ensureBuilt();
    for (const f of ['out/main/index.js', 'out/preload/index.cjs']) {
      const r = spawnSync(process.execPath, ['--check', f], { encoding: 'utf8' });
      expect(r.stderr, f).toBe('');
      expect(r.status, f).toBe(0);
    }
    expect(readFileSync('out/main/index.js', 'utf8')).toContain('../preload/index.cjs');
    expect(readFileSync('out/preload/index.cjs', 'utf8')).toMatch(/require\("electron"\)/);
  });
});

describe('Electronegativity', () => {
  it('finds no HIGH issue in the Electron shell (sources and build)', async () => {
    ensureBuilt();
    const unsafe = tempDir('eneg-unsafe-');
    writeFileSync(
      join(unsafe, 'main.js'),
      "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });\n",
    );
    const [app, built, control] = await Promise.all([scan('src-main/app'), scan('out'), scan(unsafe)]);
    const high = [...app, ...built].filter((f) => f.severity === 'HIGH');
    expect(high.map((f) => `${f.issue} ${f.file}:${f.location}`)).toEqual([]);
    // The scan really ran on our files, and it does flag an unsafe window as HIGH.
    expect(built.some((f) => f.file.includes('main/index.js'))).toBe(true);
    expect(control.filter((f) => f.severity === 'HIGH').map((f) => f.issue)).toEqual(
      expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK']),
    );
  }, 180_000);
});
