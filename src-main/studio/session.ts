/**
 * One Studio session, kept in a private temporary working folder: the open model and its draft
 * manifest (model.ts), the staged package folder (stage.ts), a package under review (review.ts),
 * a device inventory, and the platform operations (platform-ops.ts). Serves every StudioApi
 * operation by name; the Electron main process and the browser host both serve an instance of this.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Unchecked } from '../unchecked.js';
import { isKeyName } from '../signing/index.js';
import type {
  OperationArgs,
  OperationName,
  OperationValue,
  PackageDownload,
  Result,
  StudioApi,
  StudioError,
} from './contract.js';
import { domain as realDomain, type Domain, type Inventory } from './domain.js';
import { badRequest, toStudioError } from './errors.js';
import { listExamples, openExample } from './examples.js';
import { DEFAULT_MAX_UPLOAD, DEFAULT_MAX_UPLOADS_TOTAL, FileTable } from './files.js';
import { JobRunner } from './jobs.js';
import { ModelDraft } from './model.js';
import { PackageStage } from './stage.js';
import { PackageReview } from './review.js';
import { PlatformStudio } from './platform-ops.js';
import { PackageDownloads } from './downloads.js';

export interface SessionOptions {
  /** Parent of the session's working folder (default: the OS temp folder). */
  tmpRoot?: string;
  domain?: Domain;
  maxUploadBytes?: number;
  /** Bytes all uploads of the session may hold at once (default FLEETPACK_STUDIO_MAX_UPLOADS_TOTAL or 32 GiB). */
  maxUploadsTotal?: number;
  /** The folder the browser host's save picker starts in and never leaves (`studio --web --root`). */
  saveRoot?: string;
}

export class StudioSession {
  readonly jobs = new JobRunner((e) => this.scrubError(e));
  readonly files: FileTable;
  readonly maxUploadBytes: number;
  /** Packages frozen for "Download as .tar" (browser host), by one-time ticket. */
  readonly downloads: PackageDownloads;
  private readonly d: Domain;

  /** The open model and its draft manifest. */
  private readonly draft: ModelDraft;
  /** The staged package folder: sign, verify, SBOM, save. */
  private readonly pkg: PackageStage;
  /** A package folder opened for review. */
  private readonly review: PackageReview;
  private inventory: Inventory | undefined;

  private constructor(
    readonly workDir: string,
    opts: SessionOptions,
  ) {
    this.d = opts.domain ?? realDomain;
    this.files = new FileTable(
      join(workDir, 'uploads'),
      opts.maxUploadsTotal ?? envBytes('FLEETPACK_STUDIO_MAX_UPLOADS_TOTAL') ?? DEFAULT_MAX_UPLOADS_TOTAL,
    );
    this.maxUploadBytes = opts.maxUploadBytes ?? envBytes('FLEETPACK_STUDIO_MAX_UPLOAD') ?? DEFAULT_MAX_UPLOAD;
    const parts = { d: this.d, jobs: this.jobs, files: this.files };
    this.draft = new ModelDraft({ ...parts, dropStage: () => this.pkg.drop() });
    this.pkg = new PackageStage({ ...parts, workDir, saveRoot: opts.saveRoot }, this.draft);
    this.review = new PackageReview(parts);
    this.downloads = new PackageDownloads(join(workDir, 'downloads'));
  }

  /** The package as savePackage would write it (the same gate), frozen for one tar download. */
  async preparePackageTar(withoutSignature: boolean): Promise<PackageDownload> {
    const m = this.draft.requireManifest();
    const { dir, notes } = await this.pkg.readyToSave(withoutSignature, 'Downloaded');
    return this.downloads.prepare(dir, `${m.name}-${m.version}`, { withoutSignature, notes });
  }

  static async create(opts: SessionOptions = {}): Promise<StudioSession> {
    const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'fleetpack-studio-'));
    await mkdir(join(dir, 'uploads'), { recursive: true });
    return new StudioSession(dir, opts);
  }

  /**
   * Compiles the manifest schema and loads the catalog now (~200 ms of CPU the first time), so
   * the first dropped model is not the one that pays for it. Adapters call it once they are up.
   */
  async warmUp(): Promise<void> {
    await StudioSession.warmUp(this.d);
  }

  /** The same warm-up without a session (a host compiles the schema before any page opens). */
  static async warmUp(d: Domain = realDomain): Promise<void> {
    await d.validate({
      schemaVersion: '1.0',
      name: 'warm-up',
      version: '0.0.0',
      framework: { format: 'onnx' },
      artifact: { file: 'm', files: [] },
      inputs: [],
      outputs: [],
    });
  }

  /** Cancels running jobs and removes the working folder. */
  async dispose(): Promise<void> {
    this.jobs.cancelAll();
    await rm(this.workDir, { recursive: true, force: true });
  }

  /** Runs one operation by name, turning every thrown error into a Result. */
  async call<K extends OperationName>(op: K, args: unknown): Promise<Result<OperationValue<K>>> {
    const fn = (this.api as unknown as Record<string, ((a: unknown) => Promise<unknown>) | undefined>)[op];
    if (typeof fn !== 'function') return { ok: false, error: toStudioError(badRequest(`Unknown operation ${op}`)) };
    try {
      const value = await fn.call(this, args && typeof args === 'object' ? args : {});
      return { ok: true, value: value as OperationValue<K> };
    } catch (e) {
      return { ok: false, error: this.scrubError(toStudioError(e)) };
    }
  }

  /** Runs adapter work (uploads, dialogs) with the same error handling as the operations. */
  async wrap<T>(fn: () => Promise<T>): Promise<Result<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return { ok: false, error: this.scrubError(toStudioError(e)) };
    }
  }

  /** Paths stay on the Node side: errors name files by their display names. */
  scrubError(e: StudioError): StudioError {
    const out: StudioError = { ...e, message: this.files.scrub(e.message) };
    if (e.where !== undefined) out.where = this.files.scrub(e.where);
    if (e.hint !== undefined) out.hint = this.files.scrub(e.hint);
    return out;
  }

  /** Platforms and registries: publish, the Platform view, push, review a release or a reference. */
  private readonly platform = new PlatformStudio({
    jobs: this.jobs,
    files: () => this.files,
    workDir: () => this.workDir,
    stage: (signal) => this.pkg.stage(signal),
    openPackage: (folder, publicKey) => this.review.open(folder, publicKey),
    readManifest: (dir) => this.d.readManifest(dir),
    draft: () => this.draft.packagedManifest(),
    diff: (before, after) => this.d.diff(before, after),
  });

  // The operations, unwrapped (they throw); call() wraps them into Results.
  // Arguments come from the page: whatever the contract says, every field may be missing or wrong.
  private readonly api: {
    [K in OperationName]: (a: Unchecked<OperationArgs<K>>) => OperationValue<K> | Promise<OperationValue<K>>;
  } = {
    openModel: (a) => this.draft.open(a.file),
    listExamples: async () => listExamples(),
    openExample: async (a) => openExample(a.name, this.files, this.maxUploadBytes),
    inspect: (a) => this.draft.reinspect(a.companion),
    getManifest: () => this.draft.state(),
    updateManifest: (a) => this.draft.update(a.manifest),
    validateManifest: () => this.draft.state(),
    importMetrics: (a) => this.draft.importMetrics(this.files.file(a.file).path),
    checkLicense: (a) => this.d.checkLicense(optionalText(a.expression, 'expression') ?? ''),
    vocabulary: () => this.d.vocabulary(),
    listCatalog: () => this.d.catalog(),
    listKeys: async () => this.d.listKeys(),
    createKey: async (a) => this.d.createKey(requireName(a.name)),
    exportPublicKey: async (a) => ({
      name: requireName(a.name),
      pem: await this.d.exportPublicKey(requireName(a.name)),
    }),
    sign: (a) => ({ jobId: this.pkg.startSign(requireName(a.key)) }),
    verify: (a) => ({ jobId: this.pkg.startVerify(a.key === undefined ? undefined : requireName(a.key)) }),
    attachSbom: (a) => this.pkg.attachSbom(a.file),
    generateSbom: () => ({ jobId: this.pkg.startGenerateSbom() }),
    validateSbom: async (a) => this.d.validateSbom(this.files.file(a.file).path),
    loadInventory: async (a) => {
      const held = this.files.file(a.file);
      this.inventory = await this.d.loadInventory(held.path);
      return { handle: held.handle, name: held.name, ...this.inventory.summary };
    },
    preview: async (a) => {
      if (!this.inventory) throw badRequest('No inventory loaded', 'Load a device inventory file first.');
      const channel = optionalText(a.channel, 'channel');
      // Build checks its own draft, Review its own package: neither ever stands in for the other.
      if (a.subject === 'review') {
        const reviewed = this.review.manifest;
        if (!reviewed) throw badRequest('No package is open for review', 'Open a package folder first.');
        return this.d.preview(reviewed, this.inventory, {
          ...(channel ? { channel } : {}),
          where: 'the reviewed package',
          fix: 'Its problems are listed in Review; the package has to be fixed and saved again.',
        });
      }
      if (a.subject !== 'draft') throw badRequest('preview needs a subject: "draft" or "review"');
      // The draft as it will be packaged: with its digest (an empty sha256 is not a valid manifest).
      return this.d.preview(await this.draft.packagedManifest(), this.inventory, {
        ...(channel ? { channel } : {}),
        where: 'the draft manifest',
        fix: 'Fix the problems listed in the Manifest step, then preview again.',
      });
    },
    groupDevices: (a) => {
      if (!this.inventory) throw badRequest('No inventory loaded', 'Load a device inventory file first.');
      const offset = a.offset ?? 0;
      if (typeof a.group !== 'string' || !Number.isSafeInteger(offset) || offset < 0)
        throw badRequest('groupDevices needs a group id and a whole offset of 0 or more');
      const channel = optionalText(a.channel, 'channel');
      return this.d.groupDevices(this.inventory, a.group, { offset, ...(channel ? { channel } : {}) });
    },
    listFolders: (a) => this.pkg.listFolders(a.under),
    savePackage: (a) => this.pkg.save(a.into, optionalText(a.name, 'name') ?? '', a.withoutSignature === true),
    openPackage: (a) => this.review.open(a.folder, optionalText(a.publicKey, 'publicKey')),
    diff: (a) => this.review.diff(a.against, () => this.draft.requireManifest()),
    cancelJob: (a) => this.jobs.cancel(a.jobId) ?? unknownJob(),
    jobStatus: (a) => this.jobs.status(a.jobId) ?? unknownJob(),
    ...this.platform.ops,
  };

  /** The StudioApi as a typed object (for in-process callers and tests). */
  get studioApi(): StudioApi {
    const out: Record<string, (a: unknown) => Promise<unknown>> = {};
    for (const op of Object.keys(this.api)) out[op] = (a) => this.call(op as OperationName, a);
    return out as unknown as StudioApi;
  }
}

function envBytes(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function requireName(v: unknown): string {
  if (!isKeyName(v)) {
    throw badRequest(
      'Key names use letters, digits, dot, dash and underscore (up to 64)',
      'For example lab-signing-2026.',
    );
  }
  return v;
}

/** An optional text argument from the page: undefined, or a string. */
function optionalText(v: unknown, what: string): string | undefined {
  if (v !== undefined && typeof v !== 'string') throw badRequest(`${what} must be text`);
  return v;
}

function unknownJob(): never {
  throw badRequest('No such job in this session');
}
