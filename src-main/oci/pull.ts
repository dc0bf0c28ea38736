/**
 * Pull: an artifact from a registry or an OCI layout into a package folder, byte for byte, so
 * `fleetpack verify DIR` passes on it. Every blob is streamed through its digest check into a
 * folder built aside and renamed into place only when all of them matched: a failure, a bad blob
 * or Ctrl-C leaves nothing behind, and an existing folder is replaced only with `force`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isFleetpackError, OciError, throwIfAborted } from '../errors.js';
import { buildDirAtomic } from '../package/index.js';
import type { Descriptor } from './content.js';
import { artifactFiles, type PackageSummary } from './modelpack.js';
import { untar } from './tar.js';
import { openStore, type OpenOptions, sourceReference } from './open.js';
import { ProgressTracker, type TransferProgress } from './progress.js';
import { formatReference, parseReference, type Reference } from './reference.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../manifest/index.js';
import { parseJson } from '../json.js';

export interface PullOptions extends OpenOptions {
  /** Replace an existing folder (built aside first; the old one is removed only after). */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

export interface PullResult {
  /** The pinned reference that was pulled. */
  reference: string;
  digest: string;
  dir: string;
  kind: PackageSummary['kind'];
  /** Raw layers: one file each, byte for byte. */
  files: { path: string; digest: string; size: number }[];
  /** Tar layers (ModelPack tar / tar+gzip) and the files they unpacked to. */
  unpacked: { layer: string; mediaType: string; files: string[] }[];
  /** Things to know about what was pulled (unsigned, no Fleetpack manifest, …). */
  notes: string[];
}

export async function pullPackage(
  source: string | Reference,
  dir: string,
  opts: PullOptions = {},
): Promise<PullResult> {
  const { signal } = opts;
  const { ref, store } = await openStore(typeof source === 'string' ? parseReference(source, opts.cwd) : source, {
    ...opts,
    create: false,
  });
  const reference = await sourceReference(ref, store);
  const fetched = await store.fetchManifest(reference, { signal });
  const where = formatReference(ref, fetched.descriptor.digest);
  if (fetched.content.kind !== 'manifest') {
    const children = fetched.content.index.manifests.slice(0, 5).map((d) => d.digest);
    throw new OciError('OCI_NOT_A_PACKAGE', `${where} is an image index, not a package`, {
      where,
      hint: `Pull one of its manifests by digest${children.length ? `, e.g. …@${children[0]}` : ''}.`,
    });
  }
  const manifest = fetched.content.manifest;
  const { kind, files } = artifactFiles(manifest, where);
  for (const f of files)
    if (f.encoding === 'tar+zstd')
      throw new OciError(
        'OCI_UNSUPPORTED_MEDIA_TYPE',
        `Layer ${f.path} is a zstd-compressed tar (${f.descriptor.mediaType}), which this Node.js cannot decompress`,
        {
          where,
          hint: 'Push the model with raw layers (`modctl build --raw`, the default) or tar/tar+gzip layers.',
        },
      );
  const progress = new ProgressTracker(
    opts.onProgress,
    files.reduce((s, f) => s + f.descriptor.size, 0),
    files.length,
  );
  const notes: string[] = [];
  const unpacked: PullResult['unpacked'] = [];
  const written = new Set(files.filter((f) => f.encoding === 'raw').map((f) => f.path.toLowerCase()));
  const abs = await buildDirAtomic(
    dir,
    async (tmp) => {
      for (const f of files) {
        throwIfAborted(signal);
        progress.start({ path: f.path, digest: f.descriptor.digest, size: f.descriptor.size });
        let moved = 0;
        const blob = await store.openBlob(f.descriptor, {
          signal,
          onBytes: (n) => {
            moved += n;
            progress.bytes(n);
          },
        });
        if (f.encoding === 'raw') {
          const target = join(tmp, ...f.path.split('/'));
          await mkdir(dirname(target), { recursive: true });
          await pipeline(blob, createWriteStream(target, { flags: 'wx' }), ...(signal ? [{ signal }] : []));
        } else {
          const names = await untar(blob, tmp, {
            gzip: f.encoding === 'tar+gzip',
            signal,
            where: `${where} layer ${f.descriptor.digest}`,
            written,
          });
          unpacked.push({ layer: f.descriptor.digest, mediaType: f.descriptor.mediaType, files: names });
        }
        progress.finish('downloaded', moved);
      }
      if (kind === 'fleetpack') notes.push(...(await consistencyNotes(tmp, files)));
    },
    { force: !!opts.force },
  ).catch((e: unknown) => {
    throwIfAborted(signal);
    if (isFleetpackError(e)) throw e;
    throw new OciError('OCI_PULL_FAILED', `Pulling ${where} into ${dir} failed (${(e as Error).message})`, {
      where: dir,
      hint: 'Nothing was written. Check free space and permissions, then try again.',
      cause: e,
    });
  });
  progress.phase('done');
  const weight = files.find((f) => f.descriptor.mediaType.includes('.model.weight.v1.'))?.path;
  if (kind === 'modelpack')
    notes.push(
      `No ${MANIFEST_FILE} in this artifact: it is a plain ModelPack model, not a Fleetpack package. Create a manifest with \`fleetpack init ${join(abs, weight ?? 'MODEL')} --out DIR\`.`,
    );
  else if (!files.some((f) => f.path === SIGNATURE_FILE))
    notes.push(`The package is not signed (no ${SIGNATURE_FILE}); its origin cannot be verified.`);
  return {
    reference: formatReference(ref, fetched.descriptor.digest),
    digest: fetched.descriptor.digest,
    dir: abs,
    kind,
    files: files
      .filter((f) => f.encoding === 'raw')
      .map((f) => ({ path: f.path, digest: f.descriptor.digest, size: f.descriptor.size })),
    unpacked,
    notes,
  };
}

/** The pulled fleetpack.json should record the same digests the layers have; say so when not. */
async function consistencyNotes(dir: string, files: { path: string; descriptor: Descriptor }[]): Promise<string[]> {
  let doc: unknown;
  try {
    doc = parseJson(await readFile(join(dir, MANIFEST_FILE), 'utf8'), { file: MANIFEST_FILE });
  } catch (e) {
    return [`The pulled ${MANIFEST_FILE} cannot be read (${(e as Error).message}); run \`fleetpack validate\` on it.`];
  }
  const listed = (doc as { artifact?: { files?: { path?: unknown; sha256?: unknown }[] } } | null)?.artifact?.files;
  const out: string[] = [];
  for (const f of Array.isArray(listed) ? listed : []) {
    const layer = files.find((l) => l.path === f.path);
    if (!layer) out.push(`${MANIFEST_FILE} lists ${String(f.path)}, which the artifact does not contain.`);
    else if (`sha256:${String(f.sha256)}` !== layer.descriptor.digest)
      out.push(`${MANIFEST_FILE} records another SHA-256 for ${String(f.path)} than the artifact carries.`);
  }
  return out;
}
