import type { Command } from '../io.js';
import { compatCommand } from './compat.js';
import { inspectCommand } from './inspect.js';
import { keyCommand } from './key.js';
import { signCommand } from './sign.js';
import { studioCommand } from './studio.js';
import { verifyCommand } from './verify.js';

/** Every `fleetpack` command, in the order `fleetpack help` lists them. */
export const commands: Command[] = [inspectCommand, keyCommand, signCommand, verifyCommand, compatCommand, studioCommand];
