/**
 * Attach: validate an SBOM, copy it into the package under its well-known name and record
 * {file, format, specVersion, sha256} in the manifest. An invalid SBOM is refused before anything
 * is written. The copy and the manifest are each written atomically (temp file + rename); if the
 * manifest write fails, the previous SBOM file is put back, so the package is either as it was
 * or fully updated. The signature (model.sig) covers the SBOM, so an existing one goes stale.
 */
import { createHash } from 'node:crypto';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { modelFileEntry, type SbomRef, loadManifest, SBOM_FILES, writeManifest } from '../manifest/index.js';
import { packagePaths } from '../package/index.js';
import { sbomView } from './components.js';
import { readSbomWithBytes } from './detect.js';
import type { ParsedSbom, SbomKind, SbomValidation } from './types.js';
import { validateParsed } from './validate.js';
import { writeFileAtomic } from '../atomic-file.js';
import { cliWords, nextStep, type NextStep } from '../next-steps.js';

/** A warning about an attached SBOM: what is so, and the step that deals with it. */
export interface AttachNote {
  message: string;
  next: NextStep;
}

export interface AttachResult {
  attached: boolean;
  /** What was recorded in the manifest (when attached). */
  sbom?: SbomRef;
  /** Absolute path of the stored copy (when attached). */
  path?: string;
  validation: SbomValidation;
  /** E.g. "the package must be signed again", "the SBOM does not name the model's digest" (the CLI's words). */
  warnings: string[];
  /** The same warnings with their step named, for a surface that words it its own way. */
  notes: AttachNote[];
}

/** The package file name an SBOM of this kind is stored under. */
export function sbomFileName(kind: SbomKind): string {
  if (kind.format === 'cyclonedx') return kind.encoding === 'xml' ? SBOM_FILES.cyclonedxXml : SBOM_FILES.cyclonedxJson;
  if (kind.encoding === 'json-ld') return SBOM_FILES.spdx3Json;
  return kind.encoding === 'tag-value' ? SBOM_FILES.spdxTagValue : SBOM_FILES.spdxJson;
}

/** Whether any component of the SBOM carries the model's SHA-256 (the SBOM is bound to this artifact). */
export function namesDigest(p: ParsedSbom, sha256: string): boolean {
  const want = sha256.toLowerCase();
  return sbomView(p).components.some((c) => c.hashes.some((h) => h.alg === 'sha256' && h.value === want));
}

export async function attachSbom(
  dir: string,
  sbomFile: string,
  opts: { signal?: AbortSignal } = {},
): Promise<AttachResult> {
  const loaded = await loadManifest(dir); // fails early (typed) when DIR is not a package
  // the stored copy is exactly the bytes that were validated
  const { parsed, bytes } = await readSbomWithBytes(sbomFile, opts.signal ? { signal: opts.signal } : {});
  const validation = validateParsed(parsed);
  if (!validation.valid) return { attached: false, validation, warnings: [], notes: [] };

  const paths = packagePaths(loaded.dir);
  const name = sbomFileName(parsed);
  const target = join(paths.dir, name);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const ref: SbomRef = { file: name, format: parsed.format, specVersion: parsed.specVersion, sha256 };

  const notes: AttachNote[] = [];
  const modelSha = modelFileEntry(loaded.manifest)?.sha256;
  if (typeof modelSha === 'string' && !namesDigest(parsed, modelSha)) {
    notes.push({
      message: `The SBOM does not name the model's SHA-256 (${modelSha.slice(0, 12)}…) in any component hash, so it will not count toward SBOM coverage`,
      next: nextStep('GENERATE_SBOM'),
    });
  }
  if (await exists(paths.signature)) {
    notes.push({
      message: `${basename(paths.signature)} signs the previous contents; the signature covers the SBOM and manifest`,
      next: nextStep('SIGN_AGAIN'),
    });
  }
  const warnings = notes.map((n) => noteText(n, cliWords));

  throwIfAborted(opts.signal); // last point where cancelling leaves nothing half-done
  // keep the previous file at `target` until the manifest is written
  const backup = `${target}.${process.pid}.bak`;
  const hadTarget = await exists(target);
  if (hadTarget) await rename(target, backup);
  try {
    await writeFileAtomic(target, bytes);
    await writeManifest(loaded.dir, { ...loaded.manifest, sbom: ref });
  } catch (e) {
    await unlink(target).catch(() => undefined);
    if (hadTarget) await rename(backup, target).catch(() => undefined);
    throw e;
  }
  if (hadTarget) await unlink(backup).catch(() => undefined);
  // an SBOM recorded earlier under another name (other format) is no longer described by the manifest
  const previous = loaded.manifest.sbom?.file;
  if (previous && previous !== name && (Object.values(SBOM_FILES) as string[]).includes(previous)) {
    await unlink(join(paths.dir, previous)).catch(() => undefined);
  }
  return { attached: true, sbom: ref, path: target, validation, warnings, notes };
}

/** A note as one sentence, its step worded by `words` (the CLI's or the Studio's). */
export function noteText(n: AttachNote, words: (s: NextStep) => string): string {
  return `${n.message}: ${words(n.next)}.`;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
