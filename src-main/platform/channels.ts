/**
 * Channels: `stable`, `beta`, `canary` or any name the manifest's channel rule allows. A channel
 * points at one release per model; every change is recorded (who, when, from what), written to
 * the audit log and re-signed into TUF (the `custom.channels` of the releases involved).
 */
import type { Kysely } from 'kysely';
import { PlatformError } from '../errors.js';
import { type Actor, audit } from './audit.js';
import { pointChannel, releaseTargets } from './releases.js';
import type { Tx } from './store/database.js';
import type { Database } from './store/schema.js';
import type { OnlineSigners, TargetRow, TufRepository } from './tuf/repository.js';

export interface ChannelContext {
  store: { write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> };
  repo: TufRepository;
  /** The online signers, checked inside the transaction (a key rotated by another process is picked up). */
  online: (tx: Tx) => Promise<OnlineSigners>;
  now: () => Date;
}

export interface ChannelChange {
  model: string;
  channel: string;
  version: string;
  /** The version the channel pointed at before, if any. */
  from: string | null;
  changed: boolean;
}

async function releaseId(tx: Tx, model: string, version: string): Promise<string> {
  const r = await tx
    .selectFrom('releases')
    .select('id')
    .where('name', '=', model)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!r) {
    throw new PlatformError('RELEASE_NOT_FOUND', `No release ${model}@${version}`, {
      hint: 'List releases with `fleetpack releases NAME`; publish it first.',
    });
  }
  return r.id;
}

async function versionOf(tx: Tx, id: string | undefined): Promise<string | null> {
  if (!id) return null;
  const r = await tx.selectFrom('releases').select('version').where('id', '=', id).executeTakeFirst();
  return r?.version ?? null;
}

async function apply(
  ctx: ChannelContext,
  tx: Tx,
  actor: Actor,
  model: string,
  channel: string,
  id: string,
  action: string,
  extra: Record<string, unknown>,
): Promise<ChannelChange> {
  const now = ctx.now();
  const before = await tx
    .selectFrom('channels')
    .select('release_id')
    .where('model', '=', model)
    .where('channel', '=', channel)
    .executeTakeFirst();
  const from = await versionOf(tx, before?.release_id);
  const version = (await versionOf(tx, id))!;
  const touched = await pointChannel(tx, model, channel, id, actor, now);
  if (touched.length === 0) return { model, channel, version, from, changed: false };
  const upsert: TargetRow[] = [];
  for (const rid of touched) upsert.push(...(await releaseTargets(tx, rid, true)));
  await ctx.repo.updateTargets(tx, { upsert }, await ctx.online(tx));
  await audit(tx, now, actor, action, `channel:${model}/${channel}`, { from, to: version, ...extra });
  return { model, channel, version, from, changed: true };
}

/** `fleetpack channel set NAME VERSION CHANNEL`. */
export function setChannel(
  ctx: ChannelContext,
  actor: Actor,
  model: string,
  version: string,
  channel: string,
): Promise<ChannelChange> {
  return ctx.store.write(async (tx) =>
    apply(ctx, tx, actor, model, channel, await releaseId(tx, model, version), 'channel.set', {}),
  );
}

/** `fleetpack promote NAME --from beta --to stable`: the release `from` points at, now also on `to`. */
export function promote(
  ctx: ChannelContext,
  actor: Actor,
  model: string,
  from: string,
  to: string,
): Promise<ChannelChange> {
  return ctx.store.write(async (tx) => {
    const src = await tx
      .selectFrom('channels')
      .select('release_id')
      .where('model', '=', model)
      .where('channel', '=', from)
      .executeTakeFirst();
    if (!src) {
      throw new PlatformError('CHANNEL_EMPTY', `${model} has no release on channel "${from.slice(0, 40)}"`, {
        hint: `Put one there first: \`fleetpack channel set ${model} VERSION ${from}\`.`,
      });
    }
    return apply(ctx, tx, actor, model, to, src.release_id, 'channel.promote', { fromChannel: from });
  });
}

export interface ChannelPointer {
  model: string;
  channel: string;
  version: string;
  releaseId: string;
  updatedAt: string;
  updatedBy: string;
}

export async function listChannels(db: Kysely<Database>, model?: string): Promise<ChannelPointer[]> {
  let q = db
    .selectFrom('channels')
    .innerJoin('releases', 'releases.id', 'channels.release_id')
    .select([
      'channels.model',
      'channels.channel',
      'releases.version',
      'channels.release_id',
      'channels.updated_at',
      'channels.updated_by',
    ])
    .orderBy('channels.model')
    .orderBy('channels.channel');
  if (model) q = q.where('channels.model', '=', model);
  return (await q.execute()).map((r) => ({
    model: r.model,
    channel: r.channel,
    version: r.version,
    releaseId: r.release_id,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  }));
}

export interface ChannelEvent {
  model: string;
  channel: string;
  from: string | null;
  to: string;
  actor: string;
  at: string;
}

/** Every change of a model's channels, oldest first, with versions. */
export async function channelHistory(db: Kysely<Database>, model: string): Promise<ChannelEvent[]> {
  const rows = await db.selectFrom('channel_events').selectAll().where('model', '=', model).orderBy('id').execute();
  const ids = [...new Set(rows.flatMap((r) => [r.from_release, r.to_release]).filter((x): x is string => !!x))];
  const versions = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = await db
      .selectFrom('releases')
      .select(['id', 'version'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const p of part) versions.set(p.id, p.version);
  }
  return rows.map((r) => ({
    model: r.model,
    channel: r.channel,
    from: r.from_release ? (versions.get(r.from_release) ?? null) : null,
    to: versions.get(r.to_release) ?? r.to_release,
    actor: r.actor,
    at: r.at,
  }));
}
