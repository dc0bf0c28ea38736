import type { Command } from '../io.js';
import { compatCommand } from './compat.js';
import { inspectCommand } from './inspect.js';

/** Every `fleetpack` command, in the order `fleetpack help` lists them. */
export const commands: Command[] = [inspectCommand, compatCommand];
