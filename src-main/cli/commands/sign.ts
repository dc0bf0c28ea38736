import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { Keystore, signModel } from '../../signing/index.js';
import { type Command, EXIT_OK, formatBytes, parseCommandArgs, printJson } from '../io.js';

const usage = `fleetpack sign DIR --key NAME [--signature FILE] [--ignore PATH]... [--json]

  --ignore     a file or folder to leave out, relative to DIR (not to the working directory,
               unlike model_signing's --ignore-paths) or absolute; warns when it matches nothing`;

export const signCommand: Command = {
  name: 'sign',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'sign',
      argv,
      {
        key: { type: 'string' },
        signature: { type: 'string' },
        ignore: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
      usage,
    );
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'sign: expected exactly one DIR', { hint: usage });
    if (!values.key)
      throw new UsageError('BAD_ARGUMENTS', 'sign: --key NAME is required', {
        hint: `${usage}\nList keys with \`fleetpack key list\`.`,
      });
    // The key is looked up by name, once, while the files are hashed (signModel waits for it).
    const r = await signModel(resolve(io.cwd, positionals[0]!), new Keystore().signer(values.key), {
      ...(values.signature ? { signaturePath: resolve(io.cwd, values.signature) } : {}),
      ...(values.ignore ? { ignorePaths: values.ignore } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    const bytes = r.files.reduce((s, f) => s + f.size, 0);
    if (values.json) {
      printJson(io, {
        ok: true,
        signaturePath: r.signaturePath,
        keyId: r.keyId,
        curve: r.curve,
        rootDigest: r.rootDigest,
        files: r.files,
        warnings: r.warnings,
      });
    } else {
      for (const w of r.warnings) io.stderr(`warning: ${w.message}\n`);
      io.stdout(
        `signed ${r.files.length} file(s), ${formatBytes(bytes)}, with key ${values.key} (${r.keyId.slice(0, 16)}…)\n  ${r.signaturePath}\n  subject sha256:${r.rootDigest}\n`,
      );
    }
    return EXIT_OK;
  },
};
