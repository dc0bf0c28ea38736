import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Fired by Ctrl-C; long commands pass it down as their AbortSignal. */
  signal?: AbortSignal;
  /** Reads standard input to its end (at most `maxBytes`); for secrets piped in (`--password-stdin`). */
  readStdin?: (maxBytes: number) => Promise<string>;
}

export interface Command {
  /** Words that select the command, e.g. 'inspect' or 'key create' is handled by 'key'. */
  name: string;
  /** Full usage text shown by `fleetpack help NAME` and on usage errors. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

/** A command as `fleetpack help` lists it; its module is loaded only to run it (or show its usage). */
export interface CommandEntry {
  name: string;
  /** One line for `fleetpack help`. */
  summary: string;
  load(): Promise<Command>;
}

/** Exit codes, ARCHITECTURE.md: 0 ok, 1 the thing checked is invalid, 2 usage or input error. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with strict checking, turning its errors into a UsageError naming the command. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError('BAD_ARGUMENTS', `${command}: ${(e as Error).message}`, { hint: usage });
  }
}

/** What `--json` prints: one document that always says `ok`. */
export interface JsonDocument {
  ok: boolean;
  [key: string]: unknown;
}

/** Prints one JSON document followed by a newline. */
export function printJson(io: CliIO, doc: JsonDocument): void {
  io.stdout(JSON.stringify(doc, null, 2) + '\n');
}

/** Human byte sizes: 1.2 GB, 340 KB (one formatter for the CLI and the Studio). */
export { formatBytes } from '../bytes.js';
