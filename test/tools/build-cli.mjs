// Bundles the `fleetpack` CLI into out/cli/fleetpack.mjs (dependencies stay external).
import { build } from 'esbuild';

await build({
  entryPoints: { fleetpack: 'src-main/cli/fleetpack.ts' },
  outdir: 'out/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
