import type { CommandEntry } from '../io.js';

/**
 * Every `fleetpack` command, in the order `fleetpack help` lists them: the packaging flow. A
 * command's module (and the domain code and libraries it needs) is loaded only when it runs, so
 * `fleetpack --help` and every other command start without loading what they do not use.
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'inspect',
    summary: 'Read a model header: format, inputs, outputs, runtime needs',
    load: async () => (await import('./inspect.js')).inspectCommand,
  },
  {
    name: 'init',
    summary: 'Create a package folder from a model: copy it in and prefill fleetpack.json',
    load: async () => (await import('./init.js')).initCommand,
  },
  {
    name: 'validate',
    summary: 'Check a package or manifest: schema, license, metrics, artifact digests, model I/O',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'diff',
    summary: 'Compare two manifests or packages: I/O, requirements, metrics, license, digests',
    load: async () => (await import('./diff.js')).diffCommand,
  },
  {
    name: 'sbom',
    summary: 'Validate, generate, attach SBOMs; report SBOM coverage and compliance',
    load: async () => (await import('./sbom.js')).sbomCommand,
  },
  {
    name: 'key',
    summary: 'Manage signing keys in the OS keychain: create, list, export, import, delete',
    load: async () => (await import('./key.js')).keyCommand,
  },
  {
    name: 'sign',
    summary: 'Sign a package folder (OpenSSF Model Signing bundle, model.sig) with a keychain key',
    load: async () => (await import('./sign.js')).signCommand,
  },
  {
    name: 'verify',
    summary: "Verify a package folder against its model.sig and the signer's public key",
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    name: 'compat',
    summary: 'Preview which devices of a fleet would accept or decline the model, and why',
    load: async () => (await import('./compat.js')).compatCommand,
  },
  {
    name: 'studio',
    summary: 'Open Fleetpack Studio in a browser on this machine (loopback only, token in the URL)',
    load: async () => (await import('./studio.js')).studioCommand,
  },
];
