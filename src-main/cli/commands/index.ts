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
    name: 'push',
    summary: 'Push a package folder (or copy an OCI layout / registry artifact) to a registry or an OCI layout',
    load: async () => (await import('./oci.js')).pushCommand,
  },
  {
    name: 'pull',
    summary: 'Pull a package from a registry or an OCI layout into a folder (verified, byte-identical)',
    load: async () => (await import('./oci.js')).pullCommand,
  },
  {
    name: 'resolve',
    summary: 'Resolve a tag to its digest and summarize the package from the manifest (no layer is downloaded)',
    load: async () => (await import('./oci.js')).resolveCommand,
  },
  {
    name: 'registry',
    summary: 'Log in to or out of an OCI registry (credentials kept in the OS keychain)',
    load: async () => (await import('./registry.js')).registryCommand,
  },
  {
    name: 'platform',
    summary:
      'Run and administer the platform: serve, init, rotate-key, token, device add, publisher add-key, registry add',
    load: async () => (await import('./platform.js')).platformCommand,
  },
  {
    name: 'login',
    summary: 'Sign in to a platform: check a token and keep it in the OS keychain',
    load: async () => (await import('./publish.js')).loginCommand,
  },
  {
    name: 'publish',
    summary: 'Publish a package folder (resumable upload) or a registry reference to the platform',
    load: async () => (await import('./publish.js')).publishCommand,
  },
  {
    name: 'channel',
    summary: 'Point a channel of a model at one release (recorded and re-signed into TUF)',
    load: async () => (await import('./publish.js')).channelCommand,
  },
  {
    name: 'promote',
    summary: 'Put the release a channel points at on another channel (e.g. beta → stable)',
    load: async () => (await import('./publish.js')).promoteCommand,
  },
  {
    name: 'releases',
    summary: 'List published releases: digest, signer, SBOM status, channels',
    load: async () => (await import('./publish.js')).releasesCommand,
  },
  {
    name: 'coverage',
    summary: 'SBOM coverage and NTIA compliance of published releases, by model, channel and overall',
    load: async () => (await import('./publish.js')).coverageCommand,
  },
  {
    name: 'devices',
    summary: 'List the devices on the platform, or import an inventory file as devices',
    load: async () => (await import('./rollout.js')).devicesCommand,
  },
  {
    name: 'rollout',
    summary: 'Roll a release out to a channel: compatibility check and declines first, phases, halt, pause, abort',
    load: async () => (await import('./rollout.js')).rolloutCommand,
  },
  {
    name: 'agent',
    summary: 'The device agent: verify (TUF), download, swap A/B, health-check, roll back, report',
    load: async () => (await import('./agent.js')).agentCommand,
  },
  {
    name: 'studio',
    summary: 'Open Fleetpack Studio in a browser on this machine (loopback only, token in the URL)',
    load: async () => (await import('./studio.js')).studioCommand,
  },
];
