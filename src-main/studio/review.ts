/**
 * Review mode: a package folder opened as it is (manifest validated against its files, signature
 * verified, SBOM checked), and the manifest diff of another package against it or the draft.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNATURE_FILE } from '../manifest/index.js';
import type { DiffReport, Manifest, ReviewState, VerifyReport } from './contract.js';
import type { Domain } from './domain.js';
import type { FileTable } from './files.js';
import { summarize } from './summary.js';

export interface ReviewContext {
  d: Domain;
  files: FileTable;
}

export class PackageReview {
  private reviewed: Manifest | undefined;

  constructor(private readonly ctx: ReviewContext) {}

  private get d(): Domain {
    return this.ctx.d;
  }

  /** The manifest of the package under review, if one is open. */
  get manifest(): Manifest | undefined {
    return this.reviewed;
  }

  async open(folder: unknown, publicKey: string | undefined): Promise<ReviewState> {
    const held = this.ctx.files.folder(folder);
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
    this.reviewed = manifest;
    return {
      pkg: { handle: held.handle, name: held.name, files: 0 },
      manifest,
      problems,
      summary: await summarize(held.path, manifest, verify),
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

  /** Another package folder's manifest against the reviewed package (or, without one, the draft). */
  async diff(against: unknown, draft: () => Manifest): Promise<DiffReport> {
    const other = this.ctx.files.folder(against);
    const before = await this.d.readManifest(other.path);
    const after = this.reviewed ?? draft();
    return {
      left: { name: before.name, version: before.version },
      right: { name: after.name, version: after.version },
      ...this.d.diff(before, after),
      leftManifest: before,
      rightManifest: after,
    };
  }
}
