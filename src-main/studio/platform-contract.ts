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
  /** Rollouts: on a platform without a rollout API, why not (never an empty "all fine"). */
  rollouts: { available: false; reason: string };
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
  platformPreview(a: { channel?: string }): Promise<Result<PlatformPreview>>;
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
