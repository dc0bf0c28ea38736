#!/usr/bin/env node
/**
 * `npm run setup`: what Fleetpack Studio needs on this machine, from a fresh clone. It runs before
 * node_modules exists, so it is plain Node with built-in modules only.
 *
 * 1. The system packages the app needs (Debian/Ubuntu): installed when run as root, otherwise
 *    named with the exact command to run. Other systems are told what they need instead.
 * 2. `npm ci` without the Electron binary download (it is not reachable from many locked-down
 *    machines; `npm start` then serves the Studio to the browser). `--desktop` tries it afterwards.
 *
 * This file owns the app's package list; test/tools/system-deps.mjs adds what only the tests need.
 *
 *   npm run setup [-- --desktop] [-- --no-system] [-- --dry-run]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** @typedef {{ name: string, why: string }} SystemPackage */

/**
 * Debian/Ubuntu packages of the app. keytar (the OS keychain binding) is compiled on install:
 * its prebuilt binaries come from GitHub, which locked-down machines cannot reach.
 * @type {SystemPackage[]}
 */
export const APP_PACKAGES = [
  { name: 'libsecret-1-dev', why: 'keytar, the OS keychain binding, is compiled against libsecret' },
  { name: 'build-essential', why: 'the C++ compiler and make that compile keytar' },
  { name: 'python3', why: 'node-gyp, which compiles keytar' },
  { name: 'pkg-config', why: "node-gyp finds libsecret's build flags with it" },
  { name: 'libsecret-1-0', why: 'keytar loads it at run time' },
  { name: 'gnome-keyring', why: 'a Secret Service that keeps the signing keys (any other Secret Service works too)' },
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MIN_NODE = /** @type {const} */ ([20, 19]);

/** The installed-or-not state of each package, from dpkg. Undefined without dpkg (not Debian-like). */
export function missingDebianPackages(/** @type {SystemPackage[]} */ packages) {
  if (!onPath('dpkg-query')) return undefined;
  return packages.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p.name], { encoding: 'utf8' });
    return !(r.status === 0 && r.stdout.includes('install ok installed'));
  });
}

/** The exact command a user without root runs to install `names`. */
export function installCommand(/** @type {string[]} */ names, sudo = onPath('sudo')) {
  const apt = `apt-get update && apt-get install -y ${names.join(' ')}`;
  return sudo ? `sudo sh -c '${apt}'` : `su -c '${apt}'`;
}

/**
 * Makes sure the Debian packages are there: installs the missing ones as root (waiting for another
 * apt to finish), otherwise prints the command. Returns true when nothing is missing any more.
 * @param {SystemPackage[]} packages
 * @param {string} who what needs them, for the messages
 * @param {{ dryRun?: boolean, quiet?: boolean, log?: (line: string) => void }} [options]
 */
export function ensureDebianPackages(packages, who, options = {}) {
  const { dryRun = false, quiet = false } = options;
  const log = options.log ?? ((line) => void process.stderr.write(line + '\n'));
  const missing = missingDebianPackages(packages);
  if (missing === undefined) {
    log(`${who}: no dpkg here, so the system packages cannot be checked. What they are for:`);
    for (const p of packages) log(`  ${p.name}: ${p.why}`);
    log('Install the equivalents with your package manager.');
    return true;
  }
  if (missing.length === 0) {
    if (!quiet) log(`${who}: system packages present (${packages.map((p) => p.name).join(', ')}).`);
    return true;
  }
  const names = missing.map((p) => p.name);
  log(`${who} need${who.endsWith('s') ? '' : 's'} these system packages:`);
  for (const p of missing) log(`  ${p.name}: ${p.why}`);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    log(`Install them as root, then run this again:\n  ${installCommand(names)}`);
    return false;
  }
  if (dryRun) {
    log(`Would run as root: apt-get update && apt-get install -y ${names.join(' ')}`);
    return true;
  }
  log(`Installing them with apt-get (as root): ${names.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt (unattended upgrades, a parallel job) may hold the lock for a while: wait for it.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const update = spawnSync('apt-get', [...lock, 'update', '-qq'], { stdio: 'inherit', env });
  const install =
    update.status === 0 &&
    spawnSync('apt-get', [...lock, 'install', '-y', '-qq', ...names], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (!install || install.status !== 0) {
    log(`apt-get could not install them. Run it yourself to see why:\n  ${installCommand(names, false)}`);
    return false;
  }
  return true;
}

/** What macOS and Windows users need instead of system packages (keytar uses their keychains). */
export function otherSystemAdvice(/** @type {NodeJS.Platform} */ platform) {
  if (platform === 'darwin')
    return [
      'macOS: keytar keeps signing keys in the macOS Keychain; nothing to install for it.',
      'npm ci downloads a prebuilt keytar from GitHub when it can; otherwise it compiles it, which needs',
      'the Xcode Command Line Tools (`xcode-select --install`) and Python 3.',
    ];
  if (platform === 'win32')
    return [
      'Windows: keytar keeps signing keys in the Windows Credential Manager; nothing to install for it.',
      'npm ci downloads a prebuilt keytar from GitHub when it can; otherwise it compiles it, which needs',
      'Visual Studio Build Tools with the "Desktop development with C++" workload, and Python 3.',
    ];
  return [];
}

/**
 * The environment for `npm ci`: no Electron binary download unless the user set it, no CUDA
 * download for onnxruntime-node (a test dependency; its CPU build is in the npm package), and
 * node-gyp pointed at this Node's own headers when they are installed (else it downloads them).
 */
export function installEnv(/** @type {NodeJS.ProcessEnv} */ env = process.env) {
  const out = { ...env };
  out.ELECTRON_SKIP_BINARY_DOWNLOAD ??= '1';
  out.ONNXRUNTIME_NODE_INSTALL ??= 'skip';
  const prefix = resolve(dirname(process.execPath), '..');
  if (!out.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h'))) out.npm_config_nodedir = prefix;
  return out;
}

/** Runs npm with the npm that runs us (`npm run setup`), else the one on PATH. */
export function npm(/** @type {string[]} */ args, /** @type {import('node:child_process').SpawnSyncOptions} */ opts) {
  const cli = process.env.npm_execpath;
  if (cli && /\.(c?js|mjs)$/.test(cli)) return spawnSync(process.execPath, [cli, ...args], opts);
  return spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
    shell: process.platform === 'win32',
    ...opts,
  });
}

function onPath(/** @type {string} */ cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

function nodeTooOld() {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1]);
}

function main(/** @type {string[]} */ argv) {
  const flags = new Set(argv);
  const unknown = [...flags].filter((f) => !['--desktop', '--no-system', '--dry-run', '--help', '-h'].includes(f));
  if (flags.has('--help') || flags.has('-h') || unknown.length) {
    if (unknown.length) console.error(`setup: unknown option ${unknown.join(' ')}`);
    console.error('usage: npm run setup [-- --desktop] [-- --no-system] [-- --dry-run]');
    console.error('  --desktop    also download the Electron binary (needs access to GitHub) for the desktop app');
    console.error('  --no-system  skip the system packages (you manage them yourself)');
    console.error('  --dry-run    say what would be installed, install nothing');
    return unknown.length ? 2 : 0;
  }
  const dryRun = flags.has('--dry-run');
  const log = (/** @type {string} */ s) => console.log(s);
  if (nodeTooOld()) {
    console.error(`Fleetpack needs Node.js ${MIN_NODE.join('.')} or newer; this is ${process.versions.node}.`);
    return 1;
  }

  // 1. System packages.
  if (flags.has('--no-system')) log('setup: skipping system packages (--no-system).');
  else if (process.platform === 'linux') {
    if (!ensureDebianPackages(APP_PACKAGES, 'Fleetpack Studio', { dryRun, log })) return 1;
  } else for (const line of otherSystemAdvice(process.platform)) log(line);

  // 2. npm ci.
  const env = installEnv();
  // What npm ci runs with: the two download switches always, the headers folder when we chose it.
  const shown = ['ELECTRON_SKIP_BINARY_DOWNLOAD', 'ONNXRUNTIME_NODE_INSTALL', 'npm_config_nodedir']
    .filter((k) => env[k] !== undefined && (k !== 'npm_config_nodedir' || env[k] !== process.env[k]))
    .map((k) => `${k}=${env[k]}`);
  const command = `${shown.join(' ')}${shown.length ? ' ' : ''}npm ci --no-audit --no-fund`;
  if (dryRun) {
    log(`Would run: ${command}`);
    return 0;
  }
  log(`setup: ${command}`);
  const ci = npm(['ci', '--no-audit', '--no-fund'], { cwd: ROOT, env, stdio: 'inherit' });
  if (ci.status !== 0) {
    console.error('setup: npm ci failed (see above). Fix what it names, then run `npm run setup` again.');
    return 1;
  }

  // 3. The Electron binary, only when asked: without it `npm start` uses the browser.
  if (flags.has('--desktop')) {
    log('setup: downloading the Electron binary for the desktop app…');
    const { ELECTRON_SKIP_BINARY_DOWNLOAD: _skip, ...withDownload } = env;
    const got = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron', 'install.js')], {
      cwd: ROOT,
      env: withDownload,
      encoding: 'utf8',
    });
    // Electron's installer prints a stack trace when the download fails: its first line says why.
    const why = `${got.stderr}${got.stdout}`
      .split('\n')
      .find((l) => /error/i.test(l))
      ?.trim();
    log(
      got.status === 0
        ? 'setup: done. `npm start` opens the desktop app.'
        : `setup: the Electron binary could not be downloaded (${why ?? `exit ${got.status}`});\n` +
            '       `npm start` opens Fleetpack Studio in your browser instead.',
    );
    return 0;
  }
  log(
    'setup: done. `npm start` opens Fleetpack Studio in your browser (the Electron binary was not downloaded;\n' +
      '       `npm run setup -- --desktop` fetches it for the desktop app where GitHub is reachable).',
  );
  return 0;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  process.exitCode = main(process.argv.slice(2));
}
