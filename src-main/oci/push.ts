/**
 * Push: a package folder, or an artifact from another store (an OCI layout carried across an air
 * gap, another registry), to a registry repository or an OCI layout. Blobs first (HEAD-skipped,
 * mounted, or uploaded), the manifest last: the manifest PUT is the commit, so a failure or Ctrl-C
 * before it never leaves a tag pointing at an incomplete artifact. Referrers (the SBOM) after.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OciError, throwIfAborted } from '../errors.js';
import { type ValidationReport, type LoadedManifest, loadManifest, SIGNATURE_FILE } from '../manifest/index.js';
import { hashFiles, listPackageFiles, validatePackage } from '../package/index.js';
import { DEFAULT_IGNORES, MAX_BUNDLE_BYTES, parseBundle, parseStatement } from '../signing/index.js';
import type { Descriptor, ImageManifest } from './content.js';
import { ANNOTATION_FILEPATH, FLEETPACK_ANNOTATIONS, OCI_MANIFEST } from './media-types.js';
import { buildArtifact, type PackageFile } from './modelpack.js';
import { openStore, type OpenOptions, sourceReference } from './open.js';
import { ProgressTracker, type TransferProgress } from './progress.js';
import { attachReferrer, listReferrers, referrerManifest } from './referrers.js';
import { formatReference, isTag, parseReference, type Reference } from './reference.js';
import { type BlobPushResult, bytesSource, type BlobSource, type ContentStore, fileSource } from './store.js';

export interface PushOptions extends OpenOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Other repositories of the target registry that may hold the blobs (cross-repository mount). */
  mountFrom?: readonly string[];
}

export interface PushedBlob {
  path?: string;
  mediaType: string;
  digest: string;
  size: number;
  result: BlobPushResult;
}

export interface PushResult {
  /** `TARGET:TAG@sha256:…`: what to hand to `pull`, `resolve` or the platform. */
  reference: string;
  tag: string;
  digest: string;
  mediaType: string;
  size: number;
  layers: PushedBlob[];
  config: PushedBlob;
  referrers: { artifactType?: string; digest: string; via: 'referrers-api' | 'tag-schema' }[];
  /** Bytes actually sent (0 when every blob was already there). */
  uploadedBytes: number;
  warnings: string[];
}

/** The package failed validation: nothing was pushed. Carries the full report. */
export class PackageInvalidError extends OciError {
  constructor(
    readonly report: ValidationReport,
    dir: string,
  ) {
    super('OCI_PACKAGE_INVALID', `The package is not valid (${report.errors.length} error(s)); nothing was pushed`, {
      where: dir,
      hint: 'Fix the problems `fleetpack validate DIR` lists, then push again.',
    });
  }
}

/** A tag from a semver version: `+` is not allowed in tags (Helm maps it to `_` too). */
export function tagForVersion(version: string): string | undefined {
  const t = version.replace(/\+/g, '_');
  return isTag(t) ? t : undefined;
}

function targetTag(ref: Reference, fallback: string | undefined, where: string): string {
  if (ref.digest !== undefined)
    throw new OciError('OCI_REF_INVALID', `A push target takes a tag, not a digest: ${formatReference(ref)}`, {
      where,
      hint: 'Push to REPO:TAG; the digest is computed and printed.',
    });
  const tag = ref.tag ?? fallback;
  if (!tag)
    throw new OciError('OCI_REF_INVALID', `No tag to push to: ${formatReference(ref)}`, {
      where,
      hint: 'Add :TAG to the target reference.',
    });
  return tag;
}

/** Compares model.sig's signed file list with the files pushed; a warning per problem. */
async function signatureWarnings(dir: string, files: readonly PackageFile[]): Promise<string[]> {
  const sigPath = join(dir, SIGNATURE_FILE);
  const st = await lstat(sigPath).catch(() => undefined);
  if (!st?.isFile())
    return [
      `The package is not signed (no ${SIGNATURE_FILE}): nobody can verify where it came from. Sign it with \`fleetpack sign DIR --key NAME\` and push again.`,
    ];
  if (st.size > MAX_BUNDLE_BYTES) return [`${SIGNATURE_FILE} is too large to be an OMS bundle; it was pushed as is.`];
  try {
    const statement = parseStatement(parseBundle(await readFile(sigPath, 'utf8')).payload);
    if (statement.serialization.hash_type !== 'sha256') return [];
    const signed = new Map(statement.resources.map((r) => [r.name, r.digest]));
    const changed: string[] = [];
    for (const f of files) {
      if (f.path === SIGNATURE_FILE) continue;
      const d = signed.get(f.path);
      if (d !== f.digest.slice('sha256:'.length)) changed.push(d === undefined ? `${f.path} (not signed)` : f.path);
      signed.delete(f.path);
    }
    for (const gone of signed.keys()) changed.push(`${gone} (signed but missing)`);
    return changed.length
      ? [
          `${SIGNATURE_FILE} is stale: it does not cover the current files (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}); \`fleetpack verify\` will fail. Sign again.`,
        ]
      : [];
  } catch (e) {
    return [`${SIGNATURE_FILE} is not a readable OMS bundle (${(e as Error).message}); it was pushed as is.`];
  }
}

/** Every file of the package with its digest: recorded ones from the (validated) manifest, others hashed. */
async function packageFiles(
  loaded: LoadedManifest,
  signal: AbortSignal | undefined,
): Promise<{ files: PackageFile[] }> {
  const recorded = new Map<string, { size: number; sha256: string }>();
  for (const f of loaded.manifest.artifact.files) recorded.set(f.path, f);
  if (loaded.manifest.sbom) {
    const st = await lstat(join(loaded.dir, loaded.manifest.sbom.file)).catch(() => undefined);
    if (st) recorded.set(loaded.manifest.sbom.file, { size: st.size, sha256: loaded.manifest.sbom.sha256 });
  }
  const paths = await listPackageFiles(loaded.dir, signal ? { signal } : {});
  const sig = await lstat(join(loaded.dir, SIGNATURE_FILE)).catch(() => undefined);
  if (sig?.isFile()) paths.push(SIGNATURE_FILE);
  const kept = paths.filter((path) => !DEFAULT_IGNORES.some((i) => path === i || path.startsWith(`${i}/`)));
  throwIfAborted(signal);
  const unrecorded = kept.filter((path) => !recorded.has(path));
  const hashed = await hashFiles(
    unrecorded.map((path) => ({ name: path, path: join(loaded.dir, path), size: 0 })),
    { signal },
  );
  const byPath = new Map(hashed.map((d) => [d.name, { size: d.size, sha256: d.digest }]));
  const files: PackageFile[] = kept.map((path) => {
    const r = recorded.get(path) ?? byPath.get(path)!;
    return { path, size: r.size, digest: `sha256:${r.sha256}` };
  });
  return { files };
}

/** One blob to move into a store, and where it comes from. */
interface BlobMove {
  desc: Descriptor;
  source: BlobSource;
  path?: string | undefined;
}

/**
 * Moves blobs into `store` one after the other (HEAD-skipped, mounted or uploaded), with progress;
 * what happened to each, by digest, and the bytes actually sent.
 */
async function moveBlobs(
  store: ContentStore,
  moves: readonly BlobMove[],
  opts: PushOptions,
  mountFrom: readonly string[] | undefined,
): Promise<{ blobs: PushedBlob[]; uploadedBytes: number; progress: ProgressTracker }> {
  const total = moves.reduce((s, m) => s + m.desc.size, 0);
  const progress = new ProgressTracker(opts.onProgress, total, moves.length);
  const blobs: PushedBlob[] = [];
  let uploadedBytes = 0;
  for (const { desc, source, path } of moves) {
    progress.start({ ...(path ? { path } : {}), digest: desc.digest, size: desc.size });
    let moved = 0;
    const result = await store.pushBlob(desc, source, {
      signal: opts.signal,
      onBytes: (n) => {
        moved += n;
        progress.bytes(n);
      },
      ...(mountFrom ? { mountFrom } : {}),
    });
    progress.finish(result, moved);
    if (result === 'uploaded') uploadedBytes += desc.size;
    blobs.push({ ...(path ? { path } : {}), mediaType: desc.mediaType, digest: desc.digest, size: desc.size, result });
  }
  return { blobs, uploadedBytes, progress };
}

/**
 * Pushes the package folder `dir` to `target` (`HOST/REPO[:TAG]` or `oci:PATH[:TAG]`; the tag
 * defaults to the package version). Validates first (an invalid package is refused with its report).
 * Blobs whose digest the manifest records are not hashed again: the upload is checked against the
 * recorded digest on the way (and by the registry), and a blob the target already has is its copy.
 */
export async function pushPackage(
  dir: string,
  target: string | Reference,
  opts: PushOptions = {},
): Promise<PushResult> {
  const { signal } = opts;
  const ref = typeof target === 'string' ? parseReference(target, opts.cwd) : target;
  const loaded = await loadManifest(dir);
  const report = await validatePackage(loaded.manifest, {
    dir: loaded.dir,
    checkUnlisted: true,
    skipDigests: true,
    ...(signal ? { signal } : {}),
  });
  if (!report.valid) throw new PackageInvalidError(report, loaded.dir);
  const tag = targetTag(ref, tagForVersion(loaded.manifest.version), formatReference(ref));
  const { files } = await packageFiles(loaded, signal);
  const warnings = [
    ...report.warnings.map((w) => `${w.pointer ? `${w.pointer}: ` : ''}${w.message}`),
    ...(await signatureWarnings(loaded.dir, files)),
  ];
  const artifact = buildArtifact(loaded.manifest, files);
  const { store } = await openStore(ref, { ...opts, create: true });

  const moves: BlobMove[] = [
    ...artifact.layers.map((l) => ({
      desc: l.descriptor,
      source: fileSource(join(loaded.dir, l.path), l.descriptor.size, l.path),
      path: l.path,
    })),
    { desc: artifact.configDescriptor, source: bytesSource(artifact.config, 'the ModelPack config') },
  ];
  const { blobs, uploadedBytes, progress } = await moveBlobs(store, moves, opts, opts.mountFrom);
  const layers = blobs.slice(0, -1);
  const config = blobs.at(-1)!;

  progress.phase('committing');
  throwIfAborted(signal);
  const pushed = await store.pushManifest(artifact.manifestBytes, OCI_MANIFEST, { signal, tag });
  const subject: Descriptor = { ...pushed.descriptor, artifactType: artifact.manifest.artifactType! };

  const referrers: PushResult['referrers'] = [];
  if (artifact.sbom) {
    progress.phase('referrers');
    const sbomPath = artifact.sbom.annotations?.[ANNOTATION_FILEPATH];
    const r = await attachReferrer(
      store,
      referrerManifest(artifact.sbom.mediaType, [artifact.sbom], subject, {
        [FLEETPACK_ANNOTATIONS.name]: loaded.manifest.name,
        [FLEETPACK_ANNOTATIONS.version]: loaded.manifest.version,
        ...(sbomPath ? { 'org.opencontainers.image.title': sbomPath } : {}),
      }),
      { signal },
    );
    referrers.push({ artifactType: artifact.sbom.mediaType, digest: r.descriptor.digest, via: r.via });
  }
  progress.phase('done');
  return {
    reference: formatReference({ ...ref, tag }, pushed.descriptor.digest),
    tag,
    digest: pushed.descriptor.digest,
    mediaType: pushed.descriptor.mediaType,
    size: pushed.descriptor.size,
    layers,
    config,
    referrers,
    uploadedBytes,
    warnings,
  };
}

/** A blob of another store as a BlobSource (re-opened, and skipped forward, for retries). */
function storeSource(store: ContentStore, desc: Descriptor, signal: AbortSignal | undefined): BlobSource {
  return {
    size: desc.size,
    what: `${desc.digest} from ${store.location}`,
    open: (start) =>
      Readable.from(
        (async function* () {
          let skip = start;
          for await (const c of (await store.openBlob(desc, { signal })) as AsyncIterable<Buffer>) {
            if (skip >= c.length) {
              skip -= c.length;
              continue;
            }
            yield skip ? c.subarray(skip) : c;
            skip = 0;
          }
        })(),
      ),
  };
}

/**
 * Copies an artifact between stores (layout → registry across an air gap, registry → layout,
 * registry → registry with cross-repository mounts), manifest bytes unchanged so the digest is
 * preserved, with its referrers.
 */
export async function copyArtifact(
  source: string | Reference,
  target: string | Reference,
  opts: PushOptions = {},
): Promise<PushResult> {
  const { signal } = opts;
  const src = await openStore(source, { ...opts, create: false });
  const srcRef = await sourceReference(src.ref, src.store);
  const dstRef = typeof target === 'string' ? parseReference(target, opts.cwd) : target;
  const tag = targetTag(dstRef, src.ref.tag ?? (src.ref.digest ? undefined : srcRef), formatReference(dstRef));
  const dst = await openStore(dstRef, { ...opts, create: true });
  const mountFrom =
    src.ref.kind === 'registry' && dstRef.kind === 'registry' && src.ref.registry === dstRef.registry
      ? [src.ref.repository, ...(opts.mountFrom ?? [])]
      : opts.mountFrom;

  const root = await src.store.fetchManifest(srcRef, { signal });
  if (root.content.kind !== 'manifest')
    throw new OciError('OCI_NOT_A_PACKAGE', `${formatReference(src.ref)} is an image index, not one artifact`, {
      where: formatReference(src.ref),
      hint: 'Copy one of its manifests by digest.',
    });
  const referrerDescs = await listReferrers(src.store, root.descriptor, { signal });
  const referrers = [];
  for (const d of referrerDescs) {
    const r = await src.store.fetchManifest(d.digest, { signal });
    if (r.content.kind === 'manifest') referrers.push({ desc: d, fetched: r, manifest: r.content.manifest });
  }
  const blobsOf = (m: ImageManifest) => [m.config, ...m.layers];
  const all = [root.content.manifest, ...referrers.map((r) => r.manifest)].flatMap(blobsOf);
  const unique = [...new Map(all.map((d) => [d.digest, d])).values()];
  const { blobs, uploadedBytes, progress } = await moveBlobs(
    dst.store,
    unique.map((d) => ({
      desc: d,
      source: storeSource(src.store, d, signal),
      path: d.annotations?.[ANNOTATION_FILEPATH],
    })),
    opts,
    mountFrom,
  );
  const byDigest = new Map(blobs.map((b) => [b.digest, b]));
  progress.phase('committing');
  throwIfAborted(signal);
  const pushed = await dst.store.pushManifest(root.bytes, root.descriptor.mediaType, { signal, tag });
  const out: PushResult['referrers'] = [];
  if (referrers.length) progress.phase('referrers');
  for (const r of referrers) {
    const a = await attachReferrer(dst.store, r.manifest, { signal, bytes: r.fetched.bytes });
    out.push({
      ...(r.desc.artifactType ? { artifactType: r.desc.artifactType } : {}),
      digest: a.descriptor.digest,
      via: a.via,
    });
  }
  progress.phase('done');
  const m = root.content.manifest;
  return {
    reference: formatReference({ ...dstRef, tag }, pushed.descriptor.digest),
    tag,
    digest: pushed.descriptor.digest,
    mediaType: pushed.descriptor.mediaType,
    size: pushed.descriptor.size,
    layers: m.layers.map((d) => ({
      ...byDigest.get(d.digest)!,
      ...(d.annotations?.[ANNOTATION_FILEPATH] ? { path: d.annotations[ANNOTATION_FILEPATH] } : {}),
    })),
    config: byDigest.get(m.config.digest)!,
    referrers: out,
    uploadedBytes,
    warnings: [],
  };
}
