/**
 * Rollouts: a release shipped to the devices of a channel, in phases, with a health threshold.
 * Before anything ships, fleet/'s compatibility preview runs over the devices in scope and every
 * device that does not fit is **declined** with the rule's reason and fix (the rollout's report is
 * the preview itself, the shape of `fleetpack compat --json`). Devices report their progress; the
 * next phase starts on its own when enough of the current phase is healthy, and the rollout halts
 * when failures pass the threshold. The director's answer to a device (`assignmentFor`) and the
 * facade's download check (`mayDownload`) live here too, so the rule is in one place.
 */
import type { Kysely } from 'kysely';
import { PlatformError } from '../errors.js';
import {
  type Catalog,
  type Device,
  type DeviceFacts,
  type PreviewResult,
  type Reason,
  checkedPreview,
  preview,
} from '../fleet/index.js';
import { decodeUtf8 } from '../json.js';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, type Manifest, parseManifestText } from '../manifest/index.js';
import { type Actor, audit, newId } from './audit.js';
import { devicesForPreview } from './devices.js';
import { targetPath } from './releases.js';
import { type BulkColumn, type Dialect, insertRows, type Tx } from './store/database.js';
import type { Database, RolloutTable } from './store/schema.js';

export const ROLLOUT_STATES = ['active', 'paused', 'halted', 'aborted', 'completed'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** What an agent reports about one update. */
export const DEVICE_STATES = [
  'pending',
  'downloading',
  'installing',
  'installed',
  'healthy',
  'rolled-back',
  'failed',
] as const;
export type DeviceUpdateState = (typeof DEVICE_STATES)[number] | 'declined';
const FINISHED = new Set<DeviceUpdateState>(['healthy', 'rolled-back', 'failed']);
const FAILED = new Set<DeviceUpdateState>(['rolled-back', 'failed']);
/** States an agent may report (pending and declined are the platform's). */
const REPORTABLE = new Set<string>(['downloading', 'installing', 'installed', 'healthy', 'rolled-back', 'failed']);

export interface RolloutRequest {
  model: string;
  version: string;
  channel: string;
  /** `key=value[|value…]` terms joined by `,` (all must match): id, label, profile. */
  devices?: string;
  allowWarnings?: boolean;
  /** Cumulative percentages of the eligible devices, ascending, the last 100. Default [100]. */
  phases?: number[];
  /** Halt when failed devices exceed this percentage of the devices started (default 100: never). */
  maxFailures?: number;
  /** Start the next phase when this percentage of the current phase is healthy (default 100). */
  advanceAt?: number;
}

export interface RolloutDeviceStatus {
  id: string;
  phase: number | null;
  state: DeviceUpdateState;
  reason?: unknown;
  updatedAt: string;
}

export interface RolloutPhase {
  index: number;
  percent: number;
  devices: number;
  started: boolean;
  counts: Partial<Record<DeviceUpdateState, number>>;
}

export interface RolloutStatus {
  id: string;
  model: string;
  version: string;
  releaseId: string;
  channel: string;
  selector: string;
  allowWarnings: boolean;
  maxFailures: number;
  advanceAt: number;
  state: RolloutState;
  stateReason: string | null;
  phase: number;
  phases: RolloutPhase[];
  counts: Partial<Record<DeviceUpdateState, number>>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** The compatibility preview the declines came from (the shape of `fleetpack compat --json`). */
  report: PreviewResult;
  /** Per device (first `limit` by id, of the asked states if any); declined ones carry the rule's reasons. */
  devices: RolloutDeviceStatus[];
}

export interface RolloutContext {
  catalog: Catalog;
  now: () => Date;
  /** The database's dialect (bulk inserts differ). */
  dialect: Dialect;
  /** Reads a small blob of a release (its manifest), verified. */
  readBlob(digest: string, size: number, maxBytes: number): Promise<Buffer>;
}

const SELECTOR_KEYS = new Set(['id', 'label', 'profile']);

/** Parses `--devices`: `label=site-a,profile=p` (AND), `id=a|b` (OR within a term). */
export function parseSelector(spec: string): ((d: Device) => boolean) | undefined {
  if (spec.trim() === '') return undefined;
  const terms = spec.split(',').map((t) => {
    const m = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/.exec(t);
    if (!m || !SELECTOR_KEYS.has(m[1]!)) {
      throw new PlatformError('SELECTOR_INVALID', `"${t.slice(0, 80)}" is not a device selector term`, {
        hint: 'Use id=A|B, label=L or profile=P, joined by "," (all must match).',
      });
    }
    return { key: m[1]!, values: new Set(m[2]!.split('|')) };
  });
  return (d) =>
    terms.every((t) =>
      t.key === 'id'
        ? t.values.has(d.id)
        : t.key === 'profile'
          ? d.profile !== undefined && t.values.has(d.profile)
          : (d.labels ?? []).some((l) => t.values.has(l)),
    );
}

/** A percentage as the CLI and the Studio take it (`5%` or `5`), or undefined when it is not one. */
export function parsePercent(spec: string): number | undefined {
  const m = /^(\d{1,3})%?$/.exec(spec.trim());
  const n = m ? Number(m[1]) : NaN;
  return m && n <= 100 ? n : undefined;
}

function checkPercent(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 100) {
    throw new PlatformError('ROLLOUT_INVALID', `${what} must be a whole percentage from 0 to 100, got ${v}`, {
      hint: 'e.g. --phases 1%,10%,100% --max-failures 5%',
    });
  }
  return v;
}

function checkPhases(phases: number[]): number[] {
  if (phases.length === 0 || phases.length > 20) {
    throw new PlatformError('ROLLOUT_INVALID', 'A rollout has 1 to 20 phases', { hint: 'e.g. --phases 1%,10%,100%' });
  }
  phases.forEach((p, i) => {
    checkPercent(p, 'A phase');
    if (p === 0 || (i > 0 && p <= phases[i - 1]!)) {
      throw new PlatformError('ROLLOUT_INVALID', `Phases must grow: ${phases.join('%, ')}%`, {
        hint: 'Each phase is the cumulative share of devices, e.g. 1%,10%,100%.',
      });
    }
  });
  if (phases[phases.length - 1] !== 100) {
    throw new PlatformError('ROLLOUT_INVALID', `The last phase must be 100%, not ${phases[phases.length - 1]}%`, {
      hint: 'e.g. --phases 1%,10%,100%',
    });
  }
  return phases;
}

/** FNV-1a (32 bits) of a string's UTF-16 code units, continuing from `h`. */
function fnv1a(text: string, h: number): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A stable, well-mixed spread of devices over phases: positions of `ids` sorted by a hash of the
 * rollout id and the device id (two FNV-1a passes, 52 bits; ties by position). Computed once, at
 * create, and stored with each device's phase.
 */
function order(rolloutId: string, ids: readonly string[]): Uint32Array {
  const a0 = fnv1a(`${rolloutId}\0`, 0x811c9dc5);
  const b0 = fnv1a(`${rolloutId}\0`, 0x2f4a7c15);
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = (fnv1a(ids[i]!, a0) & 0xfffff) * 2 ** 32 + fnv1a(ids[i]!, b0);
  return new Uint32Array(ids.length).map((_, i) => i).sort((x, y) => keys[x]! - keys[y]! || x - y);
}

const ROLLOUT_DEVICE_COLUMNS: readonly BulkColumn[] = [
  { name: 'rollout_id', pgType: 'text' },
  { name: 'device_id', pgType: 'text' },
  { name: 'phase', pgType: 'integer' },
  { name: 'state', pgType: 'text' },
  { name: 'reason', pgType: 'text' },
  { name: 'updated_at', pgType: 'text' },
];

/** Reasons of a group as stored per device: the decisive ones (declined, or warnings when they decline). */
export function declineReasons<R extends Pick<Reason, 'severity'>>(reasons: R[], warningsDecline: boolean): R[] {
  return reasons.filter((r) => r.severity === 'declined' || (warningsDecline && r.severity === 'warning'));
}

/** The report stored with the rollout: the preview with its per-group samples cut back to five ids. */
function storedReport(p: PreviewResult): PreviewResult {
  return { ...p, groups: p.groups.map((g) => ({ ...g, sample: g.sample.slice(0, 5) })) };
}

/** The devices a rollout on `channel` checks: every device of the channel, or those the selector picks. */
async function devicesInScope(db: Kysely<Database>, channel: string, selector: string | undefined): Promise<Device[]> {
  const select = parseSelector(selector ?? '');
  const all = await devicesForPreview(db, channel);
  return select ? all.filter(select) : all;
}

/**
 * What a rollout of this manifest on `channel` would decline, without creating anything (the
 * Studio's Publish step): the same devices in scope and fleet/'s preview, as `createRollout` runs
 * them. An invalid manifest is refused (MANIFEST_INVALID); an empty scope answers a report with no
 * device and `ok: false`, never a pass.
 */
export async function previewRollout(
  db: Kysely<Database>,
  catalog: Catalog,
  manifest: Manifest,
  req: { channel: string; devices?: string },
  sample = 25,
): Promise<PreviewResult> {
  const inScope = await devicesInScope(db, req.channel, req.devices);
  return checkedPreview(manifest, inScope, { catalog, channel: req.channel, sample, where: 'manifest' });
}

export async function createRollout(
  tx: Tx,
  ctx: RolloutContext,
  actor: Actor,
  req: RolloutRequest,
): Promise<{ id: string }> {
  const phases = checkPhases(req.phases ?? [100]);
  const maxFailures = checkPercent(req.maxFailures ?? 100, '--max-failures');
  const advanceAt = checkPercent(req.advanceAt ?? 100, '--advance-at');
  const release = await tx
    .selectFrom('releases')
    .select(['id', 'name', 'version'])
    .where('name', '=', req.model)
    .where('version', '=', req.version)
    .executeTakeFirst();
  if (!release) {
    throw new PlatformError('RELEASE_NOT_FOUND', `No release ${req.model}@${req.version}`, {
      hint: 'Publish it first (fleetpack publish), then list releases with `fleetpack releases`.',
    });
  }
  // Only what is in signed TUF metadata can ship: a device refuses anything else anyway.
  const signed = await tx
    .selectFrom('tuf_targets')
    .select('path')
    .where('release_id', '=', release.id)
    .where('path', '=', targetPath(release.name, release.version, MANIFEST_FILE))
    .executeTakeFirst();
  if (!signed) {
    throw new PlatformError('RELEASE_NOT_SIGNED', `${req.model}@${req.version} is not in the signed TUF metadata`, {
      hint: 'Only published releases (signed into TUF) can be rolled out.',
    });
  }
  const pointer = await tx
    .selectFrom('channels')
    .select('release_id')
    .where('model', '=', req.model)
    .where('channel', '=', req.channel)
    .executeTakeFirst();
  if (pointer?.release_id !== release.id) {
    throw new PlatformError(
      'ROLLOUT_NOT_ON_CHANNEL',
      `Channel "${req.channel}" of ${req.model} does not point at ${req.version}`,
      {
        hint: `Point it there first: fleetpack channel set ${req.model} ${req.version} ${req.channel}. A rollout ships what the channel's signed metadata names.`,
      },
    );
  }
  const manifestFile = await tx
    .selectFrom('release_files')
    .select(['digest', 'size'])
    .where('release_id', '=', release.id)
    .where('path', '=', MANIFEST_FILE)
    .executeTakeFirstOrThrow();
  const bytes = await ctx.readBlob(manifestFile.digest, manifestFile.size, MAX_MANIFEST_BYTES);
  const manifest = parseManifestText(decodeUtf8(bytes, MANIFEST_FILE), MANIFEST_FILE);

  const inScope = await devicesInScope(tx, req.channel, req.devices);
  if (inScope.length === 0) {
    throw new PlatformError(
      'ROLLOUT_NO_DEVICES',
      `No device in scope (channel "${req.channel}"${req.devices ? `, devices ${req.devices}` : ''}): nothing would be checked or shipped`,
      { hint: 'Register devices (fleetpack platform device add, devices import) on that channel, or widen --devices.' },
    );
  }
  // Groups by facts and profile (devicesForPreview shares one facts object per kind), so each
  // device finds its group's verdict without per-device maps; the stored report keeps five ids.
  const result = preview(manifest, inScope, { catalog: ctx.catalog, channel: req.channel });
  const id = newId('r', ctx.now().getTime());
  const at = ctx.now().toISOString();
  const byFacts = new Map<DeviceFacts, Map<string | null, { declined: boolean; reason: string }>>();
  for (const g of result.groups) {
    const declined = g.verdict === 'declined' || (g.verdict === 'warning' && !req.allowWarnings);
    let byProfile = byFacts.get(g.facts);
    if (!byProfile) byFacts.set(g.facts, (byProfile = new Map<string | null, { declined: boolean; reason: string }>()));
    // The reasons live once per group in the report; a declined row names its group.
    byProfile.set(g.profile, { declined, reason: JSON.stringify({ group: g.id }) });
  }
  const verdicts = inScope.map((d) => {
    const v = byFacts.get(d.facts)?.get(d.profile ?? null);
    if (!v) throw new PlatformError('ROLLOUT_INTERNAL', `Device ${d.id} is in no group of the preview`);
    return v;
  });
  const eligibleIds = inScope.filter((_, i) => !verdicts[i]!.declined).map((d) => d.id);
  // Phase of each eligible device (by its position among them): the spread fills phase by phase.
  const phaseOf = new Int8Array(eligibleIds.length);
  const spread = order(id, eligibleIds);
  let from = 0;
  phases.forEach((pct, phase) => {
    const to = Math.ceil((eligibleIds.length * pct) / 100);
    for (let k = from; k < to; k++) phaseOf[spread[k]!] = phase;
    from = Math.max(from, to);
  });
  // Rows in device-id order, as read: the primary key (rollout, device) and the device index grow at their ends.
  const rows: [string, string, number, string, string | null, string][] = [];
  let e = 0;
  inScope.forEach((d, i) => {
    const v = verdicts[i]!;
    rows.push(v.declined ? [id, d.id, -1, 'declined', v.reason, at] : [id, d.id, phaseOf[e++]!, 'pending', null, at]);
  });
  await tx
    .insertInto('rollouts')
    .values({
      id,
      model: req.model,
      version: req.version,
      release_id: release.id,
      channel: req.channel,
      selector: req.devices ?? '',
      allow_warnings: req.allowWarnings ? 1 : 0,
      phases: JSON.stringify(phases),
      max_failures: maxFailures,
      advance_at: advanceAt,
      failures_acknowledged: 0,
      state: eligibleIds.length === 0 ? 'completed' : 'active',
      phase: 0,
      report: JSON.stringify(storedReport(result)),
      state_reason: eligibleIds.length === 0 ? 'every device in scope was declined' : null,
      created_at: at,
      created_by: actor.name,
      updated_at: at,
    })
    .execute();
  await insertRows(tx, ctx.dialect, 'rollout_devices', ROLLOUT_DEVICE_COLUMNS, rows);
  await audit(tx, ctx.now(), actor, 'rollout.create', `rollout:${id}`, {
    release: `${req.model}@${req.version}`,
    channel: req.channel,
    devices: inScope.length,
    declined: inScope.length - eligibleIds.length,
    phases,
  });
  if (eligibleIds.length > 0) await advance(tx, id, ctx.now());
  return { id };
}

/**
 * Moves a rollout forward after a device report: halts it when failures pass `max_failures`,
 * starts the next phase when enough of the current one is healthy (phases without devices are
 * skipped), completes it when the last phase has finished.
 */
async function advance(tx: Tx, rolloutId: string, now: Date): Promise<void> {
  const r = await tx.selectFrom('rollouts').selectAll().where('id', '=', rolloutId).executeTakeFirstOrThrow();
  if (r.state !== 'active') return;
  const phases = JSON.parse(r.phases) as number[];
  const counts = await phaseCounts(tx, rolloutId);
  const sum = (phaseOk: (p: number) => boolean, stateOk: (s: DeviceUpdateState) => boolean) => {
    let n = 0;
    for (const c of counts) if (c.phase >= 0 && phaseOk(c.phase) && stateOk(c.state)) n += c.n;
    return n;
  };
  let phase = r.phase;
  let state: RolloutState = 'active';
  let reason: string | null = null;
  for (;;) {
    const p = phase;
    const started = sum(
      (x) => x <= p,
      () => true,
    );
    const failed =
      sum(
        (x) => x <= p,
        (st) => FAILED.has(st),
      ) - r.failures_acknowledged;
    if (started > 0 && failed * 100 > r.max_failures * started) {
      state = 'halted';
      reason = `${failed} of ${started} started devices failed (limit ${r.max_failures}%)`;
      break;
    }
    const current = sum(
      (x) => x === p,
      () => true,
    );
    const healthy = sum(
      (x) => x === p,
      (st) => st === 'healthy',
    );
    const finished =
      sum(
        (x) => x === p,
        (st) => FINISHED.has(st),
      ) === current;
    if (phase >= phases.length - 1) {
      if (finished) state = 'completed';
      break;
    }
    if (current === 0 || healthy * 100 >= r.advance_at * current) {
      phase++;
      continue;
    }
    break;
  }
  if (phase !== r.phase || state !== r.state) {
    await tx
      .updateTable('rollouts')
      .set({ phase, state, state_reason: reason, updated_at: now.toISOString() })
      .where('id', '=', rolloutId)
      .execute();
  }
}

/** The states each action works on (the Studio offers only these buttons). */
export const ROLLOUT_ACTIONS: Readonly<Record<'pause' | 'resume' | 'abort', readonly RolloutState[]>> = {
  pause: ['active'],
  resume: ['paused', 'halted'],
  abort: ['active', 'paused', 'halted'],
};

export async function setRolloutState(
  tx: Tx,
  actor: Actor,
  id: string,
  action: 'pause' | 'resume' | 'abort',
  now: Date,
): Promise<void> {
  const r = await tx.selectFrom('rollouts').select(['state']).where('id', '=', id).executeTakeFirst();
  if (!r)
    throw new PlatformError('ROLLOUT_NOT_FOUND', `No rollout ${id.slice(0, 80)}`, {
      hint: 'List rollouts with `fleetpack rollout list`.',
    });
  const from = r.state as RolloutState;
  const allowed = ROLLOUT_ACTIONS;
  if (!allowed[action].includes(from)) {
    throw new PlatformError('ROLLOUT_STATE', `Cannot ${action} a rollout that is ${from}`, {
      hint: `${action} works on a rollout that is ${allowed[action].join(' or ')}.`,
    });
  }
  const to: RolloutState = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'aborted';
  // Resuming a halted rollout accepts the failures so far; the threshold then counts new ones.
  const failed =
    action === 'resume'
      ? (
          await tx
            .selectFrom('rollout_devices')
            .select('state')
            .where('rollout_id', '=', id)
            .where('state', 'in', [...FAILED])
            .execute()
        ).length
      : undefined;
  await tx
    .updateTable('rollouts')
    .set({
      state: to,
      state_reason: action === 'abort' ? `aborted by ${actor.name}` : null,
      updated_at: now.toISOString(),
      ...(failed === undefined ? {} : { failures_acknowledged: failed }),
    })
    .where('id', '=', id)
    .execute();
  await audit(tx, now, actor, `rollout.${action}`, `rollout:${id}`, { from, to });
  if (to === 'active') await advance(tx, id, now);
}

export async function rolloutStatus(
  db: Kysely<Database>,
  id: string,
  limit = 1000,
  states?: readonly DeviceUpdateState[],
): Promise<RolloutStatus> {
  const r = await db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r)
    throw new PlatformError('ROLLOUT_NOT_FOUND', `No rollout ${id.slice(0, 80)}`, {
      hint: 'List rollouts with `fleetpack rollout list`.',
    });
  const counts = await phaseCounts(db, id);
  const rows = await db
    .selectFrom('rollout_devices')
    .select(['device_id', 'phase', 'state', 'reason', 'updated_at'])
    .where('rollout_id', '=', id)
    .$if(states !== undefined && states.length > 0, (q) => q.where('state', 'in', states!))
    .orderBy('device_id')
    .limit(Math.max(0, Math.min(limit, 100_000)))
    .execute();
  const phases = JSON.parse(r.phases) as number[];
  const report = JSON.parse(r.report) as PreviewResult;
  const tally = (keep: (phase: number) => boolean) => {
    const c: Partial<Record<DeviceUpdateState, number>> = {};
    for (const x of counts) if (keep(x.phase)) c[x.state] = (c[x.state] ?? 0) + x.n;
    return c;
  };
  return {
    ...summary(r),
    phases: phases.map((percent, index) => ({
      index,
      percent,
      devices: counts.filter((x) => x.phase === index).reduce((n, x) => n + x.n, 0),
      started: index <= r.phase,
      counts: tally((p) => p === index),
    })),
    counts: tally(() => true),
    report,
    devices: rows.map((x) => ({
      id: x.device_id,
      phase: x.phase < 0 ? null : x.phase,
      state: x.state as DeviceUpdateState,
      ...(x.reason ? { reason: reasonOf(x.reason, report, r.allow_warnings === 1) } : {}),
      updatedAt: x.updated_at,
    })),
  };
}

/** Devices per (phase, state) of a rollout. */
async function phaseCounts(db: Tx, id: string): Promise<{ phase: number; state: DeviceUpdateState; n: number }[]> {
  const rows = await db
    .selectFrom('rollout_devices')
    .select((eb) => ['phase', 'state', eb.fn.countAll<number | string>().as('n')])
    .where('rollout_id', '=', id)
    .groupBy(['phase', 'state'])
    .execute();
  return rows.map((x) => ({ phase: x.phase, state: x.state as DeviceUpdateState, n: Number(x.n) }));
}

/** A device's stored reason: its group's decisive reasons (declined), or the agent's text. */
function reasonOf(stored: string, report: PreviewResult, allowWarnings: boolean): unknown {
  const v = JSON.parse(stored) as unknown;
  if (v && typeof v === 'object' && 'group' in v) {
    const g = report.groups.find((x) => x.id === (v as { group: string }).group);
    return g ? declineReasons(g.reasons, !allowWarnings) : [];
  }
  return v;
}

function summary(r: RolloutTable) {
  return {
    id: r.id,
    model: r.model,
    version: r.version,
    releaseId: r.release_id,
    channel: r.channel,
    selector: r.selector,
    allowWarnings: r.allow_warnings === 1,
    maxFailures: r.max_failures,
    advanceAt: r.advance_at,
    state: r.state as RolloutState,
    stateReason: r.state_reason,
    phase: r.phase,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

export async function listRollouts(db: Kysely<Database>, model?: string) {
  let q = db.selectFrom('rollouts').selectAll().orderBy('id', 'desc').limit(1000);
  if (model) q = q.where('model', '=', model);
  return (await q.execute()).map(summary);
}

/** Rollouts whose assignments devices receive: running or finished (devices keep what they installed). */
const ASSIGNING: RolloutState[] = ['active', 'completed'];

export interface Assignment {
  rolloutId: string;
  model: string;
  version: string;
  releaseCounter: number;
  /** TUF target paths of the release's files (the agent trusts only what TUF signs about them). */
  targets: string[];
  /** The manifest's target: the agent reads the model's needs from it and checks its own facts. */
  manifestTarget: string;
}

export interface DirectorAnswer {
  assignment: Assignment | null;
  /** Rollouts that declined this device, with the reasons (it downloads nothing for them). */
  declined: { rolloutId: string; model: string; version: string; reasons: unknown }[];
}

/**
 * What the facade's polls would otherwise read again and again, and which never changes once
 * written: a release's file paths, and a rollout's stored report (declined devices are told why).
 */
export class DirectorCache {
  private readonly files = new Map<string, string[]>();
  private readonly reports = new Map<string, { report: PreviewResult; allowWarnings: boolean }>();

  async releaseFiles(db: Kysely<Database>, releaseId: string): Promise<string[]> {
    let paths = this.files.get(releaseId);
    if (!paths) {
      paths = (
        await db
          .selectFrom('release_files')
          .select('path')
          .where('release_id', '=', releaseId)
          .orderBy('path')
          .execute()
      ).map((f) => f.path);
      remember(this.files, releaseId, paths);
    }
    return paths;
  }

  async report(db: Kysely<Database>, rolloutId: string): Promise<{ report: PreviewResult; allowWarnings: boolean }> {
    let r = this.reports.get(rolloutId);
    if (!r) {
      const row = await db
        .selectFrom('rollouts')
        .select(['report', 'allow_warnings'])
        .where('id', '=', rolloutId)
        .executeTakeFirstOrThrow();
      r = { report: JSON.parse(row.report) as PreviewResult, allowWarnings: row.allow_warnings === 1 };
      remember(this.reports, rolloutId, r);
    }
    return r;
  }
}

const MAX_CACHED = 1000;
function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (m.size >= MAX_CACHED) m.delete(m.keys().next().value!);
  m.set(k, v);
}

/**
 * What this device should run: the newest rollout that includes it (not declined). When that
 * rollout is paused, halted or aborted, or its phase has not reached the device, the answer is
 * "nothing new" — never an older rollout, which would be a downgrade.
 */
export async function assignmentFor(
  db: Kysely<Database>,
  deviceId: string,
  cache: DirectorCache = new DirectorCache(),
): Promise<DirectorAnswer> {
  const rows = await db
    .selectFrom('rollout_devices as d')
    .innerJoin('rollouts as r', 'r.id', 'd.rollout_id')
    .innerJoin('releases as rel', 'rel.id', 'r.release_id')
    .select([
      'r.id',
      'r.model',
      'r.version',
      'r.state',
      'r.phase as current',
      'd.phase',
      'd.state as dstate',
      'd.reason',
      'rel.counter',
      'rel.id as release',
    ])
    .where('d.device_id', '=', deviceId)
    .orderBy('r.id', 'desc')
    .limit(100)
    .execute();
  const declined: DirectorAnswer['declined'] = [];
  let assignment: Assignment | null = null;
  let decided = false;
  for (const x of rows) {
    if (x.dstate === 'declined') {
      if (declined.length < 20) {
        const r = await cache.report(db, x.id);
        declined.push({
          rolloutId: x.id,
          model: x.model,
          version: x.version,
          reasons: x.reason ? reasonOf(x.reason, r.report, r.allowWarnings) : [],
        });
      }
      continue;
    }
    if (decided) continue;
    decided = true;
    if (!ASSIGNING.includes(x.state as RolloutState) || x.phase > x.current) continue;
    const paths = await cache.releaseFiles(db, x.release);
    assignment = {
      rolloutId: x.id,
      model: x.model,
      version: x.version,
      releaseCounter: x.counter,
      targets: paths.map((p) => targetPath(x.model, x.version, p)),
      manifestTarget: targetPath(x.model, x.version, MANIFEST_FILE),
    };
  }
  return { assignment, declined };
}

/** True when `digest` is a file of a release currently assigned to this device (the facade's download check). */
export async function mayDownload(
  db: Kysely<Database>,
  deviceId: string,
  digest: string,
  cache?: DirectorCache,
): Promise<{ size: number; releaseId: string } | undefined> {
  const answer = await assignmentFor(db, deviceId, cache);
  if (!answer.assignment) return undefined;
  const r = await db
    .selectFrom('release_files as f')
    .innerJoin('rollouts as r', 'r.release_id', 'f.release_id')
    .select(['f.size', 'f.release_id'])
    .where('r.id', '=', answer.assignment.rolloutId)
    .where('f.digest', '=', digest)
    .executeTakeFirst();
  return r ? { size: r.size, releaseId: r.release_id } : undefined;
}

export interface StatusReport {
  rolloutId: string;
  state: string;
  reason?: string;
}

/** An agent's progress on one rollout; advances or halts the rollout. Unknown rollouts are refused. */
export async function reportStatus(tx: Tx, deviceId: string, s: StatusReport, now: Date): Promise<void> {
  if (!REPORTABLE.has(s.state)) {
    throw new PlatformError('STATUS_INVALID', `"${s.state.slice(0, 40)}" is not an update state`, {
      hint: `Report one of ${[...REPORTABLE].join(', ')}.`,
    });
  }
  const row = await tx
    .selectFrom('rollout_devices')
    .select(['state'])
    .where('rollout_id', '=', s.rolloutId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  if (!row) {
    throw new PlatformError('ROLLOUT_NOT_FOUND', `This device is not part of rollout ${s.rolloutId.slice(0, 80)}`, {
      hint: 'Report status only for the rollout of your assignment.',
    });
  }
  if (row.state === 'declined') {
    throw new PlatformError('DEVICE_DECLINED', 'This device was declined by the rollout; it has nothing to report', {
      hint: 'A declined device never receives the release.',
    });
  }
  await tx
    .updateTable('rollout_devices')
    .set({
      state: s.state,
      reason: s.reason ? JSON.stringify(s.reason.slice(0, 2000)) : null,
      updated_at: now.toISOString(),
    })
    .where('rollout_id', '=', s.rolloutId)
    .where('device_id', '=', deviceId)
    .execute();
  await advance(tx, s.rolloutId, now);
}
