/**
 * The platform part of the StudioApi (types only, like contract.ts, which includes it): connect
 * to platforms, publish the package being built, see releases, channels and SBOM coverage,
 * promote, review a release; push a package to an OCI registry and review a registry reference.
 * Tokens and registry passwords travel page → Node once (when the user types them) and are never
 * answered back: the keychain holds them.
 */
import type {
  ChannelChange,
  ChannelEvent,
  ChannelPointer,
  CoverageEntry,
  CoverageGroup,
  CoverageReport,
  Problem as PublishProblem,
  PublishResult,
  Release,
  ReleaseFile,
} from '../platform/index.js';
import type { DiffReport, JobId, PreviewReport, Result, ReviewState } from './contract.js';

export type {
  ChannelChange,
  ChannelEvent,
  ChannelPointer,
  CoverageEntry,
  CoverageGroup,
  CoverageReport,
  PublishProblem,
  PublishResult,
  Release,
  ReleaseFile,
};

/** A saved platform and, for the active one, what it answered. */
export interface PlatformStatus {
  /** The platform's origin (`http(s)://host[:port]`). */
  url: string;
  active: boolean;
  /** healthy: answered, database up, token accepted; the others say what is wrong. */
  health: 'healthy' | 'database down' | 'unreachable' | 'token refused' | 'not checked';
  name?: string;
  id?: string;
  /** TUF root key ids: compare them with what the devices were provisioned with. */
  rootKeyIds: string[];
  rootVersion?: number;
  who?: { name: string; role: string };
  problem?: { code: string; message: string; hint?: string };
}

/** The platform's own preview of a rollout, or why it cannot tell. */
export type PlatformPreview =
  { available: true; report: PreviewReport } | { available: false; reason: string; hint?: string };

export interface PublishStart {
  jobId: JobId;
  /** The files in upload order (sizes), for per-file progress from the job's byte count. */
  files: { path: string; size: number }[];
  source: 'upload' | 'registry';
  /** Bytes the platform already holds from an earlier attempt (resumed). */
  resumedBytes: number;
}

/** A publish's job result: published (or already there), or refused with every problem. */
export type PublishOutcome =
  | { published: true; platform: string; channel?: string; result: PublishResult }
  | {
      published: false;
      code: string;
      message: string;
      hint?: string;
      problems: PublishProblem[];
    };

export interface PlatformOverview {
  platform: string;
  releases: Release[];
  channels: ChannelPointer[];
  coverage: CoverageReport;
  /** Channels to offer: stable, beta, canary and every channel in use. */
  channelNames: string[];
}

/** Devices of a phase (or a whole rollout) in the buckets the Platform view shows. */
export interface RolloutCounts {
  /** Not started yet (the phase has not reached them, or their agent has not asked). */
  pending: number;
  /** Downloading, installing, or installed and not yet health-checked. */
  installing: number;
  /** Installed and healthy. */
  installed: number;
  failed: number;
  rolledBack: number;
}

export type RolloutAction = 'pause' | 'resume' | 'abort';

/** One rollout as the Platform view shows it: phases, declines by reason, failures and rollbacks. */
export interface RolloutView {
  id: string;
  model: string;
  version: string;
  channel: string;
  /** The device selector (`label=…,profile=…`), '' for every device of the channel. */
  selector: string;
  allowWarnings: boolean;
  maxFailures: number;
  advanceAt: number;
  state: 'active' | 'paused' | 'halted' | 'aborted' | 'completed';
  stateReason: string | null;
  /** Index of the current phase. */
  phase: number;
  phases: { index: number; percent: number; devices: number; started: boolean; counts: RolloutCounts }[];
  totals: RolloutCounts & { devices: number; declined: number };
  /** The reasons that declined devices before anything shipped, most devices first, with the fix. */
  declines: { code: string; severity: string; message: string; fix: string; devices: number }[];
  /** Devices that failed or rolled back, with the agent's reason (the first 50 by id). */
  problems: { device: string; phase: number | null; state: 'failed' | 'rolled-back'; reason: string; at: string }[];
  /** What the rollout's state allows. */
  actions: RolloutAction[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** The platform's rollouts (newest first, in detail), or why they cannot be shown (never an empty "all fine"). */
export type RolloutsView =
  | { available: true; rollouts: RolloutView[]; /** Older rollouts not shown. */ more: number }
  | { available: false; reason: string; hint?: string };

/** What `fleetpack rollout create` takes; percentages as text (`1%,10%,100%`, `5%`). */
export interface RolloutStart {
  model: string;
  version: string;
  channel: string;
  phases?: string;
  maxFailures?: string;
  advanceAt?: string;
  /** `label=…,profile=…,id=a|b` (all must match). */
  devices?: string;
  allowWarnings?: boolean;
}

export interface PromotePreview {
  model: string;
  from: string;
  to: string;
  fromVersion: string;
  /** What `to` points at now (null: nothing yet). */
  toVersion: string | null;
  /** The manifest diff from what `to` has now to what it would get (absent: see diffUnavailable). */
  diff?: DiffReport;
  diffUnavailable?: string;
}

export interface PushDone {
  reference: string;
  digest: string;
  tag: string;
  layers: { path?: string; digest: string; size: number; result: string }[];
  uploadedBytes: number;
  warnings: string[];
}

export interface PlatformApi {
  listPlatforms(a: Record<string, never>): Promise<Result<PlatformStatus[]>>;
  /** Checks the token against the platform, keeps it in the OS keychain, makes the platform active. */
  addPlatform(a: { url: string; token: string }): Promise<Result<PlatformStatus>>;
  usePlatform(a: { url: string }): Promise<Result<PlatformStatus>>;
  /** Forgets a platform (its keychain entry). */
  removePlatform(a: { url: string }): Promise<Result<PlatformStatus[]>>;
  platformOverview(a: Record<string, never>): Promise<Result<PlatformOverview>>;
  /** The platform's own preview of the draft manifest on a channel (what a rollout would decline). */
  platformPreview(a: { channel: string }): Promise<Result<PlatformPreview>>;
  platformRollouts(a: Record<string, never>): Promise<Result<RolloutsView>>;
  startRollout(a: RolloutStart): Promise<Result<RolloutView>>;
  rolloutAction(a: { id: string; action: RolloutAction }): Promise<Result<RolloutView>>;
  /** Publishes the package being built (upload) or a pinned registry reference (`from`). */
  publish(a: { channel?: string; from?: string }): Promise<Result<PublishStart>>;
  pausePublish(a: { jobId: JobId }): Promise<Result<{ paused: boolean }>>;
  resumePublish(a: { jobId: JobId }): Promise<Result<{ paused: boolean }>>;
  promotePreview(a: { model: string; from: string; to: string }): Promise<Result<PromotePreview>>;
  promote(a: { model: string; from: string; to: string }): Promise<Result<ChannelChange>>;
  /** Downloads a release's files from the active platform and opens them in Review. */
  openRelease(a: { name: string; version: string; publicKey?: string }): Promise<Result<ReviewState>>;
  /** Pushes the package being built to an OCI registry (job result: PushDone). */
  pushToRegistry(a: { reference: string; plainHttp?: boolean }): Promise<Result<{ jobId: JobId }>>;
  /** Stores registry credentials in the OS keychain after checking them with the registry. */
  registryLogin(a: {
    registry: string;
    username: string;
    password: string;
    plainHttp?: boolean;
  }): Promise<Result<{ registry: string }>>;
  /** Pulls a registry reference into the session and opens it in Review. */
  openReference(a: { reference: string; plainHttp?: boolean; publicKey?: string }): Promise<Result<ReviewState>>;
}

export const PLATFORM_OPERATIONS = [
  'listPlatforms',
  'addPlatform',
  'usePlatform',
  'removePlatform',
  'platformOverview',
  'platformPreview',
  'platformRollouts',
  'startRollout',
  'rolloutAction',
  'publish',
  'pausePublish',
  'resumePublish',
  'promotePreview',
  'promote',
  'openRelease',
  'pushToRegistry',
  'registryLogin',
  'openReference',
] as const satisfies readonly (keyof PlatformApi)[];
