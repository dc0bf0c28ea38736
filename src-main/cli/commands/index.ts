import type { Command } from '../io.js';
import { inspectCommand } from './inspect.js';
import { sbomCommand } from './sbom.js';

/** Every `fleetpack` command, in the order `fleetpack help` lists them. */
export const commands: Command[] = [inspectCommand, sbomCommand];
