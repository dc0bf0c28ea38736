/**
 * Operator actions run on the platform machine (the CLI opens the database directly):
 * `platform init` (offline keys into the keychain, online keys sealed into the database, TUF
 * version 1 of every role), key rotation, publisher keys, registry credentials.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { PlatformError } from '../errors.js';
import type { Credentials } from '../oci/index.js';
import { type Keychain, type Keystore, parsePublicKeyPem } from '../signing/index.js';
import { type Actor, audit } from './audit.js';
import { checkActorName } from './tokens.js';
import { newSalt, PASSPHRASE_ENV, passphraseSecretName, resolvePassphrase, SecretBox } from './secrets.js';
import { type PlatformSettings, readSettings, requireSettings, writeSettings } from './settings.js';
import {
  loadOnlineSigners,
  offlineKeyName,
  offlineSigner,
  type OfflineRole,
  onlinePublicKeys,
  type OnlineRole,
  isOnlineRole,
  storeOnlineKey,
} from './signers.js';
import type { Store } from './store/database.js';
import { generateOnlineKey, keyIdOf, type TufKey } from './tuf/keys.js';
import { DEFAULT_LIFETIMES, type Lifetimes, TufRepository } from './tuf/repository.js';

export interface AdminContext {
  store: Store;
  keystore: () => Keystore;
  /** Where the platform passphrase lives when it is not in the environment. */
  secrets: () => Keychain;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  lifetimes?: Lifetimes;
}

export function repositoryFor(settings: PlatformSettings, ctx: Pick<AdminContext, 'now' | 'lifetimes'>): TufRepository {
  return new TufRepository({
    bitLength: settings.bitLength,
    snapshotBinHashes: settings.snapshotBinHashes,
    lifetimes: ctx.lifetimes ?? DEFAULT_LIFETIMES,
    now: ctx.now,
  });
}

export async function openSecretBox(
  ctx: Pick<AdminContext, 'env' | 'secrets'>,
  s: PlatformSettings,
): Promise<SecretBox> {
  const passphrase = await resolvePassphrase(ctx.env, s.id, ctx.secrets);
  return SecretBox.fromPassphrase(passphrase, s.passphraseSalt);
}

export interface InitOptions {
  name: string;
  /** 2^bitLength hash bins. */
  bitLength: number;
  snapshotBinHashes?: boolean;
  requirePublisherSignature?: boolean;
  /** Import these PEM private keys as the offline keys instead of generating them. */
  rootKeyPem?: string;
  /** Bring existing online keys (migration, reproducible test repositories); generated otherwise. */
  onlineKeys?: Partial<Record<OnlineRole, KeyObject>>;
  targetsKeyPem?: string;
  pemPassphrase?: string;
  actor: Actor;
}

export interface InitResult {
  platformId: string;
  root: string;
  rootKeyIds: string[];
  keys: { role: string; keyId: string; where: string }[];
  passphrase: 'environment' | 'keychain';
}

export async function initPlatform(ctx: AdminContext, opts: InitOptions): Promise<InitResult> {
  if (await ctx.store.read((db) => readSettings(db))) {
    throw new PlatformError('PLATFORM_EXISTS', 'This platform is already initialized', {
      where: ctx.store.where,
      hint: 'Keys are changed with `fleetpack platform rotate-key ROLE`; init runs once.',
    });
  }
  const now = ctx.now();
  const id = randomBytes(8).toString('hex');
  const keystore = ctx.keystore();
  let passphrase = ctx.env[PASSPHRASE_ENV];
  const passphraseWhere = passphrase ? 'environment' : 'keychain';
  const created: string[] = [];
  try {
    if (!passphrase) {
      passphrase = randomBytes(32).toString('base64url');
      await ctx.secrets().set(passphraseSecretName(id), passphrase, 'platform passphrase');
    }
    const salt = newSalt();
    const box = SecretBox.fromPassphrase(passphrase, salt);
    const names = { root: offlineKeyName(id, 'root'), targets: offlineKeyName(id, 'targets') };
    for (const role of ['root', 'targets'] as const) {
      const pem = role === 'root' ? opts.rootKeyPem : opts.targetsKeyPem;
      if (pem)
        await keystore.import(names[role], pem, {
          where: `${role} key PEM`,
          ...(opts.pemPassphrase ? { passphrase: opts.pemPassphrase } : {}),
        });
      else await keystore.create(names[role], { curve: 'P-256' });
      created.push(names[role]);
    }
    const rootSigner = await offlineSigner(keystore, names.root);
    const targetsSigner = await offlineSigner(keystore, names.targets);
    if (rootSigner.keyId === targetsSigner.keyId) {
      throw new PlatformError('KEY_REUSED', 'The root and targets keys are the same key', {
        hint: 'Give two different PEM keys: separate roles limit what one stolen key can do.',
      });
    }
    const settings: PlatformSettings = {
      id,
      name: opts.name,
      bitLength: opts.bitLength,
      snapshotBinHashes: opts.snapshotBinHashes ?? false,
      requirePublisherSignature: opts.requirePublisherSignature ?? false,
      passphraseSalt: salt,
      rootKeyName: names.root,
      targetsKeyName: names.targets,
      createdAt: now.toISOString(),
    };
    const repo = repositoryFor(settings, ctx);
    return await ctx.store.write(async (tx) => {
      if (await readSettings(tx)) throw new PlatformError('PLATFORM_EXISTS', 'This platform is already initialized');
      await writeSettings(tx, settings);
      const at = now.toISOString();
      const online = {
        snapshot: await storeOnlineKey(
          tx,
          box,
          'snapshot',
          opts.onlineKeys?.snapshot ?? generateOnlineKey().privateKey,
          at,
        ),
        timestamp: await storeOnlineKey(
          tx,
          box,
          'timestamp',
          opts.onlineKeys?.timestamp ?? generateOnlineKey().privateKey,
          at,
        ),
        bins: await storeOnlineKey(tx, box, 'bins', opts.onlineKeys?.bins ?? generateOnlineKey().privateKey, at),
      };
      const { root, rootKeyIds } = await repo.init(tx, { root: [rootSigner], targets: targetsSigner }, online);
      const keys = [
        { role: 'root', keyId: rootSigner.keyId, where: `keychain "${names.root}"` },
        { role: 'targets', keyId: targetsSigner.keyId, where: `keychain "${names.targets}"` },
        ...(['snapshot', 'timestamp', 'bins'] as const).map((r) => ({
          role: r,
          keyId: online[r].keyId,
          where: 'database (encrypted)',
        })),
      ];
      await audit(tx, now, opts.actor, 'platform.init', `platform:${id}`, {
        name: opts.name,
        bins: 2 ** opts.bitLength,
        keys: keys.map(({ role, keyId }) => ({ role, keyId })),
      });
      return { platformId: id, root: root.body, rootKeyIds, keys, passphrase: passphraseWhere };
    });
  } catch (e) {
    // Nothing committed: leave no orphan keys behind in the keychain.
    for (const n of created) await keystore.delete(n).catch(() => undefined);
    if (passphraseWhere === 'keychain')
      await ctx
        .secrets()
        .delete(passphraseSecretName(id))
        .catch(() => undefined);
    throw e;
  }
}

export type RotatableRole = OfflineRole | OnlineRole;
export const ROTATABLE_ROLES: RotatableRole[] = ['root', 'targets', 'snapshot', 'timestamp', 'bins'];

export interface RotateResult {
  role: RotatableRole;
  oldKeyId: string;
  newKeyId: string;
  rootVersion?: number;
  targetsVersion?: number;
}

/** Current keys, read from the current root and targets documents. */
function currentKeys(root: Record<string, unknown>, targets: Record<string, unknown>) {
  const signed = root.signed as { keys: Record<string, TufKey>; roles: Record<string, { keyids: string[] }> };
  const pick = (role: string) => signed.roles[role]!.keyids.map((id) => signed.keys[id]!);
  const deleg = (targets.signed as { delegations: { keys: Record<string, TufKey> } }).delegations;
  return {
    root: pick('root'),
    targets: pick('targets')[0]!,
    snapshot: pick('snapshot')[0]!,
    timestamp: pick('timestamp')[0]!,
    bins: Object.values(deleg.keys)[0]!,
  };
}

function nextGeneration(name: string): number {
  const m = /-(\d+)$/.exec(name);
  return m ? Number(m[1]) + 1 : 2;
}

/**
 * Rotates one role's key. Root and targets need the offline keys in this machine's keychain (and
 * a new root version signed by the old and new root keys for a root rotation); online keys need
 * the passphrase. Every affected document is re-signed in one transaction.
 */
export async function rotateKey(ctx: AdminContext, role: string, actor: Actor): Promise<RotateResult> {
  if (!(ROTATABLE_ROLES as string[]).includes(role)) {
    throw new PlatformError('ROLE_INVALID', `Unknown role "${role.slice(0, 40)}"`, {
      hint: `Rotate one of ${ROTATABLE_ROLES.join(', ')}.`,
    });
  }
  const r = role as RotatableRole;
  const settings = await ctx.store.read((db) => requireSettings(db));
  const keystore = ctx.keystore();
  const box = await openSecretBox(ctx, settings);
  const repo = repositoryFor(settings, ctx);
  const rootSigner = await offlineSigner(keystore, settings.rootKeyName);
  let newOffline: { name: string; role: OfflineRole } | undefined;
  if (r === 'root' || r === 'targets') {
    const current = r === 'root' ? settings.rootKeyName : settings.targetsKeyName;
    newOffline = { name: offlineKeyName(settings.id, r, nextGeneration(current)), role: r };
    await keystore.create(newOffline.name, { curve: 'P-256' });
  }
  const targetsSigner = await offlineSigner(keystore, r === 'targets' ? newOffline!.name : settings.targetsKeyName);
  const newRootSigner = r === 'root' ? await offlineSigner(keystore, newOffline!.name) : rootSigner;
  const now = ctx.now();
  try {
    return await ctx.store.write(async (tx) => {
      const online = await loadOnlineSigners(tx, box);
      const rootDoc = await repo.current(tx, 'root');
      const targetsDoc = await repo.current(tx, 'targets');
      const keys = currentKeys(rootDoc.json, targetsDoc.json);
      if (rootSigner.keyId !== keyIdOf(keys.root[0]!)) {
        throw new PlatformError(
          'OFFLINE_KEY_MISMATCH',
          `The keychain key "${settings.rootKeyName}" is not the platform's current root key`,
          {
            hint: 'Run rotate-key on the machine that ran `platform init` (or the last rotation).',
          },
        );
      }
      const result: RotateResult = { role: r, oldKeyId: '', newKeyId: '' };
      if (isOnlineRole(r)) {
        result.oldKeyId = online[r].keyId;
        online[r] = await storeOnlineKey(tx, box, r, generateOnlineKey().privateKey, now.toISOString());
        result.newKeyId = online[r].keyId;
      }
      if (r === 'root') {
        result.oldKeyId = rootSigner.keyId;
        result.newKeyId = newRootSigner.keyId;
      }
      if (r === 'targets') {
        result.oldKeyId = keyIdOf(keys.targets);
        result.newKeyId = targetsSigner.keyId;
      }
      if (r !== 'bins') {
        // Root lists root, targets, snapshot and timestamp keys: a new version, signed by the old
        // root key (and the new one on a root rotation, so clients can verify the hand-over).
        const pub = await onlinePublicKeys(tx);
        const signers = r === 'root' ? [rootSigner, newRootSigner] : [rootSigner];
        result.rootVersion = rootDoc.version + 1;
        await repo.writeRoot(tx, result.rootVersion, [newRootSigner], targetsSigner.key, pub, signers);
      }
      if (r === 'targets' || r === 'bins') {
        result.targetsVersion = targetsDoc.version + 1;
        await repo.writeTargets(tx, result.targetsVersion, targetsSigner, online.bins.key);
      }
      if (r === 'bins') await repo.resignAllBins(tx, online.bins);
      await repo.snapshotAndTimestamp(tx, online);
      if (newOffline)
        await writeSettings(
          tx,
          newOffline.role === 'root' ? { rootKeyName: newOffline.name } : { targetsKeyName: newOffline.name },
        );
      await audit(tx, now, actor, 'key.rotate', `role:${r}`, { ...result });
      return result;
    });
  } catch (e) {
    if (newOffline) await keystore.delete(newOffline.name).catch(() => undefined);
    throw e;
  }
}

export async function addPublisherKey(
  store: Store,
  publisher: string,
  pem: string,
  actor: Actor,
  now: Date,
  where?: string,
) {
  checkActorName(publisher, 'publisher name');
  const key = parsePublicKeyPem(pem, where ?? 'publisher key');
  return store.write(async (tx) => {
    const existing = await tx
      .selectFrom('publisher_keys')
      .select(['publisher'])
      .where('key_id', '=', key.keyId)
      .executeTakeFirst();
    if (existing) {
      if (existing.publisher === publisher)
        return { publisher, keyId: key.keyId, addedAt: now.toISOString(), existed: true };
      throw new PlatformError('KEY_REGISTERED', `This key is already registered to publisher "${existing.publisher}"`, {
        where: key.keyId,
        hint: 'Each signing key belongs to one publisher; give this publisher its own key.',
      });
    }
    await tx
      .insertInto('publisher_keys')
      .values({
        key_id: key.keyId,
        publisher,
        public_key_pem: key.publicKeyPem,
        added_at: now.toISOString(),
        added_by: actor.name,
      })
      .execute();
    await audit(tx, now, actor, 'publisher.key.add', `publisher:${publisher}`, { keyId: key.keyId, curve: key.curve });
    return { publisher, keyId: key.keyId, addedAt: now.toISOString(), existed: false };
  });
}

/** How the server reaches a registry: its credentials (sealed at rest) and transport. */
export interface RegistryAccess {
  credentials?: Credentials;
  /** HTTP instead of HTTPS (oci/ allows it only for loopback hosts unless `insecure`). */
  plainHttp?: boolean;
  insecure?: boolean;
}

const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/;

export function checkRegistryHost(host: string): void {
  if (!HOST_RE.test(host)) {
    throw new PlatformError('REGISTRY_HOST_INVALID', `"${host.slice(0, 100)}" is not a registry host`, {
      hint: 'Give HOST or HOST:PORT (e.g. registry.example.com or 127.0.0.1:5000), without a scheme or path.',
    });
  }
}

const registryPurpose = (host: string) => `registry credential ${host}`;

export async function addRegistry(ctx: AdminContext, host: string, cred: RegistryAccess, actor: Actor) {
  checkRegistryHost(host);
  const settings = await ctx.store.read((db) => requireSettings(db));
  const box = await openSecretBox(ctx, settings);
  const now = ctx.now();
  const sealed = box.seal(JSON.stringify(cred), registryPurpose(host));
  await ctx.store.write(async (tx) => {
    const row = { credential_enc: sealed, added_at: now.toISOString(), added_by: actor.name };
    const updated = await tx.updateTable('registries').set(row).where('host', '=', host).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await tx
        .insertInto('registries')
        .values({ host, ...row })
        .execute();
    // Never the credential itself: only what kind it is.
    await audit(tx, now, actor, 'registry.add', `registry:${host}`, {
      auth: cred.credentials?.identityToken ? 'token' : cred.credentials?.username ? 'basic' : 'anonymous',
      plainHttp: !!cred.plainHttp,
    });
  });
  return { host };
}

/** The stored access for a registry host, decrypted; undefined when the host was never added. */
export async function registryAccess(store: Store, box: SecretBox, host: string): Promise<RegistryAccess | undefined> {
  const row = await store.read((db) =>
    db.selectFrom('registries').select('credential_enc').where('host', '=', host).executeTakeFirst(),
  );
  if (!row) return undefined;
  return JSON.parse(box.open(row.credential_enc, registryPurpose(host)).toString('utf8')) as RegistryAccess;
}
