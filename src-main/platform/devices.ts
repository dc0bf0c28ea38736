/**
 * Devices on the platform: registered by an admin (`platform device add ID`, which creates the
 * device's token), by a fleet enrolment token (the device registers itself), or imported from an
 * inventory file for fleets the platform does not talk to yet. Facts use the inventory format's
 * names (fleet/), merged over the device's hardware profile, so the rollout's compatibility
 * preview is fleet/'s preview unchanged.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { PlatformError } from '../errors.js';
import {
  type Catalog,
  type Device,
  type DeviceFacts,
  factsKey,
  Inventory,
  mergeFacts,
  validateFacts,
} from '../fleet/index.js';
import { isChannelName } from '../manifest/index.js';
import { type Actor, audit } from './audit.js';
import { type BulkColumn, type Dialect, insertRows, type Tx } from './store/database.js';
import type { Database, DeviceTable } from './store/schema.js';
import { ACTOR_NAME_RE, createToken, type CreatedToken } from './tokens.js';

/** Device ids: what tokens are named after, so the same rule as token names. */
export const DEVICE_ID_RE = ACTOR_NAME_RE;
const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/=-]{0,63}$/;
/** Bytes of one device's facts document (what an agent may send). */
export const MAX_FACTS_BYTES = 64 * 1024;
const MAX_LABELS = 32;

export type DeviceSource = 'import' | 'admin' | 'enrolment' | 'agent';

/** What a device may be told about itself when registered (all optional but the id). */
export interface DeviceInput {
  id: string;
  channel?: string;
  profile?: string;
  labels?: string[];
  facts?: DeviceFacts;
}

/** What was installed, per model, as the agent reports it. */
export type InstalledModels = Record<string, { version: string; releaseCounter: number; digest: string }>;

export interface DeviceInfo {
  id: string;
  channel: string | null;
  profile: string | null;
  labels: string[];
  facts: DeviceFacts;
  source: DeviceSource;
  hasToken: boolean;
  installed: InstalledModels;
  registeredAt: string;
  lastSeenAt: string | null;
}

export function checkDeviceId(id: unknown): string {
  if (typeof id !== 'string' || !DEVICE_ID_RE.test(id)) {
    throw new PlatformError('DEVICE_ID_INVALID', `Invalid device id "${String(id).slice(0, 80)}"`, {
      hint: 'Use 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit.',
    });
  }
  return id;
}

/**
 * Checks an untrusted device description and returns the stored columns: facts validated against
 * the facts schema, merged over the profile's, labels and channel checked.
 */
export function deviceColumns(
  input: DeviceInput,
  catalog: Catalog,
  where: string,
): Pick<DeviceTable, 'channel' | 'profile' | 'labels' | 'facts' | 'facts_key'> {
  if (input.channel !== undefined && !isChannelName(input.channel)) {
    throw new PlatformError('CHANNEL_INVALID', `"${input.channel.slice(0, 40)}" is not a channel name`, {
      where,
      hint: 'Use stable, beta, canary or a lower-case name of letters, digits and "-".',
    });
  }
  const labels = input.labels ?? [];
  if (
    !Array.isArray(labels) ||
    labels.length > MAX_LABELS ||
    !labels.every((l) => typeof l === 'string' && LABEL_RE.test(l))
  ) {
    throw new PlatformError('DEVICE_LABELS_INVALID', 'Device labels must be up to 32 short names', {
      where,
      hint: 'Labels are 1-64 letters, digits and "._:/=-", e.g. site=berlin.',
    });
  }
  let base: DeviceFacts = {};
  if (input.profile !== undefined) {
    try {
      base = catalog.resolve(input.profile).facts;
    } catch {
      throw new PlatformError('UNKNOWN_PROFILE', `Unknown hardware profile "${input.profile.slice(0, 80)}"`, {
        where,
        hint: 'List the profiles with `fleetpack compat --list-profiles`, or state the facts instead.',
      });
    }
  }
  const stated = input.facts ?? {};
  if (JSON.stringify(stated).length > MAX_FACTS_BYTES) {
    throw new PlatformError('DEVICE_FACTS_TOO_LARGE', `The facts of ${where} exceed ${MAX_FACTS_BYTES} bytes`, {
      where,
    });
  }
  const problems = validateFacts(stated);
  if (problems.length) {
    throw new PlatformError(
      'DEVICE_FACTS_INVALID',
      `The facts of ${where} are not valid: ${problems.slice(0, 3).join('; ')}`,
      {
        where,
        hint: 'Use the fact names of the inventory format (README "fleetpack compat").',
      },
    );
  }
  const facts = mergeFacts(base, stated);
  return {
    channel: input.channel ?? null,
    profile: input.profile ?? null,
    labels: JSON.stringify([...new Set(labels)].sort()),
    facts: JSON.stringify(facts),
    facts_key: storedFactsKey(facts),
  };
}

const storedKeys = new WeakMap<DeviceFacts, string>();
/**
 * The `facts_key` column: a SHA-256 of fleet/'s canonical facts key, not the key itself (a
 * facts document long), so reading 100,000 devices for a preview moves 43 bytes per row, not a
 * document. Cached per facts object: an inventory shares one object per kind of device.
 */
function storedFactsKey(facts: DeviceFacts): string {
  let k = storedKeys.get(facts);
  if (k === undefined) storedKeys.set(facts, (k = createHash('sha256').update(factsKey(facts)).digest('base64url')));
  return k;
}

const DEVICE_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'text' },
  { name: 'token_id', pgType: 'text' },
  { name: 'channel', pgType: 'text' },
  { name: 'profile', pgType: 'text' },
  { name: 'labels', pgType: 'text' },
  { name: 'facts', pgType: 'text' },
  { name: 'facts_key', pgType: 'text' },
  { name: 'source', pgType: 'text' },
  { name: 'installed', pgType: 'text' },
  { name: 'registered_at', pgType: 'text' },
  { name: 'last_seen_at', pgType: 'text' },
];
const DEVICE_UPSERT =
  'on conflict (id) do update set channel = excluded.channel, profile = excluded.profile, labels = excluded.labels, ' +
  'facts = excluded.facts, facts_key = excluded.facts_key, source = excluded.source';
/** Devices a statement: bounds the rows built at once (an inventory of 100,000 is never materialized whole). */
const UPSERT_BATCH = 10_000;

/**
 * Inserts or replaces devices (facts already merged, e.g. by fleet/'s inventory importer), in
 * batches built from the inventory's column store as they go; each kind's facts are serialized once.
 */
export async function upsertDevices(
  tx: Tx,
  dialect: Dialect,
  devices: Inventory | readonly Device[],
  source: DeviceSource,
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  const n = devices instanceof Inventory ? devices.size : devices.length;
  const device = devices instanceof Inventory ? (i: number) => devices.device(i) : (i: number) => devices[i]!;
  const factsJson = new Map<DeviceFacts, string>();
  for (let i = 0; i < n; i += UPSERT_BATCH) {
    const rows: (string | null)[][] = [];
    for (let j = i; j < Math.min(n, i + UPSERT_BATCH); j++) {
      const d = device(j);
      let facts = factsJson.get(d.facts);
      if (facts === undefined) factsJson.set(d.facts, (facts = JSON.stringify(d.facts)));
      rows.push([
        checkDeviceId(d.id),
        null,
        d.channel ?? null,
        d.profile ?? null,
        d.labels?.length ? JSON.stringify([...new Set(d.labels)].sort()) : '[]',
        facts,
        storedFactsKey(d.facts),
        source,
        null,
        at,
        null,
      ]);
    }
    await insertRows(tx, dialect, 'devices', DEVICE_COLUMNS, rows, DEVICE_UPSERT);
  }
  return n;
}

/**
 * Registers one device and creates its token (role device, named after the device). An existing
 * device gets a new token (the old one is revoked): that is how a lost device token is replaced.
 */
export async function addDevice(
  tx: Tx,
  input: DeviceInput,
  catalog: Catalog,
  by: Actor,
  now: Date,
  source: DeviceSource,
): Promise<{ device: DeviceInfo; token: CreatedToken }> {
  const id = checkDeviceId(input.id);
  const cols = deviceColumns(input, catalog, `device ${id}`);
  const existing = await tx.selectFrom('devices').select(['token_id']).where('id', '=', id).executeTakeFirst();
  if (existing?.token_id && source === 'enrolment') {
    throw new PlatformError('DEVICE_EXISTS', `Device ${id} is already registered`, {
      hint: 'An enrolment token registers new devices only; an admin replaces a lost token with `fleetpack platform device add ID`.',
    });
  }
  if (existing?.token_id) {
    await tx
      .updateTable('tokens')
      .set({ revoked_at: now.toISOString() })
      .where('id', '=', existing.token_id)
      .where('revoked_at', 'is', null)
      .execute();
  }
  const token = await createToken(tx, id, 'device', by, now);
  const at = now.toISOString();
  await tx
    .insertInto('devices')
    .values({ id, token_id: token.id, ...cols, source, installed: null, registered_at: at, last_seen_at: null })
    .onConflict((oc) => oc.column('id').doUpdateSet({ token_id: token.id, ...cols, source }))
    .execute();
  await audit(tx, now, by, 'device.add', `device:${id}`, { channel: cols.channel, profile: cols.profile, source });
  const device = await getDevice(tx, id);
  return { device: device!, token };
}

function toInfo(r: DeviceTable): DeviceInfo {
  return {
    id: r.id,
    channel: r.channel,
    profile: r.profile,
    labels: JSON.parse(r.labels) as string[],
    facts: JSON.parse(r.facts) as DeviceFacts,
    source: r.source as DeviceSource,
    hasToken: r.token_id !== null,
    installed: r.installed ? (JSON.parse(r.installed) as InstalledModels) : {},
    registeredAt: r.registered_at,
    lastSeenAt: r.last_seen_at,
  };
}

export async function getDevice(db: Kysely<Database> | Tx, id: string): Promise<DeviceInfo | undefined> {
  const r = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toInfo(r);
}

/** The device a token stands for (device tokens are bound to one device). */
export async function deviceOfToken(db: Kysely<Database>, tokenId: string): Promise<string | undefined> {
  const r = await db.selectFrom('devices').select('id').where('token_id', '=', tokenId).executeTakeFirst();
  return r?.id;
}

export interface DeviceQuery {
  channel?: string;
  profile?: string;
  label?: string;
  limit?: number;
  after?: string;
}

export async function listDevices(
  db: Kysely<Database>,
  q: DeviceQuery = {},
): Promise<{ devices: DeviceInfo[]; total: number }> {
  let query = db.selectFrom('devices');
  if (q.channel) query = query.where('channel', '=', q.channel);
  if (q.profile) query = query.where('profile', '=', q.profile);
  if (q.label) query = query.where('labels', 'like', `%${JSON.stringify(q.label)}%`);
  const total = Number(
    (await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n,
  );
  let page = query.selectAll().orderBy('id');
  if (q.after) page = page.where('id', '>', q.after);
  const rows = await page.limit(Math.min(Math.max(q.limit ?? 1000, 1), 10_000)).execute();
  return { devices: rows.map(toInfo), total };
}

/** Every device on a channel as fleet/ Devices, by id (facts parsed once per distinct facts key, one object per kind). */
export async function devicesForPreview(db: Kysely<Database>, channel: string): Promise<Device[]> {
  // Facts once per distinct key (a fleet has few kinds of device), then the light columns per device.
  const kinds = await db
    .selectFrom('devices')
    .select((eb) => ['facts_key', eb.fn.min('facts').as('facts')])
    .where('channel', '=', channel)
    .groupBy('facts_key')
    .execute();
  const factsByKey = new Map(
    kinds.map((k) => {
      const facts = JSON.parse(k.facts) as DeviceFacts;
      return [k.facts_key, { facts, key: factsKey(facts) }];
    }),
  );
  const rows = await db
    .selectFrom('devices')
    .select(['id', 'profile', 'labels', 'facts_key'])
    .where('channel', '=', channel)
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const kind = factsByKey.get(r.facts_key)!;
    const d: Device = {
      id: r.id,
      channel,
      labels: r.labels === '[]' ? [] : (JSON.parse(r.labels) as string[]),
      facts: kind.facts,
      factsKey: kind.key,
    };
    if (r.profile) d.profile = r.profile;
    return d;
  });
}

/** The agent's report of its facts and what it runs (never its channel or labels: those are the admin's). */
export async function reportDeviceFacts(
  tx: Tx,
  id: string,
  report: { facts?: DeviceFacts; profile?: string; installed?: InstalledModels },
  catalog: Catalog,
  now: Date,
): Promise<void> {
  const current = await tx.selectFrom('devices').select(['profile', 'channel']).where('id', '=', id).executeTakeFirst();
  if (!current) throw new PlatformError('DEVICE_NOT_FOUND', `No device ${id}`);
  const set: Partial<DeviceTable> = { last_seen_at: now.toISOString() };
  if (report.facts !== undefined) {
    const cols = deviceColumns(
      {
        id,
        facts: report.facts,
        ...((report.profile ?? current.profile) ? { profile: (report.profile ?? current.profile)! } : {}),
      },
      catalog,
      `device ${id}`,
    );
    Object.assign(set, { facts: cols.facts, facts_key: cols.facts_key, profile: cols.profile, source: 'agent' });
  }
  if (report.installed !== undefined) set.installed = JSON.stringify(report.installed);
  await tx.updateTable('devices').set(set).where('id', '=', id).execute();
}
