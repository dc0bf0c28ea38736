import { FleetpackError, messageOf, UsageError } from '../errors.js';
import { commands } from './commands/index.js';
import { type CliIO, EXIT_OK, EXIT_USAGE } from './io.js';

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'fleetpack — package, sign and check ML models for edge fleets',
    '',
    'Usage: fleetpack COMMAND [options]   (add --json for machine-readable output)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `fleetpack help COMMAND` for a command's options.",
    'Exit codes: 0 ok, 1 the thing checked is invalid, 2 usage or input error.',
    '',
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code. Never throws. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
      io.stdout(target ? `Usage: ${(await target.load()).usage}\n` : helpText());
      return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (name === '--version' || name === 'version') {
      io.stdout(`fleetpack ${process.env.npm_package_version ?? VERSION}\n`);
      return EXIT_OK;
    }
    const entry = commands.find((c) => c.name === name);
    if (!entry)
      throw new UsageError('UNKNOWN_COMMAND', `Unknown command "${name}"`, {
        hint: 'Run `fleetpack help` to list commands.',
      });
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`Usage: ${command.usage}\n`);
      return EXIT_OK;
    }
    return await command.run(rest, io);
  } catch (e) {
    return reportError(e, io, json);
  }
}

const VERSION = '0.1.0';

function reportError(e: unknown, io: CliIO, json: boolean): number {
  const err =
    e instanceof FleetpackError
      ? e
      : new FleetpackError('INTERNAL', `Unexpected error: ${messageOf(e)}`, {
          hint: 'This is a bug in fleetpack; run with FLEETPACK_DEBUG=1 for details and report it.',
          cause: e,
        });
  if (io.env.FLEETPACK_DEBUG && e instanceof Error) io.stderr(`${e.stack}\n`);
  if (json) {
    io.stdout(JSON.stringify({ ok: false, error: err.toJSON() }, null, 2) + '\n');
  } else {
    const lines = [`error: ${err.message}`];
    if (err.where) lines.push(`  where: ${err.where}`);
    if (err.hint) lines.push(`  hint: ${err.hint}`);
    io.stderr(lines.join('\n') + '\n');
  }
  return EXIT_USAGE;
}
