/**
 * One Studio session: the current model, its draft manifest and the staged package folder, kept
 * in a private temporary working folder. Implements every StudioApi operation over the domain;
 * the Electron main process and the browser host both serve an instance of this.
 */
import { cp, link, mkdir, mkdtemp, readdir, rm, stat, copyFile, constants as fsc } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactSource } from '../manifest/index.js';
import { buildDirAtomic } from '../package/index.js';
import { UsageError } from '../errors.js';
import type { Unchecked } from '../unchecked.js';
import type {
  FileRef,
  FolderListing,
  JobId,
  Manifest,
  ManifestState,
  ModelInfo,
  ModelView,
  OpenModelResult,
  OperationArgs,
  OperationName,
  OperationValue,
  PackageSummary,
  Result,
  ReviewState,
  SbomReport,
  StudioApi,
  StudioError,
  VerifyReport,
} from './contract.js';
import { domain as realDomain, type Domain, type Inventory } from './domain.js';
import { badRequest, toStudioError } from './errors.js';
import { listExamples, openExample } from './examples.js';
import { listFolders, saveTarget } from './destinations.js';
import { DEFAULT_MAX_UPLOAD, DEFAULT_MAX_UPLOADS_TOTAL, FileTable, type Held } from './files.js';
import { JobRunner } from './jobs.js';
import type { ArrivingFile } from './arriving.js';
import { modelFacts, withConfirmedFacts, type ModelFacts } from './confirmed-read.js';
import { PlatformStudio } from './platform-ops.js';

const SIGNATURE_FILE = 'model.sig';
const MANIFEST_FILE = 'fleetpack.json';

interface QuickRead {
  provisional: ModelFacts;
  confirmed?: ModelFacts;
  /** Resolves when the full read has ended (done, failed or cancelled). */
  settled: Promise<void>;
}

interface CurrentModel {
  held: Held;
  ref: FileRef;
  info: ModelInfo;
  companion?: { held: Held; ref: FileRef };
}

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
  private readonly saveRoot: string | undefined;
  private readonly d: Domain;

  private model: CurrentModel | undefined;
  private manifest: Manifest | undefined;
  private digestJob: JobId | undefined;
  private inspectJob: JobId | undefined;
  /**
   * After a quick read (a file still arriving): the provisional model facts the manifest was
   * prefilled with, the full read's once it is done, and that read's end (confirmed-read.ts).
   */
  private quickRead: QuickRead | undefined;
  /** Files of the artifact (model, external data, companion) with their place in the package. */
  private sources: ArtifactSource[] = [];
  private digests = new Map<string, { sha256: string; size: number }>();
  /** The manifest as it was when the package was signed; a different one means "sign again". */
  private signedFingerprint: Fingerprint | undefined;
  private signedKey: string | undefined;
  /** The manifest a generated SBOM was made from (sbomBasis); another one now means the SBOM is stale. */
  private sbomGeneratedFrom: Fingerprint | undefined;
  private inventory: Inventory | undefined;
  private review: { dir: string; manifest: Manifest } | undefined;

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
    this.saveRoot = opts.saveRoot;
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
    stage: (signal) => this.stage(signal),
    openPackage: (folder, publicKey) => this.openPackage(folder, publicKey),
    readManifest: (dir) => this.d.readManifest(dir),
    draft: () => this.requireManifest(),
    diff: (before, after) => this.d.diff(before, after),
  });

  // The operations, unwrapped (they throw); call() wraps them into Results.
  // Arguments come from the page: whatever the contract says, every field may be missing or wrong.
  private readonly api: {
    [K in OperationName]: (a: Unchecked<OperationArgs<K>>) => OperationValue<K> | Promise<OperationValue<K>>;
  } = {
    openModel: (a) => this.openModel(a.file),
    listExamples: async () => listExamples(),
    openExample: async (a) => openExample(a.name, this.files, this.maxUploadBytes),
    inspect: (a) => this.reinspect(a.companion),
    getManifest: async () => this.manifestState(),
    updateManifest: async (a) => {
      if (typeof a.manifest !== 'object' || a.manifest === null)
        throw badRequest('updateManifest needs a manifest object');
      const current = this.requireManifest();
      // The artifact (sizes, digests) and the SBOM reference are the session's facts, not the editor's.
      const { sbom: _ignored, ...edited } = a.manifest;
      // A draft may be invalid (that is what the live validation shows), so it is kept as sent.
      const draft = { ...edited, artifact: current.artifact, ...(current.sbom ? { sbom: current.sbom } : {}) };
      this.manifest = this.withModelFacts(this.d.refresh(draft as Manifest));
      return this.manifestState();
    },
    validateManifest: async () => this.manifestState(),
    importMetrics: async (a) => {
      const held = this.files.file(a.file);
      const r = await this.d.importMetrics(held.path);
      const m = this.requireManifest();
      this.manifest = this.d.refresh({ ...m, metrics: this.d.mergeMetrics(m.metrics, r.metrics) });
      return { ...r, manifest: await this.manifestState() };
    },
    checkLicense: (a) => this.d.checkLicense(optionalText(a.expression, 'expression') ?? ''),
    vocabulary: () => this.d.vocabulary(),
    listCatalog: () => this.d.catalog(),
    listKeys: async () => this.d.listKeys(),
    createKey: async (a) => this.d.createKey(requireName(a.name)),
    exportPublicKey: async (a) => ({
      name: requireName(a.name),
      pem: await this.d.exportPublicKey(requireName(a.name)),
    }),
    sign: (a) => ({ jobId: this.startSign(requireName(a.key)) }),
    verify: (a) => ({ jobId: this.startVerify(a.key === undefined ? undefined : requireName(a.key)) }),
    attachSbom: async (a) => this.attachSbom(a.file),
    generateSbom: () => ({ jobId: this.startGenerateSbom() }),
    validateSbom: async (a) => this.d.validateSbom(this.files.file(a.file).path),
    loadInventory: async (a) => {
      const held = this.files.file(a.file);
      this.inventory = await this.d.loadInventory(held.path);
      return { handle: held.handle, name: held.name, ...this.inventory.summary };
    },
    preview: (a) => {
      if (!this.inventory) throw badRequest('No inventory loaded', 'Load a device inventory file first.');
      // Build checks its own draft, Review its own package: neither ever stands in for the other.
      let m: Manifest;
      if (a.subject === 'review') {
        if (!this.review) throw badRequest('No package is open for review', 'Open a package folder first.');
        m = this.review.manifest;
      } else if (a.subject === 'draft') m = this.requireManifest();
      else throw badRequest('preview needs a subject: "draft" or "review"');
      const channel = optionalText(a.channel, 'channel');
      return this.d.preview(m, this.inventory, channel ? { channel } : {});
    },
    listFolders: async (a) => this.listFolders(a.under),
    savePackage: async (a) => this.savePackage(a.into, optionalText(a.name, 'name') ?? '', a.withoutSignature === true),
    openPackage: async (a) => this.openPackage(a.folder, optionalText(a.publicKey, 'publicKey')),
    diff: async (a) => {
      const other = this.files.folder(a.against);
      const before = await this.d.readManifest(other.path);
      const after = this.review?.manifest ?? this.requireManifest();
      return {
        left: { name: before.name, version: before.version },
        right: { name: after.name, version: after.version },
        ...this.d.diff(before, after),
        leftManifest: before,
        rightManifest: after,
      };
    },
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

  // ------------------------------------------------------------ model

  private async openModel(handle: unknown): Promise<OpenModelResult> {
    const held = this.files.file(handle);
    // A file still arriving is read quickly (header and end, not the weights), fully afterwards.
    const arriving = stillArriving(held);
    const info = await this.d.inspect(held.path, arriving ? { arriving, quick: true } : {});
    if (this.digestJob) this.jobs.cancel(this.digestJob);
    if (this.inspectJob) this.jobs.cancel(this.inspectJob);
    await rm(this.stageDir, { recursive: true, force: true });
    const replaced = this.model;
    this.model = { held, ref: { handle: held.handle, name: held.name, size: held.size }, info };
    // The replaced model's upload is dropped (a file chosen in place is never touched).
    if (replaced) {
      if (replaced.held.handle !== held.handle) await this.files.release(replaced.held.handle);
      if (replaced.companion) await this.files.release(replaced.companion.held.handle);
    }
    this.digests.clear();
    this.signedFingerprint = undefined;
    this.sbomGeneratedFrom = undefined;
    const draft = await this.d.prefill(info);
    this.manifest = draft.manifest;
    this.sources = draft.sources;
    this.quickRead = undefined;
    this.inspectJob = info.partial && arriving ? this.startFullRead(arriving) : undefined;
    this.digestJob = this.startDigest();
    return {
      model: this.modelView(),
      manifest: await this.manifestState(),
      digestJob: this.digestJob,
      ...(this.inspectJob ? { inspectJob: this.inspectJob } : {}),
    };
  }

  /** The full read after a quick one: its facts replace the provisional ones the engineer left alone. */
  private startFullRead(arriving: ArrivingFile): JobId {
    const cur = this.requireModel();
    let settle!: () => void;
    const quick: QuickRead = {
      provisional: modelFacts(this.requireManifest()),
      settled: new Promise<void>((r) => (settle = r)),
    };
    this.quickRead = quick;
    return this.jobs.start('inspect', async (signal, progress) => {
      try {
        progress(0, 1, 'reading');
        const info = await this.d.inspect(cur.held.path, { arriving, signal });
        if (this.model !== cur || this.quickRead !== quick) return { model: this.modelView(), changed: false };
        const draft = await this.d.prefill(info);
        cur.info = info;
        quick.confirmed = modelFacts(draft.manifest);
        const changed =
          !isDeepStrictEqual(quick.confirmed, quick.provisional) || !isDeepStrictEqual(draft.sources, this.sources);
        this.sources = draft.sources;
        const m = this.requireManifest();
        this.manifest = this.withDigests(this.withModelFacts({ ...m, artifact: draft.manifest.artifact }));
        return { model: this.modelView(), changed };
      } finally {
        settle();
      }
    });
  }

  /** Model facts from the full read win over provisional ones still in `m` (confirmed-read.ts). */
  private withModelFacts(m: Manifest): Manifest {
    const q = this.quickRead;
    return q?.confirmed ? withConfirmedFacts(m, q.provisional, q.confirmed) : m;
  }

  private async reinspect(companion: unknown): Promise<OpenModelResult> {
    const cur = this.requireModel();
    const comp = companion !== undefined ? this.files.file(companion) : cur.companion?.held;
    const arriving = stillArriving(cur.held);
    const info = await this.d.inspect(cur.held.path, {
      ...(comp ? { ioFrom: comp.path } : {}),
      ...(arriving ? { arriving } : {}),
    });
    // A full read: it supersedes a quick one still being confirmed.
    if (this.inspectJob) this.jobs.cancel(this.inspectJob);
    this.inspectJob = undefined;
    this.quickRead = undefined;
    cur.info = info;
    if (comp)
      cur.companion = {
        held: comp,
        ref: { handle: comp.handle, name: comp.name, size: comp.size },
      };
    const draft = await this.d.prefill(info, comp ? [comp.path] : []);
    // Keep what the engineer typed; take the I/O, framework facts and artifact from the new inspection.
    const m = this.requireManifest();
    const p = draft.manifest;
    this.sources = draft.sources;
    this.manifest = { ...m, framework: p.framework, inputs: p.inputs, outputs: p.outputs, artifact: p.artifact };
    if (this.digestJob) this.jobs.cancel(this.digestJob);
    await rm(this.stageDir, { recursive: true, force: true });
    this.digestJob = this.startDigest();
    return { model: this.modelView(), manifest: await this.manifestState(), digestJob: this.digestJob };
  }

  private modelView(): ModelView {
    const cur = this.requireModel();
    const { path: _path, ...info } = cur.info;
    return {
      file: cur.ref,
      info,
      formatLabel: this.d.formatLabel(info),
      runtimeNeeds: this.d.runtimeNeeds(info),
      needsCompanion: info.format === 'tensorrt' && info.ioSource === 'unknown',
      ...(cur.companion ? { companion: cur.companion.ref } : {}),
    };
  }

  private startDigest(): JobId {
    const cur = this.requireModel();
    const arriving = cur.held.arriving;
    const quick = this.quickRead;
    return this.jobs.start('digest', async (signal, progress) => {
      if (arriving) await waitForArrival(arriving, progress, signal);
      // The full read decides what the artifact holds (external data files, say).
      if (quick) await quick.settled;
      if (this.model !== cur) return { files: [] };
      const sources = this.sources;
      const files = await this.d.digest(sources, progress, signal);
      if (this.model !== cur || this.sources !== sources) return { files: [] };
      for (const f of files) this.digests.set(f.path, { sha256: f.sha256, size: f.size });
      if (this.manifest) this.manifest = this.withDigests(this.manifest);
      return { files };
    });
  }

  /** Artifact sizes and digests are the session's facts, not the editor's: re-apply them. */
  private withDigests(m: Manifest): Manifest {
    if (this.digests.size === 0) return m;
    const files = m.artifact.files.map((f) => {
      const d = this.digests.get(f.path);
      return d ? { ...f, sha256: d.sha256, size: d.size } : f;
    });
    return { ...m, artifact: { ...m.artifact, files } };
  }

  // ------------------------------------------------------------ manifest

  private async manifestState(): Promise<ManifestState> {
    const manifest = this.requireManifest();
    const hashing = this.digestJob !== undefined && this.jobs.status(this.digestJob)?.state === 'running';
    // While the digest runs, the empty sha256 fields are "being computed", not a problem.
    const problems = (await this.d.validate(manifest)).filter(
      (p) => !(hashing && /^\/artifact\/files\/\d+\/sha256$/.test(p.pointer)),
    );
    return {
      manifest,
      problems,
      valid: !problems.some((p) => p.severity === 'error'),
      complete: this.d.complete(problems),
      changedSinceSigning:
        this.signedFingerprint !== undefined && !sameFingerprint(this.signedFingerprint, fingerprint(manifest)),
      sbomStale: this.sbomStale(manifest),
    };
  }

  private sbomStale(m: Manifest): boolean {
    return (
      m.sbom !== undefined &&
      this.sbomGeneratedFrom !== undefined &&
      !sameFingerprint(this.sbomGeneratedFrom, sbomBasis(m))
    );
  }

  // ------------------------------------------------------------ package staging

  /** The staged package folder: the model (hard-linked when possible), fleetpack.json, the SBOM. */
  private get stageDir(): string {
    return join(this.workDir, 'package');
  }

  private async stage(signal?: AbortSignal): Promise<string> {
    this.requireModel();
    if (this.digestJob) {
      const st = await this.jobs.settled(this.digestJob);
      if (st?.state !== 'done') this.digestJob = this.startDigest();
      await this.jobs.settled(this.digestJob);
    }
    if (signal?.aborted) throw new UsageError('CANCELLED', 'Cancelled');
    const m = this.requireManifest();
    const dir = this.stageDir;
    await mkdir(dir, { recursive: true });
    for (const src of this.sources) {
      const target = join(dir, ...src.path.split('/'));
      if (existsSync(target)) continue;
      await mkdir(join(target, '..'), { recursive: true });
      await linkOrCopy(src.source, target);
    }
    await this.d.writeManifest(dir, m);
    return dir;
  }

  private startSign(key: string): JobId {
    this.requireManifest();
    return this.jobs.start('sign', async (signal, progress) => {
      const dir = await this.stage(signal);
      await rm(join(dir, SIGNATURE_FILE), { force: true });
      const result = await this.d.sign(dir, key, progress, signal);
      this.signedFingerprint = fingerprint(this.requireManifest());
      this.signedKey = key;
      return result;
    });
  }

  private startVerify(key: string | undefined): JobId {
    this.requireManifest();
    return this.jobs.start('verify', async (signal, progress) => {
      const dir = await this.stage(signal);
      const keyName = key ?? this.signedKey;
      if (!existsSync(join(dir, SIGNATURE_FILE))) {
        return {
          verified: false,
          files: 0,
          problems: [{ code: 'NOT_SIGNED', message: 'The package is not signed yet.' }],
        } satisfies VerifyReport;
      }
      const pem = keyName ? await this.d.exportPublicKey(keyName) : undefined;
      return this.d.verify(dir, pem, progress, signal);
    });
  }

  private async attachSbom(handle: unknown): Promise<SbomReport> {
    const held = this.files.file(handle);
    const dir = await this.stage();
    const report = await this.d.attachSbom(dir, held.path);
    if (report.attached) {
      this.manifest = this.withDigests(await this.d.readManifest(dir));
      // The engineer's own SBOM: it describes what they say it does, not the manifest.
      this.sbomGeneratedFrom = undefined;
    }
    return { ...report, resignNeeded: report.attached && this.signedFingerprint !== undefined };
  }

  private startGenerateSbom(): JobId {
    this.requireManifest();
    return this.jobs.start('sbom-generate', async (signal) => {
      const dir = await this.stage(signal);
      const report = await this.d.generateSbom(dir, signal);
      if (report.attached) {
        this.manifest = this.withDigests(await this.d.readManifest(dir));
        this.sbomGeneratedFrom = sbomBasis(this.manifest);
      }
      return { ...report, resignNeeded: report.attached && this.signedFingerprint !== undefined };
    });
  }

  /**
   * The gate before a package leaves the session (saved or downloaded): never as if it were valid.
   * An invalid manifest or a stale generated SBOM is refused; a signature from before the last
   * change is refused too, unless `withoutSignature` leaves it out (said in the notes).
   */
  private async readyToSave(withoutSignature: boolean): Promise<{ dir: string; notes: string[] }> {
    // Staging waits for the digest, so the check below sees the artifact's real sha256.
    const dir = await this.stage();
    const state = await this.manifestState();
    const errors = state.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      throw new UsageError(
        'MANIFEST_INVALID',
        `The manifest has ${errors.length} error${errors.length === 1 ? '' : 's'}, so it cannot be saved as a package`,
        { hint: 'Fix the problems listed in the Manifest step; your draft stays here meanwhile.' },
      );
    }
    if (state.sbomStale) {
      throw new UsageError('SBOM_STALE', 'The SBOM was generated from an older manifest', {
        hint: 'Generate it again (or attach another SBOM) in the SBOM step, then sign again.',
      });
    }
    const notes: string[] = [];
    const hasSignature = existsSync(join(dir, SIGNATURE_FILE));
    if (hasSignature && state.changedSinceSigning && !withoutSignature) {
      throw new UsageError(
        'SIGNATURE_STALE',
        'The package changed after it was signed: model.sig no longer matches it',
        {
          hint: 'Sign again in the Sign step, or save it without the signature.',
        },
      );
    }
    if (withoutSignature && hasSignature)
      notes.push(
        state.changedSinceSigning
          ? 'Saved without model.sig: the package changed after it was signed. Sign it before shipping.'
          : 'Saved without model.sig, as asked. Sign it before shipping.',
      );
    else if (!hasSignature) notes.push('Saved unsigned: sign it before shipping.');
    return { dir, notes };
  }

  private async listFolders(under: unknown): Promise<FolderListing> {
    return listFolders(this.files, this.saveRoot, under);
  }

  private async savePackage(into: unknown, name: string, withoutSignature: boolean): Promise<PackageSummary> {
    const dest = this.files.destination(into);
    const m = this.requireManifest();
    const { dir, notes } = await this.readyToSave(withoutSignature);
    const target = await saveTarget(dest, name, this.saveRoot);
    // An empty folder of that name is replaced; anything else was refused by saveTarget.
    await buildDirAtomic(
      target,
      async (tmp) => {
        await cp(dir, tmp, {
          recursive: true,
          errorOnExist: true,
          force: false,
          filter: (src) => !(withoutSignature && src === join(dir, SIGNATURE_FILE)),
        });
      },
      { force: existsSync(target) },
    );
    const summary = await this.summarize(target, m);
    return { ...summary, savedTo: [...(dest.trail ?? [dest.name]), name].join('/'), notes };
  }

  private async summarize(dir: string, m: Manifest, verify?: VerifyReport): Promise<PackageSummary> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files: PackageSummary['files'] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const rel = join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/');
      const size = (await stat(join(dir, rel))).size;
      const role =
        rel === MANIFEST_FILE
          ? 'manifest'
          : rel === SIGNATURE_FILE
            ? 'signature'
            : rel === m.sbom?.file
              ? 'sbom'
              : (m.artifact.files.find((f) => f.path === rel)?.role ?? 'other');
      files.push({ path: rel, size, role });
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const signed = files.some((f) => f.path === SIGNATURE_FILE);
    return {
      name: m.name,
      version: m.version,
      files,
      signed,
      ...(verify ? { verify } : {}),
      ...(m.sbom ? { sbom: { file: m.sbom.file, format: m.sbom.format, specVersion: m.sbom.specVersion } } : {}),
    };
  }

  // ------------------------------------------------------------ review

  private async openPackage(folder: unknown, publicKey: string | undefined): Promise<ReviewState> {
    const held = this.files.folder(folder);
    const manifest = await this.d.readManifest(held.path);
    const problems = await this.d.validate(manifest, { dir: held.path });
    let verify: VerifyReport;
    if (!existsSync(join(held.path, SIGNATURE_FILE))) {
      verify = {
        verified: false,
        files: 0,
        problems: [{ code: 'NOT_SIGNED', message: 'This package has no signature (model.sig).' }],
      };
    } else {
      const pem = publicKey ?? (await this.findPublicKey(held.path));
      const ctl = new AbortController();
      verify = await this.d.verify(held.path, pem, () => {}, ctl.signal);
    }
    const sbom = manifest.sbom
      ? await this.d.validateSbom(join(held.path, manifest.sbom.file)).catch(() => undefined)
      : undefined;
    this.review = { dir: held.path, manifest };
    return {
      pkg: { handle: held.handle, name: held.name, files: 0 },
      manifest,
      problems,
      summary: await this.summarize(held.path, manifest, verify),
      ...(sbom ? { sbom } : {}),
    };
  }

  /** A local keychain key whose id the package names, if any (reviewers may pass a PEM instead). */
  private async findPublicKey(dir: string): Promise<string | undefined> {
    const keyId = await this.d.signatureKeyId(dir);
    if (!keyId) return undefined;
    try {
      return (await this.d.listKeys()).find((k) => k.keyId === keyId)?.publicKeyPem;
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------ guards

  private requireModel(): CurrentModel {
    if (!this.model) throw badRequest('No model is open', 'Drop a model file or choose Open… first.');
    return this.model;
  }

  private requireManifest(): Manifest {
    if (!this.manifest) throw badRequest('No model is open', 'Drop a model file or choose Open… first.');
    return this.manifest;
  }
}

/** The file's arrival from the browser, while bytes are still missing (reads must wait for them). */
function stillArriving(held: Held): ArrivingFile | undefined {
  return held.arriving && !held.arriving.complete ? held.arriving : undefined;
}

/** Reports the browser upload as the first phase of the digest job, until every byte is here. */
async function waitForArrival(
  a: ArrivingFile,
  progress: (done: number, total: number, phase?: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const tick = setInterval(() => progress(a.received, a.size, 'receiving'), 100);
  try {
    await Promise.race([
      a.done,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(new UsageError('CANCELLED', 'Cancelled')), { once: true }),
      ),
    ]);
  } finally {
    clearInterval(tick);
  }
}

/** A manifest as plain JSON data (no undefined members): compared by value, whatever the key order. */
interface Fingerprint {
  readonly json: unknown;
}

function fingerprint(m: Manifest): Fingerprint {
  return { json: JSON.parse(JSON.stringify(m)) };
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return isDeepStrictEqual(a.json, b.json);
}

/** What a generated SBOM describes: the manifest without its own reference to the SBOM. */
function sbomBasis(m: Manifest): Fingerprint {
  const { sbom: _sbom, ...rest } = m;
  return fingerprint(rest);
}

function envBytes(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function requireName(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v)) {
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

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, fsc.COPYFILE_FICLONE);
  }
}
