/** `fleetpack registry login|logout|list`: registry credentials in the OS keychain. */
import { UsageError } from '../../errors.js';
import { loginRegistry, logoutRegistry, RegistryCredentialStore } from '../../oci/index.js';
import { type Command, EXIT_OK, parseCommandArgs, printJson } from '../io.js';

const usage = [
  'fleetpack registry login HOST --username USER (--password-stdin | --password-env VAR) [--plain-http] [--insecure] [--json]',
  '       fleetpack registry logout HOST [--json]',
  '       fleetpack registry list [--json]',
].join('\n');

const MAX_PASSWORD = 64 * 1024;

export const registryCommand: Command = {
  name: 'registry',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(
      'registry',
      rest,
      {
        username: { type: 'string', short: 'u' },
        'password-stdin': { type: 'boolean' },
        'password-env': { type: 'string' },
        'plain-http': { type: 'boolean' },
        insecure: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      usage,
    );
    const json = values.json === true;
    const host = positionals[0];
    if (sub === 'list') {
      const entries = await new RegistryCredentialStore().list();
      if (json) printJson(io, { ok: true, registries: entries });
      else
        io.stdout(
          entries.length
            ? entries.map((e) => `${e.registry}  ${e.username ?? '(token)'}`).join('\n') + '\n'
            : 'no stored registry credentials\n',
        );
      return EXIT_OK;
    }
    if ((sub !== 'login' && sub !== 'logout') || positionals.length !== 1 || !host)
      throw new UsageError(
        'BAD_ARGUMENTS',
        sub === 'login' || sub === 'logout'
          ? `registry ${sub}: expected exactly one HOST`
          : 'registry: expected login, logout or list',
        { hint: usage },
      );
    if (sub === 'logout') {
      const r = await logoutRegistry(host);
      if (json) printJson(io, { ok: true, ...r });
      else io.stdout(r.removed ? `logged out of ${host}\n` : `no stored credentials for ${host}\n`);
      return EXIT_OK;
    }
    if (!values.username)
      throw new UsageError('BAD_ARGUMENTS', 'registry login: --username is required', { hint: usage });
    if (!!values['password-stdin'] === (values['password-env'] !== undefined))
      throw new UsageError(
        'BAD_ARGUMENTS',
        'registry login: give the password with exactly one of --password-stdin or --password-env VAR',
        { hint: 'Passwords are never taken as command-line arguments (other users can see those).' },
      );
    let password: string | undefined;
    if (values['password-env'] !== undefined) {
      password = io.env[values['password-env']];
      if (password === undefined)
        throw new UsageError(
          'BAD_ARGUMENTS',
          `registry login: the environment variable ${values['password-env']} is not set`,
          {
            hint: 'Export the password in that variable first.',
          },
        );
    } else {
      if (!io.readStdin)
        throw new UsageError('BAD_ARGUMENTS', 'registry login: no standard input to read', { hint: usage });
      password = (await io.readStdin(MAX_PASSWORD)).replace(/\r?\n$/, '');
    }
    const r = await loginRegistry(
      host,
      { username: values.username, password },
      {
        ...(values['plain-http'] ? { plainHttp: true } : {}),
        ...(values.insecure ? { insecure: true } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
      },
    );
    if (json) printJson(io, { ok: true, ...r, username: values.username });
    else io.stdout(`logged in to ${host} as ${values.username} (credentials stored in the OS keychain)\n`);
    return EXIT_OK;
  },
};
