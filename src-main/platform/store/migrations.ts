/**
 * Versioned schema migrations, run at start by Kysely's Migrator (which records them in
 * `kysely_migration` and takes its own lock, so several servers starting at once on one
 * PostgreSQL run each migration once). Append new migrations; never edit a released one.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';

// Kysely migrations are untyped by design: the schema they see is the one they create.
type AnyDb = Kysely<unknown>;

const m0001: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('platform_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createTable('publisher_keys')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('public_key_pem', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('publisher_keys_publisher').on('publisher_keys').column('publisher').execute();
    await db.schema
      .createTable('registries')
      .addColumn('host', 'text', (c) => c.primaryKey())
      .addColumn('credential_enc', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('online_keys')
      .addColumn('role', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('public_json', 'text', (c) => c.notNull())
      .addColumn('private_enc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('releases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('counter', 'bigint', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('framework', 'text', (c) => c.notNull())
      .addColumn('profiles', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('oci_repository', 'text')
      .addColumn('oci_digest', 'text')
      .addColumn('content_digest', 'text', (c) => c.notNull())
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('signature_status', 'text', (c) => c.notNull())
      .addColumn('signer_key_id', 'text')
      .addColumn('sbom', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('releases_name_version', ['name', 'version'])
      .addUniqueConstraint('releases_name_counter', ['name', 'counter'])
      .execute();
    await db.schema
      .createTable('release_files')
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('release_files_pk', ['release_id', 'path'])
      .execute();
    await db.schema.createIndex('release_files_digest').on('release_files').column('digest').execute();
    await db.schema
      .createTable('channels')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('channels_pk', ['model', 'channel'])
      .execute();
    await db.schema
      .createTable('channel_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('from_release', 'text')
      .addColumn('to_release', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('tuf_targets')
      .addColumn('path', 'text', (c) => c.primaryKey())
      .addColumn('bin', 'text', (c) => c.notNull())
      .addColumn('release_id', 'text')
      .addColumn('length', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('custom', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tuf_targets_bin').on('tuf_targets').column('bin').execute();
    await db.schema.createIndex('tuf_targets_release').on('tuf_targets').column('release_id').execute();
    await db.schema
      .createTable('tuf_roles')
      .addColumn('role', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('expires', 'text', (c) => c.notNull())
      .addColumn('length', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('tuf_files')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_at').on('audit').columns(['at', 'id']).execute();
  },
};

const m0002: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_id', 'text')
      .addColumn('channel', 'text')
      .addColumn('profile', 'text')
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('facts', 'text', (c) => c.notNull())
      .addColumn('facts_key', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('installed', 'text')
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text')
      .execute();
    await db.schema.createIndex('devices_token').on('devices').column('token_id').execute();
    await db.schema.createIndex('devices_channel').on('devices').column('channel').execute();
    await db.schema
      .createTable('rollouts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('selector', 'text', (c) => c.notNull())
      .addColumn('allow_warnings', 'integer', (c) => c.notNull())
      .addColumn('phases', 'text', (c) => c.notNull())
      .addColumn('max_failures', 'integer', (c) => c.notNull())
      .addColumn('advance_at', 'integer', (c) => c.notNull())
      .addColumn('failures_acknowledged', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('phase', 'integer', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('state_reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // No foreign key on rollout_id: its rows are written only by createRollout, in the transaction
    // that inserts the rollout, and the per-row check was a third of a 100,000-device insert on PG.
    await db.schema
      .createTable('rollout_devices')
      .addColumn('rollout_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('phase', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollout_devices_pk', ['rollout_id', 'device_id'])
      .execute();
    await db.schema.createIndex('rollout_devices_device').on('rollout_devices').column('device_id').execute();
  },
};

/** Every migration by name; names sort in the order they run. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_devices_rollouts': m0002,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
