/**
 * The Studio's platform operations (platform-contract.ts) over the domain: platform/ (client,
 * sign-ins in the keychain) and oci/ (push, pull, registry login). The session hands in what it
 * owns (jobs, files, the staged package, Review); nothing here decides what the domain owns.
 * Tokens stay on this side: they come from the keychain per request and are never answered.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CancelledError, FleetpackError, PlatformError } from '../errors.js';
import type { Manifest } from '../manifest/index.js';
import { defaultCredentials, loginRegistry, pullPackage, pushPackage } from '../oci/index.js';
import {
  declineReasons,
  isSafePath,
  parsePercent,
  PlatformClient,
  PlatformLogins,
  platformOrigin,
  PublishError,
  ROLLOUT_ACTIONS,
} from '../platform/index.js';
import type { DeviceUpdateState, PublishResult, Release, RolloutStatus, UploadSessionMemo } from '../platform/index.js';
import type { Unchecked } from '../unchecked.js';
import type { DiffReport, Handle, JobId, ReviewState } from './contract.js';
import { previewReport } from './domain.js';
import { badRequest } from './errors.js';
import type { FileTable } from './files.js';
import type { JobRunner } from './jobs.js';
import type {
  PlatformApi,
  PlatformOverview,
  PlatformPreview,
  PlatformStatus,
  PromotePreview,
  PublishOutcome,
  PublishStart,
  PushDone,
  RolloutAction,
  RolloutCounts,
  RolloutStart,
  RolloutsView,
  RolloutView,
} from './platform-contract.js';

/** What the session lends the platform operations. */
export interface PlatformHost {
  jobs: JobRunner;
  files: () => FileTable;
  workDir: () => string;
  /** Stages the package being built and answers its folder. */
  stage: (signal?: AbortSignal) => Promise<string>;
  openPackage: (folder: Handle, publicKey: string | undefined) => Promise<ReviewState>;
  readManifest: (dir: string) => Promise<Manifest>;
  /** The manifest being built (the draft, valid or not), once its digest is computed: as it will be packaged. */
  draft: () => Promise<Manifest>;
  diff: (before: Manifest, after: Manifest) => Pick<DiffReport, 'changes' | 'notes' | 'versionBump'>;
  logins?: PlatformLogins;
}

type Ops = {
  [K in keyof PlatformApi]: (
    a: Unchecked<Parameters<PlatformApi[K]>[0]>,
  ) => Promise<PlatformValue<K>> | PlatformValue<K>;
};
type PlatformValue<K extends keyof PlatformApi> =
  Awaited<ReturnType<PlatformApi[K]>> extends { ok: true; value: infer T } | { ok: false } ? T : never;

/** The channels every platform has; others appear as they are used. */
const BASE_CHANNELS = ['stable', 'beta', 'canary'];

/** The Studio's client: smaller chunks than the CLI (a pause holds within one), fewer retries before it says so. */
const STUDIO_CLIENT = { chunkBytes: 16 * 1024 * 1024, attempts: 4, retryDelayMs: 250 };

/** Rollouts shown in detail (newest first), and their failed or rolled-back devices listed. */
const ROLLOUTS_SHOWN = 10;
const PROBLEMS_SHOWN = 50;
const PROBLEM_STATES: DeviceUpdateState[] = ['failed', 'rolled-back'];

/** A device-state tally in the Platform view's buckets. */
function buckets(c: Partial<Record<DeviceUpdateState, number>>): RolloutCounts {
  const n = (k: DeviceUpdateState) => c[k] ?? 0;
  return {
    pending: n('pending'),
    installing: n('downloading') + n('installing') + n('installed'),
    installed: n('healthy'),
    failed: n('failed'),
    rolledBack: n('rolled-back'),
  };
}

/** The platform's rollout status as the Platform view shows it (declines from the rollout's own report). */
function rolloutView(s: RolloutStatus): RolloutView {
  const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
  return {
    id: s.id,
    model: s.model,
    version: s.version,
    channel: s.channel,
    selector: s.selector,
    allowWarnings: s.allowWarnings,
    maxFailures: s.maxFailures,
    advanceAt: s.advanceAt,
    state: s.state,
    stateReason: s.stateReason,
    phase: s.phase,
    phases: s.phases.map((p) => ({ ...p, counts: buckets(p.counts) })),
    totals: {
      ...buckets(s.counts),
      devices: Object.values(s.counts).reduce((a, b) => a + b, 0),
      declined: s.counts.declined ?? 0,
    },
    declines: declineReasons(s.report.byReason, !s.allowWarnings).map((r) => ({
      code: r.code,
      severity: r.severity,
      message: r.message,
      fix: r.fix,
      devices: r.devices,
    })),
    problems: s.devices
      .filter((d) => d.state === 'failed' || d.state === 'rolled-back')
      .slice(0, PROBLEMS_SHOWN)
      .map((d) => ({
        device: d.id,
        phase: d.phase,
        state: d.state as 'failed' | 'rolled-back',
        reason: text(d.reason) || 'no reason reported',
        at: d.updatedAt,
      })),
    actions: (Object.keys(ROLLOUT_ACTIONS) as RolloutAction[]).filter((a) => ROLLOUT_ACTIONS[a].includes(s.state)),
    createdAt: s.createdAt,
    createdBy: s.createdBy,
    updatedAt: s.updatedAt,
  };
}

/** A publish's pause: the upload waits at the next chunk until resumed (or cancelled). */
class Pause {
  paused = false;
  private waiters: (() => void)[] = [];
  set(paused: boolean): void {
    this.paused = paused;
    if (!paused) for (const w of this.waiters.splice(0)) w();
  }
  async wait(signal: AbortSignal): Promise<void> {
    while (this.paused) {
      if (signal.aborted) throw new CancelledError();
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

export class PlatformStudio {
  private active: string | undefined;
  /** Upload sessions per platform, so a publish started again continues where the server is. */
  private readonly memo = new Map<string, UploadSessionMemo>();
  private readonly pauses = new Map<JobId, Pause>();
  private readonly logins: PlatformLogins;
  private pulled = 0;

  constructor(private readonly h: PlatformHost) {
    this.logins = h.logins ?? new PlatformLogins();
  }

  readonly ops: Ops = {
    listPlatforms: async () => this.list(),
    addPlatform: async (a) => {
      const url = requireText(a.url, 'url', 'The platform URL, e.g. http://127.0.0.1:8440');
      const token = requireText(a.token, 'token', 'Paste the token `fleetpack platform token create` printed.');
      const who = await this.logins.signIn(url, token);
      this.active = who.origin;
      return this.status(who.origin);
    },
    usePlatform: async (a) => {
      const origin = platformOrigin(requireText(a.url, 'url'));
      if (!(await this.logins.list()).includes(origin))
        throw badRequest(`${origin} is not a saved platform`, 'Add it with its URL and a token first.');
      this.active = origin;
      return this.status(origin);
    },
    removePlatform: async (a) => {
      const origin = platformOrigin(requireText(a.url, 'url'));
      await this.logins.signOut(origin);
      if (this.active === origin) this.active = undefined;
      return this.list();
    },
    platformOverview: async () => this.overview(),
    platformPreview: async (a) => this.preview(requireText(a.channel, 'channel')),
    platformRollouts: async () => this.rollouts(),
    startRollout: async (a) => this.startRollout(a),
    rolloutAction: async (a) => {
      const id = requireText(a.id, 'id');
      if (a.action !== 'pause' && a.action !== 'resume' && a.action !== 'abort')
        throw badRequest('action must be pause, resume or abort');
      return rolloutView(await (await this.client()).rolloutAction(id, a.action));
    },
    publish: async (a) => this.publish(optionalText(a.channel, 'channel'), optionalText(a.from, 'from')),
    pausePublish: (a) => this.pause(a.jobId, true),
    resumePublish: (a) => this.pause(a.jobId, false),
    promotePreview: async (a) =>
      this.promotePreview(requireText(a.model, 'model'), requireText(a.from, 'from'), requireText(a.to, 'to')),
    promote: async (a) =>
      (await this.client()).promote(
        requireText(a.model, 'model'),
        requireText(a.from, 'from'),
        requireText(a.to, 'to'),
      ),
    openRelease: async (a) =>
      this.openRelease(
        requireText(a.name, 'name'),
        requireText(a.version, 'version'),
        optionalText(a.publicKey, 'publicKey'),
      ),
    pushToRegistry: (a) => ({
      jobId: this.push(
        requireText(a.reference, 'reference', 'For example registry.example.com/models/detector'),
        a.plainHttp === true,
      ),
    }),
    registryLogin: async (a) => {
      const registry = requireText(a.registry, 'registry', 'The registry host, e.g. registry.example.com');
      const r = await loginRegistry(
        registry,
        { username: requireText(a.username, 'username'), password: requireText(a.password, 'password') },
        a.plainHttp === true ? { plainHttp: true } : {},
      );
      return { registry: r.registry };
    },
    openReference: async (a) =>
      this.openReference(
        requireText(a.reference, 'reference'),
        a.plainHttp === true,
        optionalText(a.publicKey, 'publicKey'),
      ),
  };

  // ------------------------------------------------------------ connections

  private async list(): Promise<PlatformStatus[]> {
    const origins = await this.logins.list();
    if (this.active && !origins.includes(this.active)) this.active = undefined;
    return origins.map((url) => ({ url, active: url === this.active, health: 'not checked', rootKeyIds: [] }));
  }

  /** The active platform's client with its token from the keychain. */
  private async client(): Promise<PlatformClient> {
    if (!this.active)
      throw new PlatformError('NO_PLATFORM', 'No platform is connected', {
        hint: 'Add a platform (URL and token) in the Publish step or the Platform view.',
      });
    const token = await this.logins.token(this.active);
    if (!token)
      throw new PlatformError('NOT_LOGGED_IN', `No token for ${this.active} in the OS keychain`, {
        hint: 'Add the platform again with a token.',
      });
    return new PlatformClient(this.active, token, STUDIO_CLIENT);
  }

  /** Health, the token, the platform's name and TUF root key ids, each failure in words. */
  private async status(origin: string): Promise<PlatformStatus> {
    const base: PlatformStatus = { url: origin, active: origin === this.active, health: 'healthy', rootKeyIds: [] };
    const problem = (e: unknown) => {
      const x = e instanceof PlatformError ? e : new PlatformError('PLATFORM_ERROR', String(e));
      return { code: x.code, message: x.message, ...(x.hint ? { hint: x.hint } : {}) };
    };
    try {
      const c = await this.client();
      const health = await c.health().catch((e: unknown) => {
        if (e instanceof PlatformError && e.code === 'HTTP_503') return { ok: false, database: 'down' };
        throw e;
      });
      if (!health.ok)
        return {
          ...base,
          health: 'database down',
          problem: {
            code: 'DATABASE_DOWN',
            message: 'The platform answers but its database does not',
            hint: 'Ask the platform operator; the Studio checks again when you reconnect.',
          },
        };
      const who = await c.login();
      const info = await c.info();
      return {
        ...base,
        name: info.name,
        id: info.id,
        rootKeyIds: info.rootKeyIds,
        rootVersion: info.rootVersion,
        who,
      };
    } catch (e) {
      const p = problem(e);
      const health = p.code === 'PLATFORM_UNREACHABLE' ? 'unreachable' : 'token refused';
      return { ...base, health, problem: p };
    }
  }

  // ------------------------------------------------------------ publish

  private async publish(channel: string | undefined, from: string | undefined): Promise<PublishStart> {
    const c = await this.client();
    const refused = (e: unknown): PublishOutcome => {
      if (!(e instanceof PublishError)) throw e;
      const j = e.toJSON();
      return {
        published: false,
        code: j.code,
        message: j.message,
        ...(j.hint ? { hint: j.hint } : {}),
        problems: j.problems,
      };
    };
    const done = (result: PublishResult): PublishOutcome => ({
      published: true,
      platform: c.base,
      ...(channel ? { channel } : {}),
      result,
    });
    if (from) {
      const jobId = this.h.jobs.start('publish', async () => c.publishFrom(from, channel).then(done, refused));
      return { jobId, files: [], source: 'registry', resumedBytes: 0 };
    }
    const dir = await this.h.stage();
    const plan = await c.uploadPlan(dir);
    let memo = this.memo.get(c.base);
    if (!memo) this.memo.set(c.base, (memo = new Map<string, string>()));
    const sessions = memo;
    const pause = new Pause();
    const jobId = this.h.jobs.start('publish', async (signal, progress) => {
      try {
        return await c
          .publishDir(dir, {
            ...(channel ? { channel } : {}),
            signal,
            sessions,
            gate: () => pause.wait(signal),
            onProgress: (p) => progress(p.allDone, p.allTotal, p.skipped ? `already there: ${p.file}` : p.file),
          })
          .then(done, refused);
      } finally {
        this.pauses.delete(jobId);
      }
    });
    this.pauses.set(jobId, pause);
    return { jobId, files: plan.map((f) => ({ path: f.path, size: f.size })), source: 'upload', resumedBytes: 0 };
  }

  private pause(jobId: unknown, paused: boolean): { paused: boolean } {
    const p = typeof jobId === 'string' ? this.pauses.get(jobId) : undefined;
    if (!p) throw badRequest('No publish is running with this id', 'Publish again to start a new upload.');
    p.set(paused);
    return { paused: p.paused };
  }

  // ------------------------------------------------------------ platform view

  private async overview(): Promise<PlatformOverview> {
    const c = await this.client();
    const [releases, channels, coverage] = await Promise.all([c.releases(), c.channels(), c.coverage()]);
    const names = new Set(BASE_CHANNELS);
    for (const p of channels) names.add(p.channel);
    for (const r of releases) for (const ch of r.channels) names.add(ch);
    return {
      platform: c.base,
      releases,
      channels,
      coverage,
      channelNames: [...names],
    };
  }

  /**
   * The platform's own preview of the draft on `channel`: what a rollout would decline, against
   * the devices the platform knows. Anything that keeps the answer from arriving is "cannot tell".
   */
  private async preview(channel: string): Promise<PlatformPreview> {
    const cannotTell = (why: string, hint?: string): PlatformPreview => ({
      available: false,
      reason: `Cannot tell which devices would accept or decline this model: ${why}`,
      ...(hint ? { hint } : {}),
    });
    const manifest = await this.h.draft();
    let r;
    try {
      r = await (await this.client()).previewRollout({ manifest, channel });
    } catch (e) {
      const x = e instanceof FleetpackError ? e : new PlatformError('PLATFORM_ERROR', String(e));
      return cannotTell(x.message, x.hint);
    }
    if (!r)
      return cannotTell(
        'this platform has no rollout preview (an older version).',
        'The Compatibility step previews against a device inventory file meanwhile.',
      );
    return { available: true, report: previewReport(r) };
  }

  // ------------------------------------------------------------ rollouts

  /** The newest rollouts in detail (their failures and rollbacks too); older ones are counted. */
  private async rollouts(): Promise<RolloutsView> {
    const c = await this.client();
    const list = await c.rollouts().catch((e: unknown) => {
      if (e instanceof PlatformError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    });
    if (!list)
      return {
        available: false,
        reason: 'This platform has no rollout API (an older version): the Studio cannot tell what is rolling out.',
        hint: 'Upgrade the platform, or ask its operator for `fleetpack rollout list`.',
      };
    const shown = list.slice(0, ROLLOUTS_SHOWN);
    const views = await Promise.all(
      shown.map(async (r) => {
        return rolloutView(await c.rollout(r.id, PROBLEMS_SHOWN, PROBLEM_STATES));
      }),
    );
    return { available: true, rollouts: views, more: list.length - shown.length };
  }

  private async startRollout(a: Unchecked<RolloutStart>): Promise<RolloutView> {
    const percent = (v: unknown, what: string): number | undefined => {
      const t = optionalText(v, what);
      if (t === undefined) return undefined;
      const n = parsePercent(t);
      if (n === undefined) throw badRequest(`${what} "${t.slice(0, 40)}" is not a percentage`, 'For example 5%.');
      return n;
    };
    const phasesText = optionalText(a.phases, 'phases');
    const phases = phasesText?.split(',').map((p) => {
      const n = parsePercent(p);
      if (n === undefined)
        throw badRequest(`Phase "${p.trim().slice(0, 40)}" is not a percentage`, 'For example 1%,10%,100%.');
      return n;
    });
    const maxFailures = percent(a.maxFailures, 'Max failures');
    const advanceAt = percent(a.advanceAt, 'Advance at');
    const devices = optionalText(a.devices, 'devices');
    const c = await this.client();
    const r = await c.createRollout({
      model: requireText(a.model, 'model'),
      version: requireText(a.version, 'version'),
      channel: requireText(a.channel, 'channel'),
      ...(phases ? { phases } : {}),
      ...(maxFailures !== undefined ? { maxFailures } : {}),
      ...(advanceAt !== undefined ? { advanceAt } : {}),
      ...(devices ? { devices } : {}),
      ...(a.allowWarnings === true ? { allowWarnings: true } : {}),
    });
    return rolloutView(r);
  }

  private async promotePreview(model: string, from: string, to: string): Promise<PromotePreview> {
    const c = await this.client();
    const [pointers, releases] = await Promise.all([c.channels(model), c.releases({ name: model })]);
    const fromP = pointers.find((p) => p.channel === from);
    if (!fromP)
      throw new PlatformError('CHANNEL_EMPTY', `${model} has no release on ${from}`, {
        hint: 'Publish to that channel first, or promote from another channel.',
      });
    const toP = pointers.find((p) => p.channel === to);
    const base: PromotePreview = { model, from, to, fromVersion: fromP.version, toVersion: toP?.version ?? null };
    if (!toP)
      return {
        ...base,
        diffUnavailable: `${to} has no release of ${model} yet: everything in ${fromP.version} is new there.`,
      };
    const rel = (v: string) => releases.find((r) => r.version === v);
    const after = rel(fromP.version);
    const before = rel(toP.version);
    if (!after || !before) return { ...base, diffUnavailable: 'The platform did not list both releases.' };
    try {
      const [b, a] = await Promise.all([this.releaseManifest(c, before), this.releaseManifest(c, after)]);
      return {
        ...base,
        diff: {
          left: { name: b.name, version: b.version },
          right: { name: a.name, version: a.version },
          ...this.h.diff(b, a),
          leftManifest: b,
          rightManifest: a,
        },
      };
    } catch (e) {
      return { ...base, diffUnavailable: `The manifests could not be read from the platform: ${(e as Error).message}` };
    }
  }

  private async releaseManifest(c: PlatformClient, r: Release): Promise<Manifest> {
    const f = r.files.find((x) => x.role === 'manifest');
    if (!f) throw new PlatformError('NO_MANIFEST', `${r.name}@${r.version} lists no manifest file`);
    const tmp = await mkdtemp(join(this.h.workDir(), 'release-'));
    try {
      await c.downloadBlob(f.digest, f.size, join(tmp, f.path));
      return await this.h.readManifest(tmp);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Every file of the release, verified by digest as it arrives, then opened like a package folder. */
  private async openRelease(name: string, version: string, publicKey: string | undefined): Promise<ReviewState> {
    const c = await this.client();
    const [r] = await c.releases({ name }).then((list) => list.filter((x) => x.version === version));
    if (!r)
      throw new PlatformError('RELEASE_NOT_FOUND', `No release ${name}@${version} on ${c.base}`, {
        hint: 'Refresh the Platform view: the release list may be out of date.',
      });
    const folder = await this.h.files().newUploadFolder(`${name}-${version}`);
    const dir = this.h.files().folder(folder.handle).path;
    for (const f of r.files) {
      if (!isSafePath(f.path))
        throw new PlatformError('RELEASE_PATH_UNSAFE', `The release names an unsafe path ${f.path.slice(0, 80)}`);
      const dest = join(dir, ...f.path.split('/'));
      await mkdir(dirname(dest), { recursive: true });
      await c.downloadBlob(f.digest, f.size, dest).catch((e: unknown) => {
        if (r.oci && e instanceof PlatformError && e.code === 'NOT_FOUND')
          throw new PlatformError(
            'RELEASE_IN_REGISTRY',
            `${name}@${version} lives in the registry (${r.oci.repository}@${r.oci.digest})`,
            {
              hint: 'Open it in Review by its registry reference instead.',
            },
          );
        throw e;
      });
    }
    return this.h.openPackage(folder.handle, publicKey);
  }

  // ------------------------------------------------------------ registry

  private push(reference: string, plainHttp: boolean): JobId {
    return this.h.jobs.start('push', async (signal, progress): Promise<PushDone> => {
      const dir = await this.h.stage(signal);
      const r = await pushPackage(dir, reference, {
        ...(plainHttp ? { plainHttp: true } : {}),
        credentials: defaultCredentials({ env: process.env }),
        signal,
        onProgress: (p) => progress(p.bytesDone, p.bytesTotal, p.current?.path ?? p.phase),
      });
      return {
        reference: r.reference,
        digest: r.digest,
        tag: r.tag,
        layers: r.layers.map((l) => ({
          ...(l.path ? { path: l.path } : {}),
          digest: l.digest,
          size: l.size,
          result: l.result,
        })),
        uploadedBytes: r.uploadedBytes,
        warnings: r.warnings,
      };
    });
  }

  private async openReference(
    reference: string,
    plainHttp: boolean,
    publicKey: string | undefined,
  ): Promise<ReviewState> {
    const dir = join(this.h.workDir(), 'pulled', String(this.pulled++));
    await mkdir(dirname(dir), { recursive: true });
    const r = await pullPackage(reference, dir, {
      ...(plainHttp ? { plainHttp: true } : {}),
      credentials: defaultCredentials({ env: process.env }),
    });
    const name = r.reference.split('/').pop() ?? 'package';
    const folder = await this.h.files().addFolder(dir, name.length > 80 ? `${name.slice(0, 77)}…` : name);
    return this.h.openPackage(folder.handle, publicKey);
  }
}

function requireText(v: unknown, what: string, hint?: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw badRequest(`${what} is required`, hint);
  return v.trim();
}

function optionalText(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`${what} must be text`);
  return v;
}
