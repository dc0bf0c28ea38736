/**
 * A package folder checked against its manifest: the document's checks (manifest/), the files on
 * disk (present, regular, size, SHA-256 with the one parallel hasher, unlisted files) and the
 * model header compared with what the manifest says.
 */
import { lstat } from 'node:fs/promises';
import { nextStep, type NextStep } from '../next-steps.js';
import { resolve, sep } from 'node:path';
import { CancelledError, isFleetpackError } from '../errors.js';
import { inspect, type ModelInfo } from '../formats/index.js';
import {
  compareWithModel,
  Findings,
  hinted,
  isObj,
  RESERVED_FILES,
  validateDocument,
  type Finding,
  type Manifest,
  type ValidationReport,
} from '../manifest/index.js';
import { listPackageFiles } from './folder.js';
import { hashFiles } from './hash.js';

export interface ArtifactCheckOptions {
  signal?: AbortSignal;
  /** Warn about files in the folder the manifest does not list (default true; off for a loose manifest file). */
  checkUnlisted?: boolean;
  /** Check sizes only, not SHA-256 (for a caller that has just hashed the files itself). */
  skipDigests?: boolean;
}

export interface ValidatePackageOptions extends ArtifactCheckOptions {
  /** The package folder: check the artifact files (exist, size, sha256) and read the model header. */
  dir?: string;
  /** The model's header, if the caller already has it (skips inspecting the file). */
  model?: ModelInfo;
  /**
   * The artifact files are still being hashed (the Studio's digest job): what is said about their
   * `sha256` now (empty, so not a digest) is "being computed", not a problem, and is left out.
   */
  digestsPending?: boolean;
}

/** Where the artifact files' digests are in a manifest. */
const ARTIFACT_DIGEST = /^\/artifact\/files\/\d+\/sha256$/;

/** A file whose digest is to be compared, and what to report when it differs. */
interface DigestCheck {
  abs: string;
  expected: string;
  mismatch: (actual: string) => Finding;
}

/** Checks the files listed in the manifest against the package folder: present, regular, size, SHA-256. */
export async function checkArtifactFiles(
  manifest: Manifest,
  dir: string,
  options: ArtifactCheckOptions = {},
): Promise<Findings> {
  const { signal, checkUnlisted = true, skipDigests = false } = options;
  const root = resolve(dir);
  const files =
    isObj(manifest.artifact) && Array.isArray(manifest.artifact.files) ? manifest.artifact.files.filter(isObj) : [];
  const listed = new Set<string>();
  // Findings in manifest order; a digest's place is kept while all digests are computed at once.
  const slots: (Finding | DigestCheck)[] = [];
  const error = (code: string, pointer: string, message: string, hint: string | NextStep): Finding => ({
    code,
    pointer,
    message,
    ...hinted(hint),
  });
  for (const [i, file] of files.entries()) {
    if (typeof file.path !== 'string') continue;
    const path = file.path;
    const at = `/artifact/files/${i}`;
    const abs = resolve(root, path);
    if (abs !== root && !abs.startsWith(root + sep)) continue; // the schema reports unsafe paths
    listed.add(path);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) {
      slots.push(
        error(
          'ARTIFACT_MISSING',
          `${at}/path`,
          `${path} is listed but not in the package folder`,
          `Copy it into ${root}, or remove it from artifact.files.`,
        ),
      );
    } else if (st.isSymbolicLink() || !st.isFile()) {
      slots.push(
        error(
          'ARTIFACT_NOT_FILE',
          `${at}/path`,
          `${path} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`,
          'Put the real file in the package: links are not signed or shipped.',
        ),
      );
    } else if (typeof file.size === 'number' && st.size !== file.size) {
      slots.push(
        error(
          'ARTIFACT_SIZE_MISMATCH',
          `${at}/size`,
          `${path} is ${st.size} bytes but the manifest says ${file.size}`,
          nextStep('REMAKE_MANIFEST'),
        ),
      );
    } else if (typeof file.sha256 === 'string' && !skipDigests) {
      const expected = file.sha256;
      slots.push({
        abs,
        expected,
        mismatch: (actual) =>
          error(
            'ARTIFACT_DIGEST_MISMATCH',
            `${at}/sha256`,
            `${path} has SHA-256 ${actual}, the manifest says ${expected}`,
            'The file is not the one the manifest describes: restore it, or re-create the manifest.',
          ),
      });
    }
  }
  const sbom = isObj(manifest.sbom) ? manifest.sbom : undefined;
  if (sbom && typeof sbom.file === 'string') {
    const sbomFile = sbom.file;
    listed.add(sbomFile);
    const abs = resolve(root, sbomFile);
    const st = abs.startsWith(root + sep) ? await lstat(abs).catch(() => undefined) : undefined;
    if (!st?.isFile())
      slots.push(
        error(
          'SBOM_MISSING',
          '/sbom/file',
          `SBOM ${sbomFile} is not in the package folder`,
          nextStep('ATTACH_SBOM_AGAIN'),
        ),
      );
    else if (typeof sbom.sha256 === 'string')
      slots.push({
        abs,
        expected: sbom.sha256,
        mismatch: () =>
          error(
            'SBOM_DIGEST_MISMATCH',
            '/sbom/sha256',
            `SBOM ${sbomFile} does not match its recorded digest`,
            'The SBOM changed after it was attached: attach it again.',
          ),
      });
  }
  const checks = slots.filter((s): s is DigestCheck => 'abs' in s);
  const digests = await hashFiles(
    checks.map((c) => ({ name: c.abs, path: c.abs, size: 0 })),
    { signal },
  );
  const actual = new Map(checks.map((c, i) => [c, digests[i]!.digest]));
  const f = new Findings();
  for (const s of slots) {
    if (!('abs' in s)) f.errors.push(s);
    else if (actual.get(s) !== s.expected) f.errors.push(s.mismatch(actual.get(s)!));
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
    if (!isFleetpackError(e) || e instanceof CancelledError) throw e;
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
export async function validatePackage(doc: unknown, options: ValidatePackageOptions = {}): Promise<ValidationReport> {
  const f = new Findings();
  const document = validateDocument(doc);
  const pending = (x: Finding) => options.digestsPending === true && ARTIFACT_DIGEST.test(x.pointer);
  f.add({ errors: document.errors.filter((x) => !pending(x)), warnings: document.warnings.filter((x) => !pending(x)) });
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
