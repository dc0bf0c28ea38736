#!/usr/bin/env node
/**
 * The Debian packages `npm test` needs: the app's (owned by setup.mjs) plus the ones only the tests
 * use. Installed as root, otherwise named with the exact command (exit 1).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_PACKAGES, ensureDebianPackages } from './setup.mjs';

/** @type {import('./setup.mjs').SystemPackage[]} */
export const TEST_PACKAGES = [
  { name: 'chromium', why: "the UI tests drive Debian's Chromium (never a downloaded browser)" },
  { name: 'dbus-x11', why: 'a D-Bus session for the headless keychain (test/tools/with-services.sh)' },
  { name: 'libonnx-testdata', why: "the ONNX project's test models, to cross-check the ONNX reader" },
  { name: 'docker-registry', why: 'a real OCI registry on loopback' },
  { name: 'openssl', why: 'signing interoperability checks' },
  { name: 'time', why: 'benchmarks measure peak memory with /usr/bin/time' },
];

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const ok = ensureDebianPackages([...APP_PACKAGES, ...TEST_PACKAGES], 'The tests', { quiet: true });
  process.exitCode = ok ? 0 : 1;
}
