/** The `fleetpack` executable: wires process I/O into run(). */
import { run } from './run.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const code = await run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
