import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ioReason, UsageError } from '../../errors.js';
import { Keystore, verifyModel } from '../../signing/index.js';
import { type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';

const usage = `fleetpack verify DIR (--public-key PEM | --key NAME) [--signature FILE] [--ignore PATH]... [--ignore-unsigned-files] [--json]

  --ignore     a file or folder to leave out, relative to DIR (not to the working directory,
               unlike model_signing's --ignore-paths) or absolute; warns when it matches nothing`;

export const verifyCommand: Command = {
  name: 'verify',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'verify',
      argv,
      {
        'public-key': { type: 'string' },
        key: { type: 'string' },
        signature: { type: 'string' },
        ignore: { type: 'string', multiple: true },
        'ignore-unsigned-files': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      usage,
    );
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'verify: expected exactly one DIR', { hint: usage });
    if (!values['public-key'] === !values.key)
      throw new UsageError('BAD_ARGUMENTS', 'verify: give exactly one of --public-key PEM or --key NAME', {
        hint: usage,
      });
    let publicKeyPem: string;
    let publicKeyWhere: string;
    if (values['public-key']) {
      publicKeyWhere = resolve(io.cwd, values['public-key']);
      publicKeyPem = await readFile(publicKeyWhere, 'utf8').catch((e: unknown) => {
        throw new UsageError('FILE_NOT_FOUND', `Cannot read the public key (${ioReason(e)})`, {
          where: publicKeyWhere,
        });
      });
    } else {
      publicKeyWhere = `keychain key "${values.key}"`;
      publicKeyPem = await new Keystore().exportPublicKey(values.key!);
    }
    const r = await verifyModel(resolve(io.cwd, positionals[0]!), {
      publicKeyPem,
      publicKeyWhere,
      ...(values.signature ? { signaturePath: resolve(io.cwd, values.signature) } : {}),
      ...(values.ignore ? { ignorePaths: values.ignore } : {}),
      ...(values['ignore-unsigned-files'] ? { ignoreUnsignedFiles: true } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (!values.json) for (const w of r.warnings) io.stderr(`warning: ${w.message}\n`);
    if (values.json) printJson(io, { ok: r.verified, ...r });
    else if (r.verified)
      io.stdout(
        `verified: ${r.files.length} file(s) signed by key ${r.keyId}\n  subject ${r.subject?.name} sha256:${r.subject?.digest}\n`,
      );
    else
      io.stdout(
        `NOT verified (${r.signaturePath}):\n${r.problems.map((p) => `  ${p.code}  ${p.message}`).join('\n')}\n`,
      );
    return r.verified ? EXIT_OK : EXIT_INVALID;
  },
};
