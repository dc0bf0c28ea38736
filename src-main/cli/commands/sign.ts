import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { Keystore, signModel } from '../../signing/index.js';
import { type Command, EXIT_OK, formatBytes, parseCommandArgs, printJson } from '../io.js';

const usage = 'fleetpack sign DIR --key NAME [--signature FILE] [--ignore PATH]... [--json]';

export const signCommand: Command = {
  name: 'sign',
  summary: 'Sign a package folder (OpenSSF Model Signing bundle, model.sig) with a keychain key',
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
    const signer = await new Keystore().signer(values.key);
    const r = await signModel(resolve(io.cwd, positionals[0]!), signer, {
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
      });
    } else {
      io.stdout(
        `signed ${r.files.length} file(s), ${formatBytes(bytes)}, with key ${values.key} (${r.keyId.slice(0, 16)}…)\n  ${r.signaturePath}\n  subject sha256:${r.rootDigest}\n`,
      );
    }
    return EXIT_OK;
  },
};
