import type { ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The manifest validator compiled ahead of time. The CLI build (src-main/cli/build.mjs) replaces
 * this module with ajv's standalone code for the schema, so `fleetpack` never compiles it at run
 * time; from source (tsx, vitest, Electron) it is undefined and schema.ts compiles on first use.
 */
export const precompiled: ValidateFunction | undefined = undefined;
