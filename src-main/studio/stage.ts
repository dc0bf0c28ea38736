/**
 * The session's staged package folder (the model hard-linked when possible, fleetpack.json, the
 * SBOM, model.sig) and what is done to it: sign, verify, attach or generate an SBOM, and the
 * gate before it leaves the session (saved into a destination folder).
 */
import { cp, link, mkdir, rm, copyFile, constants as fsc } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNATURE_FILE } from '../manifest/index.js';
import { buildDirAtomic } from '../package/index.js';
import { throwIfAborted, UsageError } from '../errors.js';
import type { FolderListing, JobId, PackageSummary, SbomReport, VerifyReport } from './contract.js';
import type { Domain } from './domain.js';
import { listFolders, saveTarget } from './destinations.js';
import type { FileTable } from './files.js';
import type { JobRunner } from './jobs.js';
import type { ModelDraft } from './model.js';
import { summarize } from './summary.js';

export interface StageContext {
  d: Domain;
  jobs: JobRunner;
  files: FileTable;
  workDir: string;
  /** The folder the browser host's save picker starts in and never leaves. */
  saveRoot: string | undefined;
}

export class PackageStage {
  constructor(
    private readonly ctx: StageContext,
    private readonly draft: ModelDraft,
  ) {}

  private get d(): Domain {
    return this.ctx.d;
  }

  /** The staged package folder. */
  get dir(): string {
    return join(this.ctx.workDir, 'package');
  }

  /** Drops the staged folder (the model changed). */
  async drop(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Brings the staged folder up to date with the draft (after its digest) and returns it. */
  async stage(signal?: AbortSignal): Promise<string> {
    const m = await this.draft.packagedManifest();
    throwIfAborted(signal);
    const dir = this.dir;
    await mkdir(dir, { recursive: true });
    for (const src of this.draft.sources) {
      const target = join(dir, ...src.path.split('/'));
      if (existsSync(target)) continue;
      await mkdir(join(target, '..'), { recursive: true });
      await linkOrCopy(src.source, target);
    }
    await this.d.writeManifest(dir, m);
    return dir;
  }

  startSign(key: string): JobId {
    this.draft.requireManifest();
    return this.ctx.jobs.start('sign', async (signal, progress) => {
      const dir = await this.stage(signal);
      await rm(join(dir, SIGNATURE_FILE), { force: true });
      const result = await this.d.sign(dir, key, progress, signal);
      this.draft.markSigned(key);
      return result;
    });
  }

  startVerify(key: string | undefined): JobId {
    this.draft.requireManifest();
    return this.ctx.jobs.start('verify', async (signal, progress) => {
      const dir = await this.stage(signal);
      const keyName = key ?? this.draft.signedKey;
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

  async attachSbom(handle: unknown): Promise<SbomReport> {
    const held = this.ctx.files.file(handle);
    const dir = await this.stage();
    const report = await this.d.attachSbom(dir, held.path);
    if (report.attached) this.draft.fromPackage(await this.d.readManifest(dir), 'attached');
    return { ...report, resignNeeded: report.attached && this.draft.signed };
  }

  startGenerateSbom(): JobId {
    this.draft.requireManifest();
    return this.ctx.jobs.start('sbom-generate', async (signal) => {
      const dir = await this.stage(signal);
      const report = await this.d.generateSbom(dir, signal);
      if (report.attached) this.draft.fromPackage(await this.d.readManifest(dir), 'generated');
      return { ...report, resignNeeded: report.attached && this.draft.signed };
    });
  }

  /**
   * The gate before a package leaves the session (saved or downloaded): never as if it were valid.
   * An invalid manifest or a stale generated SBOM is refused; a signature from before the last
   * change is refused too, unless `withoutSignature` leaves it out (said in the notes).
   */
  async readyToSave(withoutSignature: boolean, done = 'Saved'): Promise<{ dir: string; notes: string[] }> {
    // Staging waits for the digest, so the check below sees the artifact's real sha256.
    const dir = await this.stage();
    const state = await this.draft.state();
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
          hint: 'Sign again in the Sign step, or leave the signature out (Save or Download without the signature).',
        },
      );
    }
    if (withoutSignature && hasSignature)
      notes.push(
        state.changedSinceSigning
          ? `${done} without model.sig: the package changed after it was signed. Sign it before shipping.`
          : `${done} without model.sig, as asked. Sign it before shipping.`,
      );
    else if (!hasSignature) notes.push(`${done} unsigned: sign it before shipping.`);
    return { dir, notes };
  }

  async listFolders(under: unknown): Promise<FolderListing> {
    return listFolders(this.ctx.files, this.ctx.saveRoot, under);
  }

  /** Saves the package into a destination folder (a handle) under `name`, atomically. */
  async save(into: unknown, name: string, withoutSignature: boolean): Promise<PackageSummary> {
    const dest = this.ctx.files.destination(into);
    const m = this.draft.requireManifest();
    const { dir, notes } = await this.readyToSave(withoutSignature);
    const target = await saveTarget(dest, name, this.ctx.saveRoot);
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
    const summary = await summarize(target, m);
    return { ...summary, savedTo: [...(dest.trail ?? [dest.name]), name].join('/'), notes };
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to, fsc.COPYFILE_FICLONE);
  }
}
