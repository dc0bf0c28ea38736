/**
 * The session's open model and its draft manifest: opening (a quick read of a file still arriving,
 * the full read after it), re-inspecting with a companion, the digest job, the engineer's edits,
 * and what was done with this manifest since (signed, SBOM generated from it).
 */
import { isDeepStrictEqual } from 'node:util';
import { CancelledError } from '../errors.js';
import type { ArtifactSource } from '../manifest/index.js';
import type {
  FileRef,
  JobId,
  Manifest,
  ManifestState,
  MetricsImport,
  ModelInfo,
  ModelView,
  OpenModelResult,
} from './contract.js';
import type { Domain } from './domain.js';
import { badRequest } from './errors.js';
import type { FileTable, Held } from './files.js';
import type { JobRunner } from './jobs.js';
import type { ArrivingFile } from './arriving.js';
import { modelFacts, withConfirmedFacts, type ModelFacts } from './confirmed-read.js';

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

export interface ModelContext {
  d: Domain;
  jobs: JobRunner;
  files: FileTable;
  /** Drops the staged package folder (it no longer matches the model). */
  dropStage: () => Promise<void>;
}

export class ModelDraft {
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
  private artifactSources: ArtifactSource[] = [];
  private digests = new Map<string, { sha256: string; size: number }>();
  /** The manifest as it was when the package was signed; a different one means "sign again". */
  private signedFingerprint: Fingerprint | undefined;
  private signedWith: string | undefined;
  /** The manifest a generated SBOM was made from (sbomBasis); another one now means the SBOM is stale. */
  private sbomGeneratedFrom: Fingerprint | undefined;

  constructor(private readonly ctx: ModelContext) {}

  private get d(): Domain {
    return this.ctx.d;
  }

  private get jobs(): JobRunner {
    return this.ctx.jobs;
  }

  /** The files that make up the artifact, with their place in the package. */
  get sources(): readonly ArtifactSource[] {
    return this.artifactSources;
  }

  /** The key the package was last signed with in this session, if any. */
  get signedKey(): string | undefined {
    return this.signedWith;
  }

  /** True once the package was signed in this session (a change since then needs a new signature). */
  get signed(): boolean {
    return this.signedFingerprint !== undefined;
  }

  async open(handle: unknown): Promise<OpenModelResult> {
    const held = this.ctx.files.file(handle);
    // A file still arriving is read quickly (header and end, not the weights), fully afterwards.
    const arriving = stillArriving(held);
    const info = await this.d.inspect(held.path, arriving ? { arriving, quick: true } : {});
    if (this.digestJob) this.jobs.cancel(this.digestJob);
    if (this.inspectJob) this.jobs.cancel(this.inspectJob);
    await this.ctx.dropStage();
    const replaced = this.model;
    this.model = { held, ref: { handle: held.handle, name: held.name, size: held.size }, info };
    // The replaced model's upload is dropped (a file chosen in place is never touched).
    if (replaced) {
      if (replaced.held.handle !== held.handle) await this.ctx.files.release(replaced.held.handle);
      if (replaced.companion) await this.ctx.files.release(replaced.companion.held.handle);
    }
    this.digests.clear();
    this.signedFingerprint = undefined;
    this.sbomGeneratedFrom = undefined;
    const draft = await this.d.prefill(info);
    this.manifest = draft.manifest;
    this.artifactSources = draft.sources;
    this.quickRead = undefined;
    this.inspectJob = info.partial && arriving ? this.startFullRead(arriving) : undefined;
    this.digestJob = this.startDigest();
    return {
      model: this.view(),
      manifest: await this.state(),
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
        if (this.model !== cur || this.quickRead !== quick) return { model: this.view(), changed: false };
        const draft = await this.d.prefill(info);
        cur.info = info;
        quick.confirmed = modelFacts(draft.manifest);
        const changed =
          !isDeepStrictEqual(quick.confirmed, quick.provisional) ||
          !isDeepStrictEqual(draft.sources, this.artifactSources);
        this.artifactSources = draft.sources;
        const m = this.requireManifest();
        this.manifest = this.withDigests(this.withModelFacts({ ...m, artifact: draft.manifest.artifact }));
        return { model: this.view(), changed };
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

  /** Reads the model again (with a companion file for a TensorRT engine's I/O), keeping the engineer's edits. */
  async reinspect(companion: unknown): Promise<OpenModelResult> {
    const cur = this.requireModel();
    const comp = companion !== undefined ? this.ctx.files.file(companion) : cur.companion?.held;
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
    this.artifactSources = draft.sources;
    this.manifest = { ...m, framework: p.framework, inputs: p.inputs, outputs: p.outputs, artifact: p.artifact };
    if (this.digestJob) this.jobs.cancel(this.digestJob);
    await this.ctx.dropStage();
    this.digestJob = this.startDigest();
    return { model: this.view(), manifest: await this.state(), digestJob: this.digestJob };
  }

  private view(): ModelView {
    const cur = this.requireModel();
    const { path: _path, ...info } = cur.info;
    const needsCompanion = info.format === 'tensorrt' && info.ioSource === 'unknown';
    // The companion prompt (with its file button) says what the reader's warning says: shown once.
    const shown = needsCompanion
      ? { ...info, warnings: info.warnings.filter((w) => w.code !== 'NO_IO_COMPANION') }
      : info;
    return {
      file: cur.ref,
      info: this.d.studioInfo(shown),
      formatLabel: this.d.formatLabel(info),
      runtimeNeeds: this.d.runtimeNeeds(info),
      operators: this.d.operatorList(info),
      needsCompanion,
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
      const sources = this.artifactSources;
      const files = await this.d.digest(sources, progress, signal);
      if (this.model !== cur || this.artifactSources !== sources) return { files: [] };
      for (const f of files) this.digests.set(f.path, { sha256: f.sha256, size: f.size });
      if (this.manifest) this.manifest = this.withDigests(this.manifest);
      return { files };
    });
  }

  /** Waits for the artifact's digest (started again if it did not finish), so the manifest has every sha256. */
  private async digested(): Promise<void> {
    this.requireModel();
    if (!this.digestJob) return;
    const st = await this.jobs.settled(this.digestJob);
    if (st?.state !== 'done') this.digestJob = this.startDigest();
    await this.jobs.settled(this.digestJob);
  }

  /** The draft as it will be packaged: after the artifact's digest, so every sha256 is filled in. */
  async packagedManifest(): Promise<Manifest> {
    await this.digested();
    return this.requireManifest();
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

  // ------------------------------------------------------------ the manifest

  /** The editor's draft. A draft may be invalid (that is what the live validation shows), so it is kept as sent. */
  async update(edited: unknown): Promise<ManifestState> {
    if (typeof edited !== 'object' || edited === null) throw badRequest('updateManifest needs a manifest object');
    const current = this.requireManifest();
    // The artifact (sizes, digests) and the SBOM reference are the session's facts, not the editor's.
    const { sbom: _ignored, ...rest } = edited as Partial<Manifest>;
    const draft = { ...rest, artifact: current.artifact, ...(current.sbom ? { sbom: current.sbom } : {}) };
    this.manifest = this.withModelFacts(this.d.refresh(draft as Manifest));
    return this.state();
  }

  /** The manifest as the package folder now has it (after an SBOM was attached there). */
  fromPackage(m: Manifest, sbom: 'generated' | 'attached'): Manifest {
    this.manifest = this.withDigests(m);
    // The engineer's own SBOM describes what they say it does, not the manifest.
    this.sbomGeneratedFrom = sbom === 'generated' ? sbomBasis(this.manifest) : undefined;
    return this.manifest;
  }

  /** Records that the package was signed now, with this manifest. */
  markSigned(key: string): void {
    this.signedFingerprint = fingerprint(this.requireManifest());
    this.signedWith = key;
  }

  /** Metrics merged into the draft; a model card's license too, when the draft has none yet. */
  async importMetrics(path: string): Promise<MetricsImport> {
    const r = await this.d.importMetrics(path, this.requireManifest());
    const m = this.requireManifest();
    this.manifest = this.d.refresh({ ...m, ...r.license, metrics: this.d.mergeMetrics(m.metrics, r.metrics) });
    return { metrics: r.metrics, warnings: r.warnings, manifest: await this.state() };
  }

  async state(): Promise<ManifestState> {
    const manifest = this.requireManifest();
    const hashing = this.digestJob !== undefined && this.jobs.status(this.digestJob)?.state === 'running';
    // While the digest runs, the empty sha256 fields are "being computed", not a problem.
    const problems = await this.d.validate(manifest, { digestsPending: hashing });
    return {
      manifest,
      problems,
      valid: !problems.some((p) => p.severity === 'error'),
      complete: this.d.complete(problems),
      changedSinceSigning:
        this.signedFingerprint !== undefined && !sameFingerprint(this.signedFingerprint, fingerprint(manifest)),
      sbomStale:
        manifest.sbom !== undefined &&
        this.sbomGeneratedFrom !== undefined &&
        !sameFingerprint(this.sbomGeneratedFrom, sbomBasis(manifest)),
      imageInputs: this.d.imageInputs(manifest),
    };
  }

  requireModel(): CurrentModel {
    if (!this.model) throw badRequest('No model is open', 'Drop a model file or choose Open… first.');
    return this.model;
  }

  requireManifest(): Manifest {
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
        signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }),
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
