/**
 * The StudioApi: the typed contract between the UI (src-renderer) and the Node side (the
 * Electron main process or the loopback browser host). Types, plus the few constants both Node-side
 * ends of the bridge share (the operation list, the IPC channel names). The renderer imports only
 * the types (`import type`, enforced by the lint's layering rule), so no main-process code ends up
 * in the UI bundle.
 *
 * Rules the contract encodes:
 * - Files are named by opaque handles the Node side hands out; the renderer never sees a path.
 * - Every call answers a `Result`: domain errors travel as data (code, words, where, hint),
 *   never as a stack trace.
 * - Long work (hashing, signing, verifying, SBOM generation) runs as a job: the call returns
 *   `{ jobId }`, progress arrives as `JobEvent`s, and `cancelJob` stops it.
 */
import type { Dim, ModelInfo, OperatorUse, TensorSpec } from '../formats/index.js';
import type {
  ChangeRow,
  Manifest,
  ManifestTensor,
  ManifestVocabulary,
  Metric,
  Preprocessing,
} from '../manifest/index.js';
import { PLATFORM_OPERATIONS, type PlatformApi, type PublishOutcome, type PushDone } from './platform-contract.js';

export type {
  ChangeRow,
  Dim,
  Manifest,
  ManifestTensor,
  ManifestVocabulary,
  Metric,
  ModelInfo,
  OperatorUse,
  Preprocessing,
  TensorSpec,
};
export type * from './platform-contract.js';
/** One custom license entry of the manifest (a LicenseRef-… with its name, URL or text). */
export type LicenseRefEntry = NonNullable<Manifest['licenseRef']>[number];

/** Opaque id for a file or folder the Node side holds (an upload, a dropped file, a package). */
export type Handle = string;
export type JobId = string;

/** A domain error rendered as data. `pointer` links a problem to a manifest field. */
export interface StudioError {
  code: string;
  message: string;
  where?: string;
  hint?: string;
  pointer?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: StudioError };

/** What the renderer learns about a file it handed over. */
export interface FileRef {
  handle: Handle;
  /** Base name only, for display. */
  name: string;
  size: number;
}

export interface FolderRef {
  handle: Handle;
  name: string;
  files: number;
}

// ---------------------------------------------------------------- model

export interface ModelView {
  file: FileRef;
  info: Omit<ModelInfo, 'path'>;
  /** The format and what its version counts, e.g. "ONNX (IR version 8)". */
  formatLabel: string;
  /** Display strings for the runtime needs (e.g. "ai.onnx opset 17", "TensorRT 10.3.0.30"). */
  runtimeNeeds: string[];
  /** Operator types with their counts, most used first, custom ops marked (the same list as `inspect`). */
  operators: OperatorUse[];
  /** True for a TensorRT engine whose I/O is not known yet: ask for a companion ONNX / config.pbtxt. */
  needsCompanion: boolean;
  companion?: FileRef;
}

export interface OpenModelResult {
  model: ModelView;
  manifest: ManifestState;
  /** The background digest of the model file(s); progress arrives as job events. */
  digestJob: JobId;
  /**
   * Set when the model was read quickly (a big file still arriving: header and end, not the
   * weights; `model.info.partial` says what is not known yet). The job's result is the full read.
   */
  inspectJob?: JobId;
}

/** An example shipped with Fleetpack (resources/examples/), for trying the Studio without a model. */
export interface ExampleSummary {
  name: string;
  title: string;
  description: string;
}

/** An opened example: the session's own copies of its files, as handles. */
export interface ExampleFiles extends ExampleSummary {
  model: FileRef;
  metrics: FileRef;
  inventory: FileRef;
}

// ---------------------------------------------------------------- manifest

export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  /** JSON pointer into the manifest ('' = the whole document). */
  pointer: string;
  message: string;
  hint?: string;
  code?: string;
}

export interface ManifestState {
  manifest: Manifest;
  problems: Problem[];
  /** No errors (warnings allowed): it can be saved as a package. */
  valid: boolean;
  /** Valid, with a license and nothing left to fill in or confirm: the Manifest step is done. */
  complete: boolean;
  /** The manifest changed since the package was last signed. */
  changedSinceSigning: boolean;
  /**
   * The generated SBOM describes an older manifest (version, license … changed since): saving
   * is blocked until it is generated again or another SBOM is attached.
   */
  sbomStale: boolean;
  /** Names of the inputs that can be images (image preprocessing applies); others get it only when asked. */
  imageInputs: string[];
}

export interface LicenseCheck {
  expression: string;
  valid: boolean;
  /** Normalized SPDX expression when it parses. */
  normalized?: string;
  message?: string;
  hint?: string;
  /** LicenseRef-… ids that need a URL or text in the manifest. */
  needsReference?: string[];
  /** A valid expression to offer instead (a model-hub id mapped to its LicenseRef, with the entries it needs). */
  suggestion?: { license: string; licenseRef: LicenseRefEntry[]; notes: string[] };
}

export interface MetricsImport {
  metrics: Metric[];
  warnings: string[];
  manifest: ManifestState;
}

// ---------------------------------------------------------------- catalog / fleet

export interface ProfileSummary {
  id: string;
  name: string;
  vendor?: string;
  family?: string;
  /** One-line facts, e.g. "TensorRT 8.5.2 · CC 7.2 · 8 GB". */
  facts: string;
}

export interface InventorySummary {
  handle: Handle;
  name: string;
  /** Every row with a device id is a device in scope. */
  devices: number;
  /** Rows that are not devices (no id, or an id repeated), with their line and reason (first 10,000). */
  badRows: { line: number; message: string }[];
  skippedRows: number;
  /** Devices whose stated facts cannot be read: kept, "cannot tell" (first 10,000 facts). */
  unreadable: { line: number; id: string; field: string; message: string }[];
  unreadableDevices: number;
  channels: string[];
}

export type Verdict = 'compatible' | 'warning' | 'declined';

export interface Reason {
  code: string;
  verdict: Verdict;
  message: string;
  hint?: string;
}

export interface PreviewReport {
  total: number;
  totals: Record<Verdict, number>;
  byProfile: { profile: string; compatible: number; warning: number; declined: number }[];
  /** Reasons ranked by how many devices they affect (most first). */
  reasons: (Reason & { devices: number })[];
  /**
   * Devices with identical facts, decided once (the fleet domain's groups, as `fleetpack compat`
   * prints them): declined first, then warning, then compatible; larger groups first.
   */
  groups: VerdictGroup[];
}

/** A page of a group's device ids (groupDevices). */
export interface GroupDevices {
  ids: string[];
  offset: number;
  total: number;
}

/** One group of identical devices: one verdict, its reasons once, and the first device ids. */
export interface VerdictGroup {
  /** Short stable id of the group (profile + facts). */
  id: string;
  profile: string;
  verdict: Verdict;
  reasons: Reason[];
  /** How many devices in scope the group holds. */
  devices: number;
  /** The first device ids of the group (up to 100), in inventory order; groupDevices lists more. */
  sample: string[];
}

// ---------------------------------------------------------------- keys / signing

export interface KeyInfo {
  name: string;
  /** OMS public-key hint: lower-case hex SHA-256 of the PEM. */
  keyId: string;
  algorithm: string;
  publicKeyPem: string;
  createdAt?: string;
}

export interface SignResult {
  keyName: string;
  keyId: string;
  files: number;
  signedAt: string;
}

export interface VerifyReport {
  verified: boolean;
  keyId?: string;
  files: number;
  /** Each failure by file, e.g. tampered / missing / extra. */
  problems: { code: string; message: string; file?: string }[];
}

// ---------------------------------------------------------------- SBOM

export interface SbomReport {
  /** The file was accepted and recorded in the manifest. */
  attached: boolean;
  valid: boolean;
  format?: string;
  specVersion?: string;
  components?: number;
  errors: { pointer?: string; message: string }[];
  warnings: { pointer?: string; message: string }[];
  ntia?: { score: number; gaps: { component: string; missing: string[] }[] };
  /** Attaching changed the package: it must be signed again. */
  resignNeeded: boolean;
}

// ---------------------------------------------------------------- package / review

export interface PackageSummary {
  name: string;
  version: string;
  files: { path: string; size: number; role: string }[];
  signed: boolean;
  /** Result of verifying the signature when the package is signed. */
  verify?: VerifyReport;
  sbom?: { file: string; format: string; specVersion: string };
  /** Where it was saved, for display: the chosen folder's name path (never a host path), e.g. "packages/detector-1.0.0". */
  savedTo?: string;
  /** Said when the package was saved without its signature (stale, left out on request). */
  notes?: string[];
}

/** A package ready to download as a tar (browser host): fetch `GET /api/package-tar?ticket=…` once. */
export interface PackageDownload {
  ticket: string;
  /** e.g. "detector-1.0.0.tar"; it unpacks to the package folder "detector-1.0.0/". */
  fileName: string;
  bytes: number;
  /** As for a save: e.g. that it goes without model.sig. */
  notes: string[];
}

/** A folder the package can be saved into: the browser host's picker lists these under its allowed root. */
export interface FolderListing {
  folder: FolderRef;
  /** Names from the allowed root down to this folder (the root's own name first). */
  trail: string[];
  parent?: FolderRef;
  /** Subfolders, as handles; a symbolic link is listed with `symlink` and cannot be opened. */
  folders: (FolderRef & { symlink?: boolean })[];
}

export interface ReviewState {
  pkg: FolderRef;
  manifest: Manifest;
  problems: Problem[];
  summary: PackageSummary;
  sbom?: SbomReport;
}

export interface DiffChange {
  /** e.g. 'identity', 'inputs', 'requirements', 'metrics', 'license'. */
  section: string;
  code: string;
  pointer: string;
  message: string;
  /** How it affects consumers and devices: breaking, tightened, loosened, improved, regressed, changed. */
  effect: string;
  before?: unknown;
  after?: unknown;
  delta?: number;
  /** The change for people: each field in words with its value before and after ("—" when absent). */
  rows: ChangeRow[];
}

export interface DiffReport {
  left: { name: string; version: string };
  right: { name: string; version: string };
  versionBump: string;
  changes: DiffChange[];
  /** Reviewer notes, e.g. a breaking change without a major version bump. */
  notes: string[];
  /** Both manifests, for the side-by-side view. */
  leftManifest: Manifest;
  rightManifest: Manifest;
}

// ---------------------------------------------------------------- jobs

export type JobKind = 'digest' | 'inspect' | 'sign' | 'verify' | 'sbom-generate' | 'publish' | 'push';

export type JobEvent =
  | { jobId: JobId; kind: JobKind; type: 'progress'; done: number; total: number; phase?: string }
  | { jobId: JobId; kind: JobKind; type: 'done'; result: unknown }
  | { jobId: JobId; kind: JobKind; type: 'failed'; error: StudioError }
  | { jobId: JobId; kind: JobKind; type: 'cancelled' };

export interface JobStatus {
  jobId: JobId;
  kind: JobKind;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  result?: unknown;
  error?: StudioError;
}

/** Results of job kinds, for typed awaiting on the UI side. */
export interface JobResults {
  digest: { files: { path: string; sha256: string; size: number }[] };
  /** `changed`: the full read changed the manifest's model facts or the artifact's files. */
  inspect: { model: ModelView; changed: boolean };
  sign: SignResult;
  verify: VerifyReport;
  'sbom-generate': SbomReport;
  publish: PublishOutcome;
  push: PushDone;
}

// ---------------------------------------------------------------- browser host transport

/**
 * The header that names the page's own session on every /api/ request of the browser host
 * (the event stream, which cannot send headers, passes it as ?session=).
 */
export type SessionHeader = 'X-Fleetpack-Session';

/** Bytes of a file still arriving that the host needs now: sent on the event stream as `event: range`. */
export interface RangeRequest {
  upload: Handle;
  ranges: { offset: number; length: number }[];
}

export interface UploadProgress {
  received: number;
  complete: boolean;
}

/**
 * The browser host's endpoints besides /api/op/<name> (the Electron shell hands files over in
 * main instead). Each answers a Result of `value`; `query` is the URL's search parameters.
 */
export interface HostEndpoints {
  /** A new session for this page: its own handles, draft and jobs. */
  'POST /api/session': { query: Record<string, never>; value: { session: string } };
  /** A whole file streamed in the body (size-capped); with `folder`, into an uploaded package folder. */
  'POST /api/upload': { query: { name: string; folder?: Handle }; value: FileRef };
  /** A big file announced by size: created now, filled by chunks and range answers while it is read. */
  'POST /api/upload-start': { query: { name: string; size: string }; value: FileRef & { upload: Handle } };
  'PUT /api/upload-chunk': { query: { file: Handle; offset: string }; value: UploadProgress };
  /** The answer to a RangeRequest: `ranges` is OFFSET:LENGTH,… and the body their bytes in order. */
  'PUT /api/upload-ranges': { query: { file: Handle; ranges: string }; value: UploadProgress };
  /** An empty folder to upload a package folder into. */
  'POST /api/folder': { query: { name: string }; value: FolderRef };
  /**
   * The package as it would be saved (the same gate as savePackage), frozen for one download.
   * `withoutSignature=1` leaves a stale model.sig out, as savePackage's `withoutSignature` does.
   */
  'POST /api/package-tar': { query: { withoutSignature?: '1' }; value: PackageDownload };
  /**
   * The tar itself (application/x-tar, as an attachment), once per ticket. Opened by the browser
   * as a download, so the token and the session travel as query parameters; errors answer a Result.
   */
  'GET /api/package-tar': { query: { ticket: string; session: string; token: string }; value: never };
}

// ---------------------------------------------------------------- the API

/**
 * Every operation takes one JSON-serializable argument object and resolves to a Result.
 * The HTTP host maps each to `POST /api/op/<name>`; Electron to the IPC channel `studio:<name>`.
 */
export interface StudioApi extends PlatformApi {
  /** Inspect the model behind `file`, prefill a manifest and start hashing it. */
  openModel(a: { file: Handle }): Promise<Result<OpenModelResult>>;
  listExamples(a: Record<string, never>): Promise<Result<ExampleSummary[]>>;
  /** Hands over the example's model, metrics and inventory (open them like files the user chose). */
  openExample(a: { name: string }): Promise<Result<ExampleFiles>>;
  /** Re-inspect the current model (e.g. a TensorRT engine with its companion ONNX / config.pbtxt). */
  inspect(a: { companion?: Handle }): Promise<Result<OpenModelResult>>;
  getManifest(a: Record<string, never>): Promise<Result<ManifestState>>;
  /** Replace the draft manifest with the edited one; answers the validation of the new draft. */
  updateManifest(a: { manifest: Manifest }): Promise<Result<ManifestState>>;
  validateManifest(a: Record<string, never>): Promise<Result<ManifestState>>;
  importMetrics(a: { file: Handle }): Promise<Result<MetricsImport>>;
  checkLicense(a: { expression: string }): Promise<Result<LicenseCheck>>;
  /** Channels, color orders, layouts and license suggestions, from the manifest's own definitions. */
  vocabulary(a: Record<string, never>): Promise<Result<ManifestVocabulary>>;
  listCatalog(a: Record<string, never>): Promise<Result<ProfileSummary[]>>;

  listKeys(a: Record<string, never>): Promise<Result<KeyInfo[]>>;
  createKey(a: { name: string }): Promise<Result<KeyInfo>>;
  exportPublicKey(a: { name: string }): Promise<Result<{ name: string; pem: string }>>;
  sign(a: { key: string }): Promise<Result<{ jobId: JobId }>>;
  verify(a: { key?: string }): Promise<Result<{ jobId: JobId }>>;

  attachSbom(a: { file: Handle }): Promise<Result<SbomReport>>;
  generateSbom(a: Record<string, never>): Promise<Result<{ jobId: JobId }>>;
  validateSbom(a: { file: Handle }): Promise<Result<SbomReport>>;

  loadInventory(a: { file: Handle }): Promise<Result<InventorySummary>>;
  /**
   * Which devices of the loaded inventory would accept `subject`: the draft being built, or the
   * package open in review (never one for the other). A channel the inventory lacks is refused.
   */
  preview(a: { subject: 'draft' | 'review'; channel?: string }): Promise<Result<PreviewReport>>;
  /**
   * The device ids of one group of a preview (VerdictGroup.id, same inventory and channel), in
   * inventory order, a page from `offset`; `total` is the group's size (0: the inventory changed).
   */
  groupDevices(a: { group: string; channel?: string; offset?: number }): Promise<Result<GroupDevices>>;

  /**
   * Folders the package can be saved into (browser host): the allowed root, or a folder under it.
   * The Electron shell offers its native dialog instead (chooseSaveFolder, also a handle).
   */
  listFolders(a: { under?: Handle }): Promise<Result<FolderListing>>;
  /**
   * Write the package folder `name` inside the folder `into` (a handle from listFolders or the
   * save dialog). Refused while the manifest has errors or the generated SBOM is stale; a
   * signature from before the last change is refused too, unless `withoutSignature` leaves it out.
   */
  savePackage(a: { into: Handle; name: string; withoutSignature?: boolean }): Promise<Result<PackageSummary>>;
  /** Review mode: open a package folder (uploaded or chosen), verify it, read its manifest. */
  openPackage(a: { folder: Handle; publicKey?: string }): Promise<Result<ReviewState>>;
  /** Semantic diff of the reviewed package (or the current draft) against another package. */
  diff(a: { against: Handle }): Promise<Result<DiffReport>>;

  cancelJob(a: { jobId: JobId }): Promise<Result<JobStatus>>;
  jobStatus(a: { jobId: JobId }): Promise<Result<JobStatus>>;
}

export type OperationName = keyof StudioApi;
export type OperationArgs<K extends OperationName> = Parameters<StudioApi[K]>[0];
export type OperationValue<K extends OperationName> =
  Awaited<ReturnType<StudioApi[K]>> extends Result<infer T> ? T : never;

/** Runtime list of operation names (keep in sync with StudioApi; a type test below enforces it). */
export const OPERATIONS = [
  'openModel',
  'listExamples',
  'openExample',
  'inspect',
  'getManifest',
  'updateManifest',
  'validateManifest',
  'importMetrics',
  'checkLicense',
  'vocabulary',
  'listCatalog',
  'listKeys',
  'createKey',
  'exportPublicKey',
  'sign',
  'verify',
  'attachSbom',
  'generateSbom',
  'validateSbom',
  'loadInventory',
  'preview',
  'groupDevices',
  'listFolders',
  'savePackage',
  'openPackage',
  'diff',
  'cancelJob',
  'jobStatus',
  ...PLATFORM_OPERATIONS,
] as const satisfies readonly OperationName[];

// Compile-time check: OPERATIONS names every operation of StudioApi.
type Missing = Exclude<OperationName, (typeof OPERATIONS)[number]>;
const _operationsComplete: [Missing] extends [never] ? true : Missing = true;

// ---------------------------------------------------------------- Electron IPC channel map

/**
 * One typed map of IPC channel → signature, shared by the preload and main (GitHub Desktop style).
 * Request/response channels are invoked with `ipcRenderer.invoke` and handled by `ipcMain.handle`.
 */
export type IpcInvokeChannels = {
  [K in OperationName as `studio:${K}`]: (a: OperationArgs<K>) => Promise<Result<OperationValue<K>>>;
} & {
  /** A file dropped on the window: the preload resolved its path with webUtils.getPathForFile. */
  'app:dropFile': (a: { path: string }) => Promise<Result<FileRef>>;
  /** Native open dialogs in main; answers null when the user cancels. */
  'app:chooseFile': (a: { purpose: FilePurpose }) => Promise<Result<FileRef | null>>;
  'app:chooseFolder': (a: { purpose: 'package' | 'compare' }) => Promise<Result<FolderRef | null>>;
  /** The native folder dialog; answers a destination handle for savePackage, never the path. */
  'app:chooseSaveFolder': (a: Record<string, never>) => Promise<Result<FolderRef | null>>;
};

/** Main → renderer messages (webContents.send); the preload forwards only the payload. */
export type IpcEventChannels = {
  'studio:job-event': JobEvent;
  /** Menu actions the UI reacts to (Open, Open package, a recent file). */
  'app:menu': MenuAction;
};

export type FilePurpose = 'model' | 'companion' | 'metrics' | 'sbom' | 'inventory';

export type MenuAction = { action: 'open-model'; file: FileRef } | { action: 'open-package'; folder: FolderRef };

export const channelOf = <K extends OperationName>(op: K): `studio:${K}` => `studio:${op}`;

/**
 * What the preload exposes as `window.fleetpack`: one function per operation plus the few
 * Electron-only ones. No raw ipcRenderer, no channel names on the page side.
 */
export type FleetpackBridge = {
  [K in OperationName]: (a: OperationArgs<K>) => Promise<Result<OperationValue<K>>>;
} & {
  dropFile(file: File): Promise<Result<FileRef>>;
  chooseFile(purpose: FilePurpose): Promise<Result<FileRef | null>>;
  chooseFolder(purpose: 'package' | 'compare'): Promise<Result<FolderRef | null>>;
  chooseSaveFolder(): Promise<Result<FolderRef | null>>;
  onJobEvent(listener: (e: JobEvent) => void): () => void;
  onMenu(listener: (e: MenuAction) => void): () => void;
};
