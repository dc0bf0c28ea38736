export { run } from './run.js';
export type { CliIO, Command, CommandEntry } from './io.js';
export { EXIT_OK, EXIT_INVALID, EXIT_USAGE } from './io.js';
