import type { Command } from '../io.js';
import { compatCommand } from './compat.js';
import { inspectCommand } from './inspect.js';
import { studioCommand } from './studio.js';

/** Every `fleetpack` command, in the order `fleetpack help` lists them. */
export const commands: Command[] = [inspectCommand, compatCommand, studioCommand];
