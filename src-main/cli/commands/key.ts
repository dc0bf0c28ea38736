import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ioReason, KeystoreError, UsageError } from '../../errors.js';
import { CURVES, isCurve, type StoredKey, Keystore } from '../../signing/index.js';
import { type CliIO, type Command, EXIT_OK, parseCommandArgs, printJson } from '../io.js';

const usage = [
  'fleetpack key create NAME [--curve P-256|P-384|P-521] [--json]',
  '       fleetpack key list [--json]',
  '       fleetpack key export NAME [--json]',
  '       fleetpack key import NAME PEM [--passphrase-env VAR] [--json]',
  '       fleetpack key delete NAME [--json]',
].join('\n');

const options = {
  curve: { type: 'string' },
  'passphrase-env': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function describe(k: StoredKey): string {
  return `${k.name}  ${k.curve}  ${k.keyId}  created ${k.created}`;
}

function expectArgs(positionals: string[], n: number, sub: string): void {
  if (positionals.length !== n)
    throw new UsageError('BAD_ARGUMENTS', `key ${sub}: expected ${n === 1 ? 'NAME' : 'NAME PEM'}`, { hint: usage });
}

export const keyCommand: Command = {
  name: 'key',
  usage,
  async run(argv: string[], io: CliIO) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs('key', rest, options, usage);
    const json = values.json === true;
    const store = new Keystore();
    switch (sub) {
      case 'create': {
        expectArgs(positionals, 1, sub);
        const curve = values.curve ?? 'P-256';
        if (!isCurve(curve))
          throw new UsageError('BAD_ARGUMENTS', `key create: unsupported curve "${curve}"`, {
            hint: `Use one of ${CURVES.join(', ')}.`,
          });
        const k = await store.create(positionals[0]!, { curve });
        if (json) printJson(io, { ok: true, key: k });
        else io.stdout(`created ${describe(k)}\n`);
        return EXIT_OK;
      }
      case 'list': {
        expectArgs(positionals, 0, sub);
        const keys = await store.list();
        if (json) printJson(io, { ok: true, keys: keys.map(({ publicKeyPem: _, ...k }) => k) });
        else
          io.stdout(
            keys.length
              ? keys.map(describe).join('\n') + '\n'
              : 'no keys (create one with `fleetpack key create NAME`)\n',
          );
        return EXIT_OK;
      }
      case 'export': {
        expectArgs(positionals, 1, sub);
        const k = await store.get(positionals[0]!);
        if (json) printJson(io, { ok: true, key: k });
        else io.stdout(k.publicKeyPem);
        return EXIT_OK;
      }
      case 'import': {
        expectArgs(positionals, 2, sub);
        const [name, file] = positionals as [string, string];
        const path = resolve(io.cwd, file);
        const pem = await readFile(path, 'utf8').catch((e: unknown) => {
          throw new UsageError('FILE_NOT_FOUND', `Cannot read the key file (${ioReason(e)})`, { where: path });
        });
        let passphrase: string | undefined;
        if (values['passphrase-env'] !== undefined) {
          passphrase = io.env[values['passphrase-env']];
          if (passphrase === undefined) {
            throw new KeystoreError(
              'KEY_PASSPHRASE',
              `The environment variable ${values['passphrase-env']} is not set`,
              { hint: 'Export the passphrase in that variable first.' },
            );
          }
        }
        const k = await store.import(name, pem, { where: path, ...(passphrase === undefined ? {} : { passphrase }) });
        if (json) printJson(io, { ok: true, key: k });
        else io.stdout(`imported ${describe(k)}\n`);
        return EXIT_OK;
      }
      case 'delete': {
        expectArgs(positionals, 1, sub);
        await store.delete(positionals[0]!);
        if (json) printJson(io, { ok: true, deleted: positionals[0] });
        else io.stdout(`deleted ${positionals[0]}\n`);
        return EXIT_OK;
      }
      default:
        throw new UsageError(
          'BAD_ARGUMENTS',
          sub === undefined ? 'key: expected a subcommand' : `key: unknown subcommand "${sub}"`,
          { hint: usage },
        );
    }
  },
};
