import type { Command } from '../io.js';
import { compatCommand } from './compat.js';
import { diffCommand } from './diff.js';
import { initCommand } from './init.js';
import { inspectCommand } from './inspect.js';
import { keyCommand } from './key.js';
import { pullCommand, pushCommand, resolveCommand } from './oci.js';
import { platformCommand } from './platform.js';
import {
  channelCommand,
  coverageCommand,
  loginCommand,
  promoteCommand,
  publishCommand,
  releasesCommand,
} from './publish.js';
import { registryCommand } from './registry.js';
import { sbomCommand } from './sbom.js';
import { signCommand } from './sign.js';
import { studioCommand } from './studio.js';
import { validateCommand } from './validate.js';
import { verifyCommand } from './verify.js';

/** Every `fleetpack` command, in the order `fleetpack help` lists them: the packaging flow. */
export const commands: Command[] = [
  inspectCommand,
  initCommand,
  validateCommand,
  diffCommand,
  sbomCommand,
  keyCommand,
  signCommand,
  verifyCommand,
  compatCommand,
  pushCommand,
  pullCommand,
  resolveCommand,
  registryCommand,
  platformCommand,
  loginCommand,
  publishCommand,
  channelCommand,
  promoteCommand,
  releasesCommand,
  coverageCommand,
  studioCommand,
];
