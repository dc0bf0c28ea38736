import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { startHost } from '../../host/index.js';
import { projectRoot } from '../../resources.js';
import { type Command, EXIT_OK, parseCommandArgs } from '../io.js';
import { openBrowser } from '../open-browser.js';

const usage = 'fleetpack studio --web [--port N] [--root DIR] [--open]';

export const studioCommand: Command = {
  name: 'studio',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'studio',
      argv,
      { web: { type: 'boolean' }, port: { type: 'string' }, root: { type: 'string' }, open: { type: 'boolean' } },
      usage,
    );
    if (!values.web || positionals.length > 0) {
      throw new UsageError('BAD_ARGUMENTS', 'studio: only the browser host is available from the CLI (--web)', {
        hint: `${usage}   (the desktop app starts with \`npm start\`)`,
      });
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError('BAD_ARGUMENTS', `studio: --port must be 0..65535`, { hint: usage });
    // Packages are saved only under this folder (the page picks folders inside it, never a path).
    const root = resolve(io.cwd, values.root ?? '.');
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory())
      throw new UsageError('BAD_ARGUMENTS', `studio: --root ${values.root ?? '.'} is not a folder`, { hint: usage });
    const host = await startHost({
      port,
      rendererDir: join(projectRoot(), 'out', 'renderer'),
      sessionOptions: { saveRoot: root },
    });
    io.stdout(`Fleetpack Studio is running at ${host.url}\n`);
    io.stdout(`Packages are saved under ${root}\n`);
    // The URL is usable from here on; opening a browser is best effort and never fails the command.
    const opened = values.open ? await openBrowser(host.url, { env: io.env }) : undefined;
    io.stdout(
      opened?.opened
        ? `${opened.message} Press Ctrl-C to stop.\n`
        : `${opened ? `${opened.message} ` : ''}Open the URL in a browser on this machine. Press Ctrl-C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal?.aborted) return resolve();
      io.signal?.addEventListener('abort', () => resolve(), { once: true });
      // Stopped by a supervisor (tests, service managers): clean up the working folder too.
      process.once('SIGTERM', () => resolve());
    });
    await host.close();
    return EXIT_OK;
  },
};
