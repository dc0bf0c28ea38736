#!/usr/bin/env node
/**
 * `npm start`: Fleetpack Studio. The desktop app (electron-vite preview) when the Electron binary
 * is installed and there is a display to show it; otherwise the same UI served to the browser on
 * 127.0.0.1 (`fleetpack studio --web --open`), after one line that says why.
 *
 *   npm start [-- --web] [-- --port N] [-- --no-open]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const at = (/** @type {string[]} */ ...p) => join(ROOT, ...p);
const USAGE = 'usage: npm start [-- --web] [-- --port N] [-- --no-open]';

/** What the browser host serves (the CLI bundle and the renderer), and what they are built from. */
const BUILT = [at('out', 'cli', 'fleetpack.mjs'), at('out', 'renderer', 'index.html')];
const SOURCES = [
  at('src-main'),
  at('src-renderer'),
  at('resources', 'icon.svg'),
  at('electron.vite.config.ts'),
  at('package-lock.json'),
];

/** The Electron executable when it is installed (electron's own lookup; ELECTRON_OVERRIDE_DIST_PATH applies). */
export function electronBinary() {
  try {
    /** @type {unknown} */
    const path = createRequire(at('package.json'))('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Why the Studio goes to the browser rather than the desktop app; undefined = the desktop app. */
export function browserReason(
  /** @type {{ web: boolean }} */ opts,
  /** @type {NodeJS.ProcessEnv} */ env = process.env,
  platform = process.platform,
) {
  if (opts.web) return 'the browser host was asked for (--web)';
  if (!electronBinary())
    return 'the Electron binary is not installed (`npm run setup -- --desktop` fetches it where GitHub is reachable)';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return 'there is no graphical display for the desktop app';
  return undefined;
}

function newestMtime(/** @type {string} */ path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** True when the build is missing or older than a source it is made from. */
export function buildIsStale() {
  const built = BUILT.map((p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs);
  if (built.some((t) => t === undefined)) return true;
  return Math.max(...SOURCES.map(newestMtime)) > Math.min(.../** @type {number[]} */ (built));
}

function build() {
  for (const args of [
    [at('src-main', 'cli', 'build.mjs')],
    [at('node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  ]) {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout}${r.stderr}`);
      console.error('start: the build failed (above). Fix it, or run `npm run setup` again if node_modules is broken.');
      return false;
    }
  }
  return true;
}

/** Runs a child in the foreground and exits with its code; Ctrl-C / SIGTERM reach it once. */
function foreground(/** @type {string[]} */ args) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  let forwarded = false;
  const forward = () => {
    // The terminal's Ctrl-C reaches the child itself; a supervisor's signal may reach only us.
    if (!forwarded) child.kill('SIGTERM');
    forwarded = true;
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

function main(/** @type {string[]} */ argv) {
  const opts = { web: false, open: true, port: /** @type {string | undefined} */ (undefined) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--web') opts.web = true;
    else if (a === '--no-open') opts.open = false;
    else if (a === '--port' && argv[i + 1] !== undefined) opts.port = argv[++i];
    else if (a?.startsWith('--port=')) opts.port = a.slice('--port='.length);
    else {
      console.error(a === '--help' || a === '-h' ? USAGE : `start: unknown option ${a}\n${USAGE}`);
      return a === '--help' || a === '-h' ? 0 : 2;
    }
  }
  if (!existsSync(at('node_modules', '.package-lock.json'))) {
    console.error('Fleetpack is not installed yet: run `npm run setup` first.');
    return 1;
  }
  const reason = browserReason(opts);
  if (reason === undefined) {
    foreground([at('node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview']);
    return undefined;
  }
  console.log(`Fleetpack Studio opens in your browser: ${reason}.`);
  if (buildIsStale()) {
    const first = BUILT.some((p) => !existsSync(p));
    console.log(`Building the Studio (${first ? 'first start' : 'the sources changed since the last build'})…`);
    if (!build()) return 1;
  }
  const cli = [at('out', 'cli', 'fleetpack.mjs'), 'studio', '--web'];
  if (opts.open) cli.push('--open');
  if (opts.port !== undefined) cli.push('--port', opts.port);
  foreground(cli);
  return undefined;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const code = main(process.argv.slice(2));
  if (code !== undefined) process.exitCode = code;
}
