/**
 * `npm run setup` on this machine (dry run: nothing installed, node_modules untouched), and the
 * package check it shares with the tests' system-deps, against the real dpkg — including the
 * branch a user without root sees: the exact command to run.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  APP_PACKAGES,
  ensureDebianPackages,
  installCommand,
  installEnv,
  missingDebianPackages,
  otherSystemAdvice,
} from '../tools/setup.mjs';
import { TEST_PACKAGES } from '../tools/system-deps.mjs';

const NO_SUCH = { name: 'fleetpack-no-such-package', why: 'to see the missing-package branch' };

describe('npm run setup', () => {
  it('--dry-run checks the app packages and names the npm ci it would run, without the Electron download', () => {
    const before = statSync('node_modules/.package-lock.json').mtimeMs;
    // As on a fresh machine: no download switches set by the caller (npm test sets them).
    const { ELECTRON_SKIP_BINARY_DOWNLOAD: _e, ONNXRUNTIME_NODE_INSTALL: _o, ...env } = process.env;
    const r = spawnSync('npm', ['run', 'setup', '--', '--dry-run'], { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `Fleetpack Studio: system packages present (${APP_PACKAGES.map((p) => p.name).join(', ')})`,
    );
    expect(r.stdout).toMatch(
      /Would run: ELECTRON_SKIP_BINARY_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip .*npm ci --no-audit --no-fund/,
    );
    expect(statSync('node_modules/.package-lock.json').mtimeMs).toBe(before);
  });

  it('refuses an unknown option with its usage', () => {
    const r = spawnSync('npm', ['run', 'setup', '--', '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('setup: unknown option --bogus');
    expect(r.stderr).toContain('--desktop');
  });

  it('the app needs libsecret to build and run keytar, and a Secret Service; the tests add their own on top', () => {
    const app = APP_PACKAGES.map((p) => p.name);
    expect(app).toEqual(expect.arrayContaining(['libsecret-1-dev', 'libsecret-1-0', 'gnome-keyring']));
    const tests = TEST_PACKAGES.map((p) => p.name);
    expect(tests).toContain('chromium');
    // One owner per package: the tests' list does not repeat the app's.
    expect(tests.filter((t) => app.includes(t))).toEqual([]);
  });

  it('asks dpkg which packages are missing', () => {
    const missing = missingDebianPackages([APP_PACKAGES[0]!, NO_SUCH]);
    expect(missing?.map((p) => p.name)).toEqual([NO_SUCH.name]);
  });

  it('as root in a dry run, says what apt-get would install', () => {
    const lines: string[] = [];
    const ok = ensureDebianPackages([NO_SUCH], 'Fleetpack Studio', { dryRun: true, log: (s) => lines.push(s) });
    expect(process.getuid?.()).toBe(0); // the test machine runs as root; the next test drops it
    expect(ok).toBe(true);
    expect(lines.join('\n')).toContain(`Would run as root: apt-get update && apt-get install -y ${NO_SUCH.name}`);
  });

  it('without root, names the exact command and fails', () => {
    // The real branch, as an unprivileged user (nobody): the check runs, nothing is installed.
    const script = `import('./test/tools/setup.mjs').then((m) => { process.exitCode = m.ensureDebianPackages([${JSON.stringify(NO_SUCH)}], 'Fleetpack Studio') ? 0 : 1; })`;
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${NO_SUCH.name}: ${NO_SUCH.why}`);
    expect(r.stderr).toContain(`Install them as root, then run this again:\n  ${installCommand([NO_SUCH.name])}`);
    expect(installCommand(['a', 'b'], true)).toBe("sudo sh -c 'apt-get update && apt-get install -y a b'");
    expect(installCommand(['a'], false)).toBe("su -c 'apt-get update && apt-get install -y a'");
  });

  it('tells macOS and Windows users what they need instead', () => {
    expect(otherSystemAdvice('darwin').join(' ')).toMatch(/Keychain.*xcode-select --install/);
    expect(otherSystemAdvice('win32').join(' ')).toMatch(/Credential Manager.*Build Tools/);
  });

  it("keeps a user's own Electron and onnxruntime settings", () => {
    expect(installEnv({}).ELECTRON_SKIP_BINARY_DOWNLOAD).toBe('1');
    expect(installEnv({}).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
    expect(installEnv({ ELECTRON_SKIP_BINARY_DOWNLOAD: '' }).ELECTRON_SKIP_BINARY_DOWNLOAD).toBe('');
    expect(installEnv({ npm_config_nodedir: '/opt/node' }).npm_config_nodedir).toBe('/opt/node');
  });
});
