// Bundles the `fleetpack` CLI into out/cli/ (npm run build:cli, and `prepare` on npm ci).
// Each command is its own chunk, loaded when the command runs (code splitting), so
// `fleetpack --help` loads a few KB; the JavaScript libraries are bundled into the chunks that
// use them (fewer files to resolve and read at start-up). Native modules stay external.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The manifest schema's validator, compiled now instead of on every run (ajv standalone code).
/** @type {unknown} */
const loaded = await tsImport('../manifest/schema.ts', import.meta.url);
const schemaModule = /** @type {{ standaloneValidatorCode: () => Promise<string> }} */ (loaded);
const validatorCode = await schemaModule.standaloneValidatorCode();
/** @type {import('esbuild').Plugin} */
const precompiledManifestValidator = {
  name: 'precompiled-manifest-validator',
  setup(b) {
    b.onLoad({ filter: /[\\/]manifest[\\/]schema-compiled\.ts$/ }, () => ({
      contents: `${validatorCode}\nexport const precompiled = validate;\n`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

// Node built-ins through require(), not `import`: an ESM import of a built-in builds a facade that
// reads every export, which for node:fs loads the whole stream machinery at start-up.
/** @type {import('esbuild').Plugin} */
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      // The require() inside the stand-in itself stays a real require of the built-in.
      args.namespace === 'node-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'node-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

await build({
  absWorkingDir: root,
  // The device agent is its own entry (same bundle rules): what a device installs and runs.
  entryPoints: { fleetpack: 'src-main/cli/fleetpack.ts', 'fleetpack-agent': 'src-main/cli/fleetpack-agent.ts' },
  outdir: 'out/cli',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // keytar, onnxruntime-node and better-sqlite3 load native code, libxml2-wasm its .wasm, relative to
  // their package; electron is the app's.
  external: ['keytar', 'electron', 'onnxruntime-node', 'better-sqlite3', 'libxml2-wasm'],
  sourcemap: true,
  plugins: [precompiledManifestValidator, builtinsViaRequire],
  // CommonJS libraries bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __fpCreateRequire } from 'node:module';\nconst require = __fpCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
