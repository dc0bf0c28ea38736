/**
 * The OMS conformance adapter protocol, key method only:
 *   sign-model   --method key --model-path PATH --output-bundle FILE --private-key PEM [--ignore-paths PATH]...
 *   verify-model --method key --model-path PATH --bundle FILE --public-key PEM [--ignore-paths PATH]... [--ignore-unsigned-files]
 * Exit 0 on success, 1 when verification fails, 2 on errors and unsupported methods.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isFleetpackError } from '../../src-main/errors.js';
import { signerFromPrivateKeyPem, signModel, verifyModel } from '../../src-main/signing/index.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: false,
    options: {
      method: { type: 'string' },
      'model-path': { type: 'string' },
      'output-bundle': { type: 'string' },
      bundle: { type: 'string' },
      'private-key': { type: 'string' },
      'public-key': { type: 'string' },
      'ignore-paths': { type: 'string', multiple: true },
      'ignore-unsigned-files': { type: 'boolean' },
    },
  });
  const str = (name: string): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new Error(`${command}: --${name} is required`);
    return v;
  };
  if (command !== 'sign-model' && command !== 'verify-model') {
    process.stderr.write(`unknown command "${command ?? ''}" (expected sign-model or verify-model)\n`);
    return 2;
  }
  if (values.method !== 'key') {
    process.stderr.write(
      `method "${String(values.method ?? '')}" is not supported: Fleetpack signs and verifies with --method key only\n`,
    );
    return 2;
  }
  const ignorePaths = (values['ignore-paths'] as string[] | undefined) ?? [];
  if (command === 'sign-model') {
    const keyPath = str('private-key');
    const signer = signerFromPrivateKeyPem(readFileSync(keyPath, 'utf8'), keyPath);
    await signModel(str('model-path'), signer, { signaturePath: str('output-bundle'), ignorePaths });
    return 0;
  }
  const keyPath = str('public-key');
  const r = await verifyModel(str('model-path'), {
    publicKeyPem: readFileSync(keyPath, 'utf8'),
    publicKeyWhere: keyPath,
    signaturePath: str('bundle'),
    ignorePaths,
    ignoreUnsignedFiles: values['ignore-unsigned-files'] === true,
  });
  if (!r.verified) process.stderr.write(r.problems.map((p) => `${p.code}: ${p.message}`).join('\n') + '\n');
  return r.verified ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(
      isFleetpackError(e)
        ? `${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`
        : `error: ${(e as Error).message}\n`,
    );
    process.exitCode = 2;
  },
);
