/**
 * A draft manifest for a model file where it lies: the artifact's files (model, external data,
 * companions) measured and, unless told not to, hashed with the one parallel hasher.
 */
import { lstat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { ManifestError } from '../errors.js';
import type { ModelInfo } from '../formats/index.js';
import {
  artifactSources,
  draftManifest,
  type ArtifactFile,
  type ArtifactSource,
  type Manifest,
  type ManifestFields,
} from '../manifest/index.js';
import { hashFiles } from './hash.js';

export interface PrefillOptions extends ManifestFields {
  /** Package folder the artifact paths are relative to; default: the model's folder. */
  dir?: string;
  /** Already hashed artifact files (skips hashing). */
  files?: ArtifactFile[];
  /** Companion files that belong to the artifact (e.g. the ONNX a TensorRT engine's I/O came from). */
  companions?: string[];
  /**
   * Hash the files (default true). With false, sizes only and `sha256` empty: for a caller that
   * hashes later (the Studio runs the digest as a job with progress).
   */
  hash?: boolean;
  signal?: AbortSignal;
}

/** The error for an artifact source file that is not there. */
export function missingSource(s: ArtifactSource, cause?: unknown): ManifestError {
  return new ManifestError(
    s.role === 'external-data' ? 'EXTERNAL_DATA_MISSING' : 'ARTIFACT_MISSING',
    `${s.role} file ${s.path} not found (${s.source})`,
    {
      where: s.source,
      hint:
        s.role === 'external-data'
          ? 'Put the external-data file next to the model, as the model references it.'
          : 'Check the path.',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * The artifact files with size and (with `hash`, the default) SHA-256, in the order of `sources`;
 * a missing file is a clear error.
 */
export async function hashArtifact(
  sources: ArtifactSource[],
  options: { signal?: AbortSignal; hash?: boolean } = {},
): Promise<ArtifactFile[]> {
  const sizes = await Promise.all(
    sources.map(async (s) => {
      const st = await lstat(s.source).catch(() => undefined);
      if (!st?.isFile()) throw missingSource(s);
      return st.size;
    }),
  );
  if (options.hash === false)
    return sources.map((s, i) => ({ path: s.path, size: sizes[i]!, sha256: '', role: s.role }));
  const digests = await hashFiles(
    sources.map((s, i) => ({ name: s.path, path: s.source, size: sizes[i]! })),
    { signal: options.signal },
  );
  return sources.map((s, i) => ({ path: s.path, size: digests[i]!.size, sha256: digests[i]!.digest, role: s.role }));
}

/**
 * A draft manifest for a model: measures and hashes the model and its external-data (and
 * companion) files, then `draftManifest`. Paths in the artifact are relative to `dir` (default:
 * the model's folder).
 */
export async function prefill(info: ModelInfo, options: PrefillOptions = {}): Promise<Manifest> {
  let files = options.files;
  if (!files) {
    const sources = artifactSources(info, options.companions);
    files = await hashArtifact(sources, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.hash === false ? { hash: false } : {}),
    });
    if (options.dir) {
      const base = resolve(options.dir);
      files = files.map((f, i) => ({ ...f, path: relative(base, sources[i]!.source).split(sep).join('/') }));
    }
  }
  const { dir: _d, files: _f, companions: _c, signal: _s, hash: _h, ...fields } = options;
  return draftManifest(info, { ...fields, files });
}
