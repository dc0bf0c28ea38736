/**
 * `npm start` as a newcomer runs it: without the Electron binary (electron's own
 * ELECTRON_OVERRIDE_DIST_PATH points at an empty folder, so this holds on machines that have it),
 * the Studio is served to the browser; the printed URL answers with the UI and the StudioApi.
 * Ctrl-C stops it and removes the session's working folder. Also: `--web` forces the browser host
 * when the binary is there, and a desktop's browser launcher (xdg-open) is handed the URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBrowser, planBrowserLaunch } from '../../src-main/cli/open-browser.js';
import { browserReason } from '../tools/start.mjs';
import { tempDir } from '../fixtures/temp.js';

interface Started {
  child: ChildProcess;
  url: string;
  out: () => string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  // Only the process groups this file started.
  for (const c of running.splice(0)) if (c.pid && groupAlive(c.pid)) process.kill(-c.pid, 'SIGKILL');
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process of the group has ended (the host, not only the npm in front of it). */
async function groupEnded(pgid: number): Promise<void> {
  const until = Date.now() + 30_000;
  while (groupAlive(pgid)) {
    if (Date.now() > until) throw new Error('the started processes did not stop within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A clean environment: no display, no inherited Electron settings; `extra` on top. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DISPLAY: _d, WAYLAND_DISPLAY: _w, ELECTRON_OVERRIDE_DIST_PATH: _e, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** `npm start -- ARGS` as the README says, or the start script itself (`node test/tools/start.mjs`). */
function start(how: 'npm' | 'script', args: string[], environment: NodeJS.ProcessEnv): Promise<Started> {
  const child =
    how === 'npm'
      ? spawn('npm', ['start', '--', ...args], { env: environment, detached: true })
      : spawn(process.execPath, ['test/tools/start.mjs', ...args], { env: environment, detached: true });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /Fleetpack Studio is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      // Wait for the line after the URL too: it says whether a browser was opened.
      if (m && /Press Ctrl-C to stop/.test(out)) resolve({ child, url: m[1]!, out: () => out, exited });
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before printing a URL:\n${out}\n${err}`)));
  });
}

/** Ctrl-C, as a terminal sends it: SIGINT to the whole process group; waits until all have ended. */
async function ctrlC(s: Started): Promise<void> {
  process.kill(-s.child.pid!, 'SIGINT');
  await groupEnded(s.child.pid!);
}

describe('npm start', () => {
  it('without the Electron binary serves the Studio to the browser at the printed URL', async () => {
    const noElectron = tempDir('fp-no-electron-');
    const work = tempDir('fp-start-tmp-');
    const s = await start('npm', [], env({ ELECTRON_OVERRIDE_DIST_PATH: noElectron, TMPDIR: work }));

    // One line says why, before the URL.
    const lines = s.out().split('\n');
    const why = lines.findIndex((l) => l.startsWith('Fleetpack Studio opens in your browser:'));
    expect(why).toBeGreaterThanOrEqual(0);
    expect(lines[why]).toContain('the Electron binary is not installed');
    expect(why).toBeLessThan(lines.findIndex((l) => l.includes('is running at')));
    // No display here: no browser is started, and that is not a failure.
    expect(s.out()).toContain('No browser opened: there is no graphical session here.');

    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<title>Fleetpack Studio</title>');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(new URL(script!, s.url))).status).toBe(200);

    const token = new URL(s.url).searchParams.get('token')!;
    const api = await fetch(new URL('/api/op/listExamples', s.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: '{}',
    });
    const examples = (await api.json()) as { ok: boolean; value: { name: string }[] };
    expect(examples.ok).toBe(true);
    expect(examples.value.map((e) => e.name)).toContain('person-presence');
    expect(readdirSync(work).some((f) => f.startsWith('fleetpack-studio-'))).toBe(true);

    await ctrlC(s);
    // The host shut down cleanly: its working folder is gone.
    expect(readdirSync(work).filter((f) => f.startsWith('fleetpack-studio-'))).toEqual([]);
  }, 180_000);

  it('--web forces the browser host when the Electron binary is there, hands the URL to xdg-open, stops on SIGTERM', async () => {
    const dist = tempDir('fp-electron-');
    writeFileSync(join(dist, 'electron'), ''); // present, so only --web sends the Studio to the browser
    const bin = tempDir('fp-bin-');
    const opened = join(bin, 'opened.txt');
    // The desktop's launcher cannot run here (no desktop): a stand-in records what it was given.
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$*" > '${opened}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const work = tempDir('fp-start-tmp-');
    const s = await start(
      'script',
      ['--web'],
      env({
        ELECTRON_OVERRIDE_DIST_PATH: dist,
        DISPLAY: ':77',
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        TMPDIR: work,
      }),
    );
    expect(s.out()).toContain('Fleetpack Studio opens in your browser: the browser host was asked for (--web).');
    expect(s.out()).toContain('Opened in your browser (xdg-open).');
    expect(readFileSync(opened, 'utf8')).toBe(s.url);
    expect((await fetch(s.url)).status).toBe(200);
    // A supervisor stops the start script alone: it passes the signal on and exits 0 once the host has.
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    await groupEnded(s.child.pid!);
    expect(readdirSync(work).filter((f) => f.startsWith('fleetpack-studio-'))).toEqual([]);
  }, 180_000);

  it('refuses an unknown option with usage', async () => {
    const child = spawn('npm', ['start', '--', '--bogus'], { env: env({}), detached: true });
    running.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('start: unknown option --bogus');
    expect(err).toContain('usage: npm start');
  });
});

describe('desktop app or browser', () => {
  it('the desktop app needs the Electron binary and, on Linux, a display', () => {
    const saved = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    try {
      process.env.ELECTRON_OVERRIDE_DIST_PATH = tempDir('fp-no-electron-');
      expect(browserReason({ web: false }, { DISPLAY: ':0' }, 'linux')).toMatch(/Electron binary is not installed/);
      writeFileSync(join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron'), '');
      expect(browserReason({ web: false }, { DISPLAY: ':0' }, 'linux')).toBeUndefined();
      expect(browserReason({ web: false }, {}, 'linux')).toBe('there is no graphical display for the desktop app');
      expect(browserReason({ web: false }, {}, 'darwin')).toBeUndefined();
      expect(browserReason({ web: true }, { DISPLAY: ':0' }, 'linux')).toMatch(/--web/);
    } finally {
      if (saved === undefined) delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
      else process.env.ELECTRON_OVERRIDE_DIST_PATH = saved;
    }
  });
});

describe('opening the default browser', () => {
  const url = 'http://127.0.0.1:1234/?token=abc';

  it('uses open on macOS, start on Windows, xdg-open in a graphical Linux session only', () => {
    expect(planBrowserLaunch(url, 'darwin', {})).toEqual({ ok: true, command: 'open', args: [url] });
    expect(planBrowserLaunch(url, 'win32', {})).toMatchObject({ ok: true, command: 'cmd.exe' });
    expect(planBrowserLaunch(url, 'linux', { WAYLAND_DISPLAY: 'wayland-0' })).toEqual({
      ok: true,
      command: 'xdg-open',
      args: [url],
    });
    // Without a display, xdg-open would start a text browser in the terminal.
    expect(planBrowserLaunch(url, 'linux', {})).toMatchObject({ ok: false });
  });

  it('never fails when there is no launcher: it says so', async () => {
    const empty = tempDir('fp-nopath-');
    mkdirSync(join(empty, 'bin'));
    const r = await openBrowser(url, { platform: 'linux', env: { DISPLAY: ':1', PATH: join(empty, 'bin') } });
    expect(r).toEqual({ opened: false, message: 'No browser opened: xdg-open is not installed.' });
  });

  it('reports a launcher that fails', async () => {
    const bin = tempDir('fp-bin-');
    writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 3\n');
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const r = await openBrowser(url, { platform: 'linux', env: { DISPLAY: ':1', PATH: bin } });
    expect(r).toEqual({ opened: false, message: 'No browser opened: xdg-open exited with 3.' });
  });
});
