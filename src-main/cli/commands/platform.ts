/**
 * `fleetpack platform serve|init|rotate-key|token|publisher|registry`: running and administering
 * the platform on its own machine (the commands open the database directly; offline keys come
 * from this machine's keychain).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { errnoOf, messageOf, UsageError } from '../../errors.js';

import {
  type Actor,
  addPublisherKey,
  addRegistry,
  createToken,
  initPlatform,
  listTokens,
  openStore,
  parseDatabaseTarget,
  PASSPHRASE_ENV,
  Platform,
  platformKeychain,
  revokeToken,
  rotateKey,
  ROTATABLE_ROLES,
  type Store,
  TOKEN_ROLES,
} from '../../platform/index.js';
import { startServer } from '../../server/index.js';
import { Keystore } from '../../signing/index.js';
import { type CliIO, type Command, EXIT_OK, parseCommandArgs, printJson } from '../io.js';
import { writeFileAtomic } from '../../atomic-file.js';

const usage = [
  'fleetpack platform serve [--data DIR] [--listen HOST:PORT] [--database URL] [--registry HOST/REPO] [--require-publisher-signature]',
  '       fleetpack platform init [--data DIR] [--database URL] [--name NAME] [--bins N] [--snapshot-bin-hashes]',
  '                               [--require-publisher-signature] [--root-key PEM --targets-key PEM [--pem-passphrase-env VAR]] [--json]',
  '       fleetpack platform rotate-key root|targets|snapshot|timestamp|bins [--data DIR] [--database URL] [--json]',
  '       fleetpack platform token create NAME [--role admin|publisher|device] [--data DIR] [--database URL] [--json]',
  '       fleetpack platform token list|revoke ID [--data DIR] [--database URL] [--json]',
  '       fleetpack platform device add ID [--channel C] [--profile P] [--label L ...] [--facts FILE] [--data DIR] [--database URL] [--json]',
  '       fleetpack platform publisher add-key NAME PUB.pem [--data DIR] [--database URL] [--json]',
  '       fleetpack platform registry add HOST [--username U --password-env VAR | --token-env VAR] [--plain-http] [--insecure]',
].join('\n');

const options = {
  data: { type: 'string' },
  database: { type: 'string' },
  listen: { type: 'string' },
  registry: { type: 'string' },
  'require-publisher-signature': { type: 'boolean' },
  name: { type: 'string' },
  bins: { type: 'string' },
  'snapshot-bin-hashes': { type: 'boolean' },
  'root-key': { type: 'string' },
  'targets-key': { type: 'string' },
  'pem-passphrase-env': { type: 'string' },
  role: { type: 'string' },
  channel: { type: 'string' },
  profile: { type: 'string' },
  label: { type: 'string', multiple: true },
  facts: { type: 'string' },
  username: { type: 'string' },
  'password-env': { type: 'string' },
  'token-env': { type: 'string' },
  'plain-http': { type: 'boolean' },
  insecure: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

const DEFAULT_DATA = 'fleetpack-platform';

function dataDir(values: Values, io: CliIO): string {
  return resolve(io.cwd, values.data ?? DEFAULT_DATA);
}

function open(values: Values, io: CliIO): Promise<Store> {
  const target = values.database
    ? parseDatabaseTarget(values.database)
    : { sqlite: join(dataDir(values, io), 'platform.db') };
  return openStore(target);
}

async function withStore<T>(values: Values, io: CliIO, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await open(values, io);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Who runs a local admin command: the OS user, marked local in the audit log. */
function localActor(): Actor {
  let name = 'operator';
  try {
    name = userInfo().username || name;
  } catch {
    // no passwd entry (containers): keep the default
  }
  return { name, role: 'local' };
}

function env(io: CliIO, name: string, what: string): string {
  const v = io.env[name];
  if (!v)
    throw new UsageError('BAD_ARGUMENTS', `${what}: the environment variable ${name} is not set`, { hint: usage });
  return v;
}

function parseListen(spec: string | undefined): { host: string; port: number } {
  if (!spec) return { host: '127.0.0.1', port: 8440 };
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new UsageError('BAD_ARGUMENTS', `--listen "${spec}" is not HOST:PORT`, {
      hint: 'e.g. --listen 127.0.0.1:8440 (port 0 picks a free port)',
    });
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** FLEETPACK_FAULTS=publish-before-commit=MS pauses every publish just before its commit (tests). */
function faults(io: CliIO): { beforeCommit?: () => Promise<void> } {
  const m = /(?:^|,)publish-before-commit=(\d+)/.exec(io.env.FLEETPACK_FAULTS ?? '');
  if (!m) return {};
  const ms = Number(m[1]);
  return {
    beforeCommit: async () => {
      io.stderr('fault: publish paused before commit\n');
      await new Promise((r) => setTimeout(r, ms));
    },
  };
}

async function serve(values: Values, io: CliIO): Promise<number> {
  const { host, port } = parseListen(values.listen);
  const store = await open(values, io);
  let server;
  try {
    const platform = await Platform.open({
      store,
      dataDir: dataDir(values, io),
      env: io.env,
      ...(values.registry ? { registry: values.registry } : {}),
      ...(values['require-publisher-signature'] ? { requirePublisherSignature: true } : {}),
      ...faults(io),
    });
    server = await startServer(platform, {
      host,
      port,
      logger: { level: io.env.FLEETPACK_LOG_LEVEL ?? 'info' },
    });
    const info = await platform.info();
    if (values.json) printJson(io, { ok: true, url: server.url, ...info });
    else {
      io.stdout(
        `Fleetpack platform listening on ${server.url}\n` +
          `  platform ${info.name} (${info.id}), root v${info.rootVersion} keys ${info.rootKeyIds.map((k) => k.slice(0, 16)).join(', ')}\n` +
          `  database ${store.dialect}, blobs ${info.storage.location}\n`,
      );
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  await new Promise<void>((done) => {
    if (io.signal?.aborted) return done();
    io.signal?.addEventListener('abort', () => done(), { once: true });
    process.once('SIGTERM', () => done());
  });
  await server.close();
  await store.close();
  return EXIT_OK;
}

async function init(values: Values, io: CliIO): Promise<number> {
  const bins = values.bins === undefined ? 512 : Number(values.bins);
  const bitLength = Math.log2(bins);
  if (!Number.isInteger(bitLength) || bitLength < 1 || bitLength > 14) {
    throw new UsageError('BAD_ARGUMENTS', `--bins ${values.bins} is not a power of two from 2 to 16384`, {
      hint: 'Pick about the square root of the number of targets you expect (a release has one target per file).',
    });
  }
  if (!!values['root-key'] !== !!values['targets-key']) {
    throw new UsageError('BAD_ARGUMENTS', 'init: give both --root-key and --targets-key, or neither', { hint: usage });
  }
  const readPem = async (p: string) =>
    readFile(resolve(io.cwd, p), 'utf8').catch((e: unknown) => {
      throw new UsageError('FILE_NOT_FOUND', `Cannot read ${p} (${errnoOf(e) ?? messageOf(e)})`, { where: p });
    });
  const result = await withStore(values, io, async (store) =>
    initPlatform(
      { store, keystore: () => new Keystore(), secrets: platformKeychain, env: io.env, now: () => new Date() },
      {
        name: values.name ?? 'fleetpack',
        bitLength,
        ...(values['snapshot-bin-hashes'] ? { snapshotBinHashes: true } : {}),
        ...(values['require-publisher-signature'] ? { requirePublisherSignature: true } : {}),
        ...(values['root-key']
          ? { rootKeyPem: await readPem(values['root-key']), targetsKeyPem: await readPem(values['targets-key']!) }
          : {}),
        ...(values['pem-passphrase-env'] ? { pemPassphrase: env(io, values['pem-passphrase-env'], 'init') } : {}),
        actor: localActor(),
      },
    ),
  );
  const rootPath = join(dataDir(values, io), '1.root.json');
  await mkdir(dataDir(values, io), { recursive: true });
  await writeFileAtomic(rootPath, result.root);
  if (values.json)
    printJson(io, {
      ok: true,
      platformId: result.platformId,
      rootFile: rootPath,
      rootKeyIds: result.rootKeyIds,
      keys: result.keys,
      passphrase: result.passphrase,
    });
  else {
    io.stdout(
      [
        `initialized platform ${result.platformId}`,
        `  wrote ${rootPath} (provision devices with it)`,
        `  root key ids: ${result.rootKeyIds.join(', ')}`,
        ...result.keys.map((k) => `  ${k.role.padEnd(9)} ${k.keyId}  ${k.where}`),
        result.passphrase === 'keychain'
          ? `  online keys are encrypted with a passphrase kept in this machine's keychain; other servers need it as ${PASSPHRASE_ENV}`
          : `  online keys are encrypted with ${PASSPHRASE_ENV}`,
        '',
      ].join('\n'),
    );
  }
  return EXIT_OK;
}

export const platformCommand: Command = {
  name: 'platform',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs('platform', rest, options, usage);
    const json = values.json === true;
    const expect = (n: number, what: string) => {
      if (positionals.length !== n)
        throw new UsageError('BAD_ARGUMENTS', `platform ${sub}: expected ${what}`, { hint: usage });
    };
    switch (sub) {
      case 'serve':
        expect(0, 'no arguments');
        return serve(values, io);
      case 'init':
        expect(0, 'no arguments');
        return init(values, io);
      case 'rotate-key': {
        expect(1, `a role (${ROTATABLE_ROLES.join(', ')})`);
        const r = await withStore(values, io, (store) =>
          rotateKey(
            { store, keystore: () => new Keystore(), secrets: platformKeychain, env: io.env, now: () => new Date() },
            positionals[0]!,
            localActor(),
          ),
        );
        if (json) printJson(io, { ok: true, ...r });
        else
          io.stdout(
            `rotated ${r.role}: ${r.oldKeyId.slice(0, 16)}… → ${r.newKeyId}${r.rootVersion ? ` (root v${r.rootVersion})` : ''}${r.targetsVersion ? ` (targets v${r.targetsVersion})` : ''}\n`,
          );
        return EXIT_OK;
      }
      case 'token': {
        const [action, ...args] = positionals;
        if (action === 'create') {
          if (args.length !== 1)
            throw new UsageError('BAD_ARGUMENTS', 'platform token create: expected NAME', { hint: usage });
          const role = values.role ?? 'publisher';
          const t = await withStore(values, io, (store) =>
            store.write((tx) => createToken(tx, args[0]!, role, localActor(), new Date())),
          );
          if (json) printJson(io, { ok: true, ...t });
          else io.stdout(`${t.token}\n`);
          if (!json) io.stderr(`token "${t.name}" (${t.role}, id ${t.id}) created; it is shown only once\n`);
          return EXIT_OK;
        }
        if (action === 'list') {
          const tokens = await withStore(values, io, (store) => store.read((db) => listTokens(db)));
          if (json) printJson(io, { ok: true, tokens });
          else
            io.stdout(
              tokens
                .map(
                  (t) =>
                    `${t.id}  ${t.role.padEnd(9)}  ${t.name}  ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}\n`,
                )
                .join('') || 'no tokens\n',
            );
          return EXIT_OK;
        }
        if (action === 'revoke') {
          if (args.length !== 1)
            throw new UsageError('BAD_ARGUMENTS', 'platform token revoke: expected ID', { hint: usage });
          await withStore(values, io, (store) =>
            store.write((tx) => revokeToken(tx, args[0]!, localActor(), new Date())),
          );
          if (json) printJson(io, { ok: true, revoked: args[0] });
          else io.stdout(`revoked ${args[0]}\n`);
          return EXIT_OK;
        }
        throw new UsageError(
          'BAD_ARGUMENTS',
          `platform token: unknown action "${action ?? ''}" (create, list, revoke)`,
          { hint: `roles: ${TOKEN_ROLES.join(', ')}\n${usage}` },
        );
      }
      case 'device': {
        const [action, id] = positionals;
        if (action !== 'add' || !id || positionals.length !== 2)
          throw new UsageError('BAD_ARGUMENTS', 'platform device: expected add ID', { hint: usage });
        let facts: unknown;
        if (values.facts) {
          const path = resolve(io.cwd, values.facts);
          const text = await readFile(path, 'utf8').catch((e: unknown) => {
            throw new UsageError('FILE_NOT_FOUND', `Cannot read ${values.facts} (${errnoOf(e) ?? messageOf(e)})`, {
              where: path,
            });
          });
          try {
            facts = JSON.parse(text);
          } catch (e) {
            throw new UsageError('FACTS_INVALID', `${values.facts} is not JSON (${messageOf(e)})`, { where: path });
          }
        }
        const r = await withStore(values, io, async (store) => {
          const platform = await Platform.open({ store, dataDir: dataDir(values, io), env: io.env });
          return platform.addDevice(localActor(), {
            id,
            ...(values.channel ? { channel: values.channel } : {}),
            ...(values.profile ? { profile: values.profile } : {}),
            ...(values.label ? { labels: values.label } : {}),
            ...(facts !== undefined ? { facts: facts as never } : {}),
          });
        });
        if (json) printJson(io, { ok: true, device: r.device, token: r.token.token });
        else {
          io.stdout(`${r.token.token}\n`);
          io.stderr(
            `device "${r.device.id}" registered (channel ${r.device.channel ?? 'none'}); its token is shown only once: give it to the agent (--token-file)\n`,
          );
        }
        return EXIT_OK;
      }
      case 'publisher': {
        const [action, name, file] = positionals;
        if (action !== 'add-key' || !name || !file || positionals.length !== 3)
          throw new UsageError('BAD_ARGUMENTS', 'platform publisher: expected add-key NAME PUB.pem', { hint: usage });
        const path = resolve(io.cwd, file);
        const pem = await readFile(path, 'utf8').catch((e: unknown) => {
          throw new UsageError('FILE_NOT_FOUND', `Cannot read ${file} (${errnoOf(e) ?? messageOf(e)})`, {
            where: path,
          });
        });
        const r = await withStore(values, io, (store) =>
          addPublisherKey(store, name, pem, localActor(), new Date(), path),
        );
        if (json) printJson(io, { ok: true, ...r });
        else
          io.stdout(`${r.existed ? 'already registered' : 'registered'} key ${r.keyId} for publisher ${r.publisher}\n`);
        return EXIT_OK;
      }
      case 'registry': {
        const [action, host] = positionals;
        if (action !== 'add' || !host || positionals.length !== 2)
          throw new UsageError('BAD_ARGUMENTS', 'platform registry: expected add HOST', { hint: usage });
        if (values['password-env'] && !values.username)
          throw new UsageError('BAD_ARGUMENTS', 'platform registry add: --password-env needs --username', {
            hint: usage,
          });
        const credentials = values['token-env']
          ? { identityToken: env(io, values['token-env'], 'registry add') }
          : values.username
            ? {
                username: values.username,
                password: values['password-env'] ? env(io, values['password-env'], 'registry add') : '',
              }
            : undefined;
        await withStore(values, io, (store) =>
          addRegistry(
            { store, keystore: () => new Keystore(), secrets: platformKeychain, env: io.env, now: () => new Date() },
            host,
            {
              ...(credentials ? { credentials } : {}),
              ...(values['plain-http'] ? { plainHttp: true } : {}),
              ...(values.insecure ? { insecure: true } : {}),
            },
            localActor(),
          ),
        );
        // Never echo the credential.
        if (json)
          printJson(io, {
            ok: true,
            host,
            auth: credentials ? (credentials.identityToken ? 'token' : 'basic') : 'anonymous',
          });
        else io.stdout(`stored access to registry ${host} (${credentials ? 'with credentials' : 'anonymous'})\n`);
        return EXIT_OK;
      }
      default:
        throw new UsageError('BAD_ARGUMENTS', `platform: unknown subcommand "${sub ?? ''}"`, { hint: usage });
    }
  },
};
