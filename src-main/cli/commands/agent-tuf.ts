/**
 * The agent's TUF layer behind the client CLI of tuf-conformance (CLIENT-CLI.md), so the public
 * suite can run against it where its Python dependencies are available:
 *   --metadata-dir DIR init TRUSTED_ROOT
 *   --metadata-dir DIR --metadata-url URL refresh
 *   --metadata-dir DIR --metadata-url URL --target-name T --target-base-url URL --target-dir DIR download
 * Exit 0 on success, 1 on any failure (the suite checks files and exit codes).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TufClient, writeFileDurable } from '../../agent/index.js';
import { messageOf, UsageError } from '../../errors.js';
import { type CliIO, EXIT_INVALID, EXIT_OK, parseCommandArgs } from '../io.js';

const usage =
  'fleetpack agent tuf --metadata-dir DIR [--metadata-url URL] init ROOT | refresh | download --target-name T --target-base-url URL --target-dir DIR';

export async function tufConformanceCli(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'agent tuf',
    argv,
    {
      'metadata-dir': { type: 'string' },
      'metadata-url': { type: 'string' },
      'target-name': { type: 'string' },
      'target-base-url': { type: 'string' },
      'target-dir': { type: 'string' },
    },
    usage,
  );
  const [cmd, arg] = positionals;
  if (!values['metadata-dir'])
    throw new UsageError('BAD_ARGUMENTS', 'agent tuf: --metadata-dir is required', { hint: usage });
  const dir = resolve(io.cwd, values['metadata-dir']);
  try {
    if (cmd === 'init' && arg) {
      mkdirSync(dir, { recursive: true });
      writeFileDurable(join(dir, 'root.json'), readFileSync(resolve(io.cwd, arg)));
      return EXIT_OK;
    }
    const url = values['metadata-url'];
    if (!url)
      throw new UsageError('BAD_ARGUMENTS', `agent tuf ${cmd ?? ''}: --metadata-url is required`, { hint: usage });
    const metadataUrl = url.endsWith('/') ? url : `${url}/`;
    if (cmd === 'refresh') {
      await new TufClient({ metadataDir: dir, metadataUrl, targetUrl: metadataUrl }).refresh();
      return EXIT_OK;
    }
    if (cmd === 'download') {
      const name = values['target-name'];
      const base = values['target-base-url'];
      const out = values['target-dir'];
      if (!name || !base || !out)
        throw new UsageError(
          'BAD_ARGUMENTS',
          'agent tuf download: --target-name, --target-base-url and --target-dir are required',
          { hint: usage },
        );
      const client = new TufClient({
        metadataDir: dir,
        metadataUrl,
        targetUrl: base.endsWith('/') ? base : `${base}/`,
      });
      await client.refresh();
      const info = await client.targetInfo(name);
      if (!info) {
        io.stderr(`agent tuf: ${name} is not in the signed metadata\n`);
        return EXIT_INVALID;
      }
      mkdirSync(resolve(io.cwd, out), { recursive: true });
      await client.download(info, join(resolve(io.cwd, out), encodeURIComponent(name)));
      return EXIT_OK;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.stderr(`agent tuf: ${messageOf(e)}\n`);
    return EXIT_INVALID;
  }
  throw new UsageError('BAD_ARGUMENTS', `agent tuf: unknown command "${cmd ?? ''}"`, { hint: usage });
}
