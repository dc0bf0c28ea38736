import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The project folder that holds `resources/`. Found by walking up from this module, so it works
 * from source (tsx, vitest), from the bundled CLI in `out/cli/` and from the Electron build.
 */
export function projectRoot(): string {
  if (root !== undefined) return root;
  const override = process.env.FLEETPACK_ROOT;
  if (override && existsSync(join(override, 'resources'))) return (root = resolve(override));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'resources')) && existsSync(join(dir, 'package.json'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('Fleetpack resources/ folder not found; set FLEETPACK_ROOT');
    dir = up;
  }
}

/** Absolute path of a file under `resources/`. */
export function resourcePath(...parts: string[]): string {
  return join(projectRoot(), 'resources', ...parts);
}
