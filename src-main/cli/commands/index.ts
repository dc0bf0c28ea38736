import type { Command } from '../io.js';
import { diffCommand } from './diff.js';
import { initCommand } from './init.js';
import { inspectCommand } from './inspect.js';
import { sbomCommand } from './sbom.js';
import { validateCommand } from './validate.js';

/** Every `fleetpack` command, in the order `fleetpack help` lists them. */
export const commands: Command[] = [inspectCommand, initCommand, validateCommand, diffCommand, sbomCommand];
