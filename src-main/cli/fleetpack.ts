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
  readStdin: async (maxBytes) => {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of process.stdin as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > maxBytes) throw new Error(`standard input is larger than ${maxBytes} bytes`);
      chunks.push(c);
    }
    return Buffer.concat(chunks).toString('utf8');
  },
});
process.exitCode = code;
