/**
 * Platform-wide settings, one row each in `platform_meta`: identity, hash-bin layout, policy and
 * the salt of the passphrase that encrypts online keys. Written by `platform init`, read at start.
 */
import type { Kysely } from 'kysely';
import { PlatformError } from '../errors.js';
import type { Tx } from './store/database.js';
import type { Database } from './store/schema.js';

export interface PlatformSettings {
  id: string;
  name: string;
  /** Succinct hash bins: 2^bitLength bins. */
  bitLength: number;
  /** Snapshot pins every bin by hash (bigger snapshot) or by version and length only. */
  snapshotBinHashes: boolean;
  /** Publishes must carry a model.sig by a key the publisher registered. */
  requirePublisherSignature: boolean;
  passphraseSalt: string;
  /** Keychain names of the offline keys on the machine that ran init. */
  rootKeyName: string;
  targetsKeyName: string;
  createdAt: string;
}

const KEYS: Record<keyof PlatformSettings, string> = {
  id: 'id',
  name: 'name',
  bitLength: 'bit_length',
  snapshotBinHashes: 'snapshot_bin_hashes',
  requirePublisherSignature: 'require_publisher_signature',
  passphraseSalt: 'passphrase_salt',
  rootKeyName: 'root_key_name',
  targetsKeyName: 'targets_key_name',
  createdAt: 'created_at',
};

export async function readSettings(db: Kysely<Database> | Tx): Promise<PlatformSettings | undefined> {
  const rows = await db.selectFrom('platform_meta').selectAll().execute();
  const m = new Map(rows.map((r) => [r.key, r.value]));
  if (!m.has('id')) return undefined;
  const get = (k: keyof PlatformSettings) => m.get(KEYS[k]) ?? '';
  return {
    id: get('id'),
    name: get('name'),
    bitLength: Number(get('bitLength')),
    snapshotBinHashes: get('snapshotBinHashes') === 'true',
    requirePublisherSignature: get('requirePublisherSignature') === 'true',
    passphraseSalt: get('passphraseSalt'),
    rootKeyName: get('rootKeyName'),
    targetsKeyName: get('targetsKeyName'),
    createdAt: get('createdAt'),
  };
}

export async function requireSettings(db: Kysely<Database> | Tx): Promise<PlatformSettings> {
  const s = await readSettings(db);
  if (!s) {
    throw new PlatformError('PLATFORM_NOT_INITIALIZED', 'This platform has not been initialized', {
      hint: 'Run `fleetpack platform init` (with the same --data / --database) first.',
    });
  }
  return s;
}

export async function writeSettings(tx: Tx, s: Partial<PlatformSettings>): Promise<void> {
  for (const [k, v] of Object.entries(s)) {
    const key = KEYS[k as keyof PlatformSettings];
    const value = String(v);
    const updated = await tx.updateTable('platform_meta').set({ value }).where('key', '=', key).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await tx.insertInto('platform_meta').values({ key, value }).execute();
  }
}
