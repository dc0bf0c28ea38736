/**
 * Starts `fleetpack studio --web` (from source, via tsx) on a random port and hands its URL to the
 * tests through STUDIO_URL. Builds the renderer first when out/renderer is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { SAVE_ROOT } from './helpers';

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync('out/renderer/index.html')) {
    const b = spawnSync('npx', ['electron-vite', 'build'], {
      stdio: 'inherit',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
    if (b.status !== 0) throw new Error('electron-vite build failed');
  }
  mkdirSync('test-results', { recursive: true });
  // Packages are saved under this root (the page picks folders inside it); fresh for every run.
  rmSync(SAVE_ROOT, { recursive: true, force: true });
  mkdirSync(SAVE_ROOT, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src-main/cli/fleetpack.ts', 'studio', '--web', '--root', SAVE_ROOT],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`studio did not start in time:\n${out}\n${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`studio exited with ${code}:\n${out}\n${err}`)));
  });
  process.env.STUDIO_URL = url;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (err.trim()) console.log(`studio host stderr:\n${err.slice(-4000)}`);
  };
}
