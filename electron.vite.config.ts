import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/**
 * electron-vite's ESM shim declares a top-level `require`; modules that make their own with
 * createRequire(import.meta.url) then clash ("Identifier 'require' has already been declared")
 * and the main bundle does not load. Both are the same function: keep the module's.
 */
function dedupeRequireShim(): Plugin {
  const shim = 'const require = __shims_module__.createRequire(import.meta.url);';
  return {
    name: 'fleetpack:dedupe-require-shim',
    apply: 'build',
    enforce: 'post',
    renderChunk(code) {
      if (!code.includes(shim)) return null;
      if (!/^(?:var|let|const) require = /m.test(code.replace(shim, ''))) return null;
      return { code: code.replace(shim, ''), map: null };
    },
  };
}

// The Electron shell: main and preload from src-main/app, the UI from src-renderer.
// The same renderer build is served to browsers by `fleetpack studio --web` (src-main/host).
export default defineConfig({
  main: {
    plugins: [dedupeRequireShim()],
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve('src-main/app/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS: out/preload/index.cjs (main points at it).
      rolldownOptions: {
        input: { index: resolve('src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rolldownOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
