import { lstat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { isFleetpackError } from '../errors.js';
import { inspect, type ModelInfo } from '../formats/index.js';
import { digestFile, listPackageFiles, RESERVED_FILES } from '../package/index.js';
import { compareWithModel } from './compare.js';
import { Findings, type ValidationReport } from './findings.js';
import { schemaFindings } from './schema-errors.js';
import { semanticFindings } from './semantics.js';
import type { Manifest } from './types.js';
import { isObj } from './guards.js';

export interface ValidateOptions {
  /** The package folder: check the artifact files (exist, size, sha256) and read the model header. */
  dir?: string;
  /** Warn about files in `dir` the manifest does not list (default true; off for a loose manifest file). */
  checkUnlisted?: boolean;
  /** Check sizes only, not SHA-256 (for a caller that has just hashed the files itself). */
  skipDigests?: boolean;
  /** The model's header, if the caller already has it (skips inspecting the file). */
  model?: ModelInfo;
  signal?: AbortSignal;
}

/** Schema and semantic checks on the document alone (no disk). Every problem at once. */
export function validateDocument(doc: unknown): ValidationReport {
  const f = new Findings();
  f.add(schemaFindings(doc));
  f.add(semanticFindings(doc));
  return f.report();
}

export interface ArtifactCheckOptions {
  signal?: AbortSignal;
  checkUnlisted?: boolean;
  skipDigests?: boolean;
}

/** Checks the files listed in the manifest against the package folder: present, regular, size, SHA-256. */
export async function checkArtifactFiles(
  manifest: Manifest,
  dir: string,
  options: ArtifactCheckOptions = {},
): Promise<Findings> {
  const { signal, checkUnlisted = true, skipDigests = false } = options;
  const f = new Findings();
  const root = resolve(dir);
  const files =
    isObj(manifest.artifact) && Array.isArray(manifest.artifact.files) ? manifest.artifact.files.filter(isObj) : [];
  const listed = new Set<string>();
  for (const [i, file] of files.entries()) {
    if (typeof file.path !== 'string') continue;
    const at = `/artifact/files/${i}`;
    const abs = resolve(root, file.path);
    if (abs !== root && !abs.startsWith(root + sep)) continue; // the schema reports unsafe paths
    listed.add(file.path);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) {
      f.error(
        'ARTIFACT_MISSING',
        `${at}/path`,
        `${file.path} is listed but not in the package folder`,
        `Copy it into ${root}, or remove it from artifact.files.`,
      );
      continue;
    }
    if (st.isSymbolicLink() || !st.isFile()) {
      f.error(
        'ARTIFACT_NOT_FILE',
        `${at}/path`,
        `${file.path} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`,
        'Put the real file in the package: links are not signed or shipped.',
      );
      continue;
    }
    if (typeof file.size === 'number' && st.size !== file.size) {
      f.error(
        'ARTIFACT_SIZE_MISMATCH',
        `${at}/size`,
        `${file.path} is ${st.size} bytes but the manifest says ${file.size}`,
        'The file changed after the manifest was written: re-run `fleetpack init`, or restore the file.',
      );
      continue;
    }
    if (typeof file.sha256 === 'string' && !skipDigests) {
      const { sha256 } = await digestFile(abs, signal);
      if (sha256 !== file.sha256) {
        f.error(
          'ARTIFACT_DIGEST_MISMATCH',
          `${at}/sha256`,
          `${file.path} has SHA-256 ${sha256}, the manifest says ${file.sha256}`,
          'The file is not the one the manifest describes: restore it, or re-create the manifest.',
        );
      }
    }
  }
  const sbom = isObj(manifest.sbom) ? manifest.sbom : undefined;
  if (sbom && typeof sbom.file === 'string') {
    listed.add(sbom.file);
    const abs = resolve(root, sbom.file);
    const st = abs.startsWith(root + sep) ? await lstat(abs).catch(() => undefined) : undefined;
    if (!st?.isFile())
      f.error(
        'SBOM_MISSING',
        '/sbom/file',
        `SBOM ${sbom.file} is not in the package folder`,
        'Attach it again with `fleetpack sbom attach`.',
      );
    else if (typeof sbom.sha256 === 'string' && (await digestFile(abs, signal)).sha256 !== sbom.sha256) {
      f.error(
        'SBOM_DIGEST_MISMATCH',
        '/sbom/sha256',
        `SBOM ${sbom.file} does not match its recorded digest`,
        'The SBOM changed after it was attached: attach it again.',
      );
    }
  }
  const present = checkUnlisted
    ? await listPackageFiles(root, { skipOther: true, ...(signal ? { signal } : {}) }).catch(() => [])
    : [];
  for (const p of present) {
    if (listed.has(p) || RESERVED_FILES.includes(p) || p.split('/').some((s) => s.startsWith('.'))) continue;
    f.warn(
      'UNLISTED_FILE',
      '/artifact/files',
      `${p} is in the package folder but not in the manifest`,
      'List it in artifact.files (role "companion"), or remove it: the signature covers every file.',
    );
  }
  return f;
}

/** Reads the model named by artifact.file (with its companion as I/O source for TensorRT). */
async function inspectArtifact(
  manifest: Manifest,
  dir: string,
  f: Findings,
  signal?: AbortSignal,
): Promise<ModelInfo | undefined> {
  const art = isObj(manifest.artifact) ? manifest.artifact : undefined;
  if (!art || typeof art.file !== 'string') return undefined;
  const root = resolve(dir);
  const path = resolve(root, art.file);
  if (!path.startsWith(root + sep)) return undefined;
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile()) return undefined; // reported by the file checks
  // Only a TensorRT engine takes its I/O from a companion (the source ONNX or a Triton config).
  const isTrt = isObj(manifest.framework) && manifest.framework.format === 'tensorrt';
  const companion =
    isTrt && Array.isArray(art.files)
      ? art.files.find(
          (x) => isObj(x) && x.role === 'companion' && typeof x.path === 'string' && /\.(onnx|pbtxt)$/i.test(x.path),
        )
      : undefined;
  try {
    return await inspect(path, {
      ...(companion ? { ioFrom: resolve(root, companion.path) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (!isFleetpackError(e) || e.code === 'CANCELLED') throw e;
    f.error(
      'MODEL_UNREADABLE',
      '/artifact/file',
      `The model ${art.file} cannot be read: ${e.message}`,
      e.hint ?? 'Check that the artifact is a supported model file.',
    );
    return undefined;
  }
}

/**
 * Validates a manifest: the schema (unknown fields warned), the rules beyond it (semver, channel,
 * license, metrics, preprocessing vs shape …), and with `dir` the artifact on disk (files, sizes,
 * digests) and the model header (inputs/outputs, opsets, runtime versions). Every problem at once.
 */
export async function validate(doc: unknown, options: ValidateOptions = {}): Promise<ValidationReport> {
  const f = new Findings();
  f.add(validateDocument(doc));
  if (!isObj(doc)) return f.report();
  const manifest = doc as unknown as Manifest;
  let info = options.model;
  if (options.dir) {
    f.add(await checkArtifactFiles(manifest, options.dir, options));
    info ??= await inspectArtifact(manifest, options.dir, f, options.signal);
  }
  if (info) f.add(compareWithModel(manifest, info));
  return f.report();
}
