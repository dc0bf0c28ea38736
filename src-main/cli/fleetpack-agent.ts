/** The device agent as its own executable (out/cli/fleetpack-agent.mjs): `fleetpack agent` without the rest of the CLI's start-up. */
import { run } from './run.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

process.exitCode = await run(['agent', ...process.argv.slice(2)], {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
