/**
 * Where the TUF signing keys live. Offline (root, top-level targets): P-256 keys in the OS keychain
 * of the machine that ran `platform init` (signing/'s Keystore), never in the database or the data
 * folder. Online (snapshot, timestamp, bins): ed25519 keys in the database, sealed with the
 * platform passphrase, decrypted into memory by the server that signs with them.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { PlatformError } from '../errors.js';
import type { Keystore } from '../signing/index.js';
import type { SecretBox } from './secrets.js';
import type { Tx } from './store/database.js';
import type { Database } from './store/schema.js';
import { signerFromKeychain, signerFromKeyObject, type TufKey, type TufSigner } from './tuf/keys.js';
import type { OnlineSigners } from './tuf/repository.js';

export const ONLINE_ROLES = ['snapshot', 'timestamp', 'bins'] as const;
export type OnlineRole = (typeof ONLINE_ROLES)[number];
export const OFFLINE_ROLES = ['root', 'targets'] as const;
export type OfflineRole = (typeof OFFLINE_ROLES)[number];

export function isOnlineRole(r: string): r is OnlineRole {
  return (ONLINE_ROLES as readonly string[]).includes(r);
}

/** Keychain name of an offline key: platform id prefix, role, and a generation for rotations. */
export function offlineKeyName(platformId: string, role: OfflineRole, generation = 1): string {
  return `fleetpack-tuf-${platformId.slice(0, 12)}-${role}${generation > 1 ? `-${generation}` : ''}`;
}

export async function offlineSigner(keystore: Keystore, name: string): Promise<TufSigner> {
  return signerFromKeychain(await keystore.signer(name));
}

const purpose = (role: OnlineRole) => `online key ${role}`;

export async function storeOnlineKey(tx: Tx, box: SecretBox, role: OnlineRole, key: KeyObject, at: string) {
  const signer = signerFromKeyObject(key);
  const row = {
    key_id: signer.keyId,
    public_json: JSON.stringify(signer.key),
    private_enc: box.seal(key.export({ type: 'pkcs8', format: 'der' }), purpose(role)),
    created_at: at,
  };
  const updated = await tx.updateTable('online_keys').set(row).where('role', '=', role).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0)
    await tx
      .insertInto('online_keys')
      .values({ role, ...row })
      .execute();
  return signer;
}

/** Decrypts the online keys into signers; PASSPHRASE_WRONG when the passphrase does not open them. */
export async function loadOnlineSigners(db: Kysely<Database> | Tx, box: SecretBox): Promise<OnlineSigners> {
  const rows = await db.selectFrom('online_keys').selectAll().execute();
  const out: Partial<OnlineSigners> = {};
  for (const role of ONLINE_ROLES) {
    const row = rows.find((r) => r.role === role);
    if (!row) {
      throw new PlatformError('PLATFORM_NOT_INITIALIZED', `The platform has no online ${role} key`, {
        hint: 'Run `fleetpack platform init` first.',
      });
    }
    const key = createPrivateKey({ key: box.open(row.private_enc, purpose(role)), format: 'der', type: 'pkcs8' });
    out[role] = signerFromKeyObject(key);
  }
  return out as OnlineSigners;
}

/** Public keys of the online roles (no decryption needed): for root and targets documents. */
export async function onlinePublicKeys(db: Kysely<Database> | Tx): Promise<Record<OnlineRole, { key: TufKey }>> {
  const rows = await db.selectFrom('online_keys').select(['role', 'public_json']).execute();
  const out: Partial<Record<OnlineRole, { key: TufKey }>> = {};
  for (const r of rows) if (isOnlineRole(r.role)) out[r.role] = { key: JSON.parse(r.public_json) as TufKey };
  for (const role of ONLINE_ROLES) {
    if (!out[role]) throw new PlatformError('PLATFORM_NOT_INITIALIZED', `The platform has no online ${role} key`);
  }
  return out as Record<OnlineRole, { key: TufKey }>;
}
