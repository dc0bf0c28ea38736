/**
 * An OCI image layout on disk (image-spec v1.1 image-layout.md): `oci-layout`, `index.json` (tags as
 * `org.opencontainers.image.ref.name`), `blobs/<alg>/<hex>`. Used as a push/pull target for
 * air-gapped transfer (skopeo and oras read it) and as a content-addressed blob store.
 *
 * Blobs are written to a temp file while being hashed and renamed into place only once size and
 * digest match; index.json is replaced atomically under a lock (in-process queue + lock file), so a
 * crash or Ctrl-C never leaves a tag pointing at missing content. Every read is digest-verified.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, messageOf, OciError } from '../errors.js';
import { type Descriptor, describeContent, encodeContent, type ImageIndex, parseContent } from './content.js';
import { DigestVerifier, digestMismatch, hashFor, isDigest, parseDigest, sizeMismatch, verifyBytes } from './digest.js';
import { ANNOTATION_REF_NAME, MAX_MANIFEST_BYTES, OCI_INDEX, OCI_LAYOUT_HEADER } from './media-types.js';
import { isTag } from './reference.js';
import {
  type BlobPushResult,
  type BlobSource,
  checkSmallBlob,
  type ContentStore,
  type FetchedManifest,
  type TransferOptions,
} from './store.js';

const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';
const TMP_DIR = '.fleetpack-tmp';
/** index.json lists every tag; bounded so a hostile file cannot exhaust memory. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 20_000;

/** One queue per layout folder in this process: index.json updates never interleave. */
const queues = new Map<string, Promise<unknown>>();

function layoutError(code: string, message: string, where: string, hint: string): OciError {
  return new OciError(code, message, { where, hint });
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface LayoutOptions {
  /** Create the layout if the folder does not exist (or is empty). */
  create?: boolean;
}

export class OciLayout implements ContentStore {
  readonly kind = 'layout' as const;
  readonly location: string;

  private constructor(readonly path: string) {
    this.location = `OCI layout ${path}`;
  }

  /** Opens (or, with `create`, makes) the layout at `path`. Refuses a folder that is something else. */
  static async open(path: string, opts: LayoutOptions = {}): Promise<OciLayout> {
    const layoutFile = join(path, LAYOUT_FILE);
    const st = await stat(path).catch(() => undefined);
    if (st && !st.isDirectory())
      throw layoutError(
        'OCI_LAYOUT_INVALID',
        `${path} is not a folder`,
        path,
        'Give the folder of an OCI image layout.',
      );
    if (!(await exists(layoutFile))) {
      if (!opts.create)
        throw layoutError(
          'OCI_LAYOUT_INVALID',
          st ? `${path} is not an OCI image layout (no oci-layout file)` : `${path} does not exist`,
          path,
          'Give the folder an OCI layout was written to (`fleetpack push DIR oci:PATH:TAG`, `skopeo copy … oci:PATH:TAG`).',
        );
      if (st) {
        if ((await readdir(path)).length > 0)
          throw layoutError(
            'OCI_LAYOUT_INVALID',
            `${path} exists, is not empty and is not an OCI image layout`,
            path,
            'Choose a new or empty folder for the layout.',
          );
      }
      await mkdir(join(path, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(path, INDEX_FILE), encodeContent({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }));
      // oci-layout last: a folder with it is a complete layout.
      await writeFile(layoutFile, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    } else {
      let header: unknown;
      try {
        const raw = await readFile(layoutFile);
        if (raw.length > 4096) throw new Error('too large');
        header = JSON.parse(raw.toString('utf8'));
      } catch {
        header = undefined;
      }
      if ((header as { imageLayoutVersion?: unknown } | undefined)?.imageLayoutVersion !== '1.0.0')
        throw layoutError(
          'OCI_LAYOUT_INVALID',
          `${layoutFile} is not an image layout header (${OCI_LAYOUT_HEADER}) with imageLayoutVersion 1.0.0`,
          layoutFile,
          'The folder is not an OCI image layout Fleetpack can read.',
        );
    }
    return new OciLayout(path);
  }

  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest, this.location);
    return join(this.path, 'blobs', algorithm, hex);
  }

  /** The image index (`index.json`), parsed and bounded. */
  async index(): Promise<ImageIndex> {
    const where = join(this.path, INDEX_FILE);
    let bytes: Buffer;
    try {
      const st = await stat(where);
      if (st.size > MAX_INDEX_BYTES)
        throw layoutError('OCI_TOO_LARGE', `${where} is larger than ${MAX_INDEX_BYTES} bytes`, where, 'Not read.');
      bytes = await readFile(where);
    } catch (e) {
      if (e instanceof OciError) throw e;
      throw layoutError('OCI_LAYOUT_INVALID', `Cannot read ${where}`, where, 'The layout is incomplete.');
    }
    const content = parseContent(bytes, undefined, where);
    if (content.kind !== 'index')
      throw layoutError('OCI_LAYOUT_INVALID', `${where} is not an image index`, where, 'The layout is damaged.');
    return content.index;
  }

  /** Tag → descriptor, from index.json. */
  async tags(): Promise<Map<string, Descriptor>> {
    const out = new Map<string, Descriptor>();
    for (const d of (await this.index()).manifests) {
      const t = d.annotations?.[ANNOTATION_REF_NAME];
      if (t !== undefined) out.set(t, d);
    }
    return out;
  }

  async resolve(reference: string, opts: TransferOptions = {}): Promise<Descriptor> {
    if (isDigest(reference)) return (await this.fetchManifest(reference, opts)).descriptor;
    const index = await this.index();
    const found = index.manifests.filter((d) => d.annotations?.[ANNOTATION_REF_NAME] === reference);
    if (found.length === 0)
      throw layoutError(
        'OCI_NOT_FOUND',
        `No tag "${reference}" in ${this.location}`,
        this.path,
        `Tags here: ${[...(await this.tags()).keys()].slice(0, 20).join(', ') || '(none)'}.`,
      );
    const d = found[found.length - 1]!;
    return {
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    };
  }

  async fetchManifest(reference: string, opts: TransferOptions & { maxBytes?: number } = {}): Promise<FetchedManifest> {
    const desc = isDigest(reference) ? undefined : await this.resolve(reference, opts);
    const digest = desc?.digest ?? reference;
    const where = `${this.location}@${digest}`;
    const path = this.blobPath(digest);
    const max = opts.maxBytes ?? MAX_MANIFEST_BYTES;
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile())
      throw layoutError(
        'OCI_NOT_FOUND',
        `Manifest ${digest} is not in ${this.location}`,
        where,
        'The layout is incomplete.',
      );
    if (st.size > max)
      throw layoutError(
        'OCI_TOO_LARGE',
        `The manifest ${digest} is larger than ${max} bytes; refusing to read it`,
        where,
        'This is not a Fleetpack package manifest.',
      );
    const bytes = await readFile(path);
    verifyBytes(bytes, { digest, size: desc?.size ?? bytes.length }, `The manifest ${digest}`, where);
    const content = parseContent(bytes, undefined, where);
    return { descriptor: describeContent(content, digest, bytes.length, desc?.mediaType), bytes, content };
  }

  async hasBlob(desc: Descriptor): Promise<boolean> {
    const st = await stat(this.blobPath(desc.digest)).catch(() => undefined);
    return !!st?.isFile() && st.size === desc.size;
  }

  async openBlob(desc: Descriptor, opts: TransferOptions = {}): Promise<Readable> {
    const path = this.blobPath(desc.digest);
    const where = `${this.location}@${desc.digest}`;
    if (!(await stat(path).catch(() => undefined))?.isFile())
      throw layoutError(
        'OCI_NOT_FOUND',
        `Blob ${desc.digest} is not in ${this.location}`,
        where,
        'The layout is incomplete.',
      );
    const verifier = new DigestVerifier(desc, `Blob ${desc.digest}`, where);
    const src = createReadStream(path, { highWaterMark: 1 << 20, ...(opts.signal ? { signal: opts.signal } : {}) });
    if (opts.onBytes) src.on('data', (c: string | Buffer) => opts.onBytes!(c.length));
    void pipeline(src, verifier).catch((e: unknown) => verifier.destroy(e as Error));
    return verifier;
  }

  async fetchBlob(desc: Descriptor, opts: TransferOptions & { maxBytes: number }): Promise<Buffer> {
    const where = `${this.location}@${desc.digest}`;
    checkSmallBlob(desc, opts.maxBytes, where);
    const path = this.blobPath(desc.digest);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile())
      throw layoutError(
        'OCI_NOT_FOUND',
        `Blob ${desc.digest} is not in ${this.location}`,
        where,
        'The layout is incomplete.',
      );
    if (st.size !== desc.size) throw sizeMismatch(`Blob ${desc.digest}`, desc.size, String(st.size), where);
    const bytes = await readFile(path);
    verifyBytes(bytes, desc, `Blob ${desc.digest}`, where);
    opts.onBytes?.(bytes.length);
    return bytes;
  }

  /**
   * Stores bytes from a stream as a blob. With `expected`, the bytes must have that size and digest
   * (else nothing is kept); without it the digest is computed (sha256). Returns the descriptor.
   */
  async putBlob(
    input: Readable | AsyncIterable<Uint8Array>,
    opts: TransferOptions & { expected?: { digest: string; size: number }; mediaType?: string } = {},
  ): Promise<Descriptor> {
    const tmpDir = join(this.path, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `blob-${process.pid}-${randomBytes(6).toString('hex')}`);
    const hash = hashFor(opts.expected?.digest ?? 'sha256:');
    let size = 0;
    const expected = opts.expected;
    try {
      const counting = async function* (src: AsyncIterable<Uint8Array>) {
        for await (const c of src) {
          size += c.length;
          if (expected && size > expected.size) throw new Error('more bytes than expected');
          hash.update(c);
          opts.onBytes?.(c.length);
          yield c;
        }
      };
      await pipeline(
        input as AsyncIterable<Uint8Array>,
        counting,
        createWriteStream(tmp, { flags: 'wx' }),
        ...(opts.signal ? [{ signal: opts.signal }] : []),
      );
      const digest = `${expected?.digest.split(':')[0] ?? 'sha256'}:${hash.digest('hex')}`;
      const desc: Descriptor = { mediaType: opts.mediaType ?? 'application/octet-stream', digest, size };
      if (expected && (size !== expected.size || digest !== expected.digest)) {
        throw size !== expected.size
          ? sizeMismatch('The blob', expected.size, String(size), this.location)
          : digestMismatch('The blob', expected.digest, digest, this.location);
      }
      await syncFile(tmp);
      const final = this.blobPath(digest);
      await mkdir(dirname(final), { recursive: true });
      if (await this.hasBlob(desc)) await unlink(tmp);
      else await rename(tmp, final);
      return desc;
    } catch (e) {
      await rm(tmp, { force: true });
      if (opts.signal?.aborted) throw new CancelledError();
      if (e instanceof OciError) throw e;
      if ((e as Error).message === 'more bytes than expected' && expected) {
        throw sizeMismatch('The blob', expected.size, `more than ${expected.size}`, this.location);
      }
      throw layoutError(
        'OCI_LAYOUT_WRITE_FAILED',
        `Cannot write a blob into ${this.location} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        this.path,
        'Check free space and permissions of the layout folder.',
      );
    }
  }

  /**
   * Moves a file into the layout as blob `desc` without copying it (a rename on the same file
   * system). For a caller that hashed the bytes itself while writing them (the platform's upload
   * sessions): the digest is taken as given, not re-read. The file is gone afterwards.
   */
  async adoptFile(path: string, desc: { digest: string; size: number }): Promise<void> {
    const st = await stat(path);
    if (st.size !== desc.size) throw sizeMismatch('The blob', desc.size, String(st.size), this.location);
    const final = this.blobPath(desc.digest);
    await mkdir(dirname(final), { recursive: true });
    if (await this.hasBlob({ mediaType: 'application/octet-stream', ...desc })) {
      await unlink(path);
      return;
    }
    await syncFile(path);
    await rename(path, final);
  }

  async pushBlob(desc: Descriptor, source: BlobSource, opts: TransferOptions = {}): Promise<BlobPushResult> {
    if (await this.hasBlob(desc)) return 'exists';
    await this.putBlob(source.open(0), { ...opts, expected: desc, mediaType: desc.mediaType });
    return 'uploaded';
  }

  async pushManifest(
    bytes: Buffer,
    mediaType: string,
    opts: TransferOptions & { tag?: string } = {},
  ): Promise<{ descriptor: Descriptor; subjectAccepted: boolean }> {
    const content = parseContent(bytes, mediaType, this.location);
    const doc = content.kind === 'manifest' ? content.manifest : content.index;
    const desc = await this.putBlob(Readable.from([bytes]), { ...opts, mediaType });
    const descriptor: Descriptor = {
      mediaType,
      digest: desc.digest,
      size: desc.size,
      ...(doc.artifactType ? { artifactType: doc.artifactType } : {}),
    };
    if (opts.tag !== undefined) await this.tag(opts.tag, descriptor);
    return { descriptor, subjectAccepted: false };
  }

  /** Points `tag` at `desc` in index.json (replacing what it pointed at). */
  async tag(tag: string, desc: Descriptor): Promise<void> {
    if (!isTag(tag))
      throw layoutError(
        'OCI_REF_INVALID',
        `"${tag.slice(0, 140)}" is not a valid tag`,
        this.path,
        'Tags are [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.',
      );
    await this.updateIndex((index) => {
      const manifests = index.manifests.filter((d) => d.annotations?.[ANNOTATION_REF_NAME] !== tag);
      manifests.push({
        mediaType: desc.mediaType,
        digest: desc.digest,
        size: desc.size,
        ...(desc.artifactType ? { artifactType: desc.artifactType } : {}),
        annotations: { [ANNOTATION_REF_NAME]: tag },
      });
      return { ...index, manifests };
    });
  }

  /** Removes a tag; true when it existed. Blobs stay (they may be shared). */
  async untag(tag: string): Promise<boolean> {
    let removed = false;
    await this.updateIndex((index) => {
      const manifests = index.manifests.filter((d) => d.annotations?.[ANNOTATION_REF_NAME] !== tag);
      removed = manifests.length !== index.manifests.length;
      return { ...index, manifests };
    });
    return removed;
  }

  /** Removes a blob (garbage collection by the caller, who knows what is still referenced). */
  async deleteBlob(digest: string): Promise<boolean> {
    return rm(this.blobPath(digest)).then(
      () => true,
      (e: unknown) => {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return false;
        throw layoutError(
          'OCI_LAYOUT_WRITE_FAILED',
          `Cannot delete ${digest} (${code ?? messageOf(e)})`,
          this.path,
          'Check permissions.',
        );
      },
    );
  }

  referrersApi(): Promise<Descriptor[] | undefined> {
    return Promise.resolve(undefined); // a layout has no referrers API: the referrers tag schema is used
  }

  /** Runs `change` on index.json under the layout's lock and replaces the file atomically. */
  private async updateIndex(change: (index: ImageIndex) => ImageIndex): Promise<void> {
    const prev = queues.get(this.path) ?? Promise.resolve();
    const run = prev
      .catch(() => undefined)
      .then(() =>
        this.withLockFile(async () => {
          const next = change(await this.index());
          const path = join(this.path, INDEX_FILE);
          const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
          try {
            await writeFile(tmp, encodeContent({ ...next, schemaVersion: 2, mediaType: next.mediaType ?? OCI_INDEX }));
            await syncFile(tmp);
            await rename(tmp, path);
          } catch (e) {
            await rm(tmp, { force: true });
            throw layoutError(
              'OCI_LAYOUT_WRITE_FAILED',
              `Cannot update ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
              path,
              'Check free space and permissions; the previous index.json is unchanged.',
            );
          }
        }),
      );
    queues.set(this.path, run);
    try {
      await run;
    } finally {
      if (queues.get(this.path) === run) queues.delete(this.path);
    }
  }

  /** A lock file beside index.json, for other processes writing the same layout. */
  private async withLockFile<T>(fn: () => Promise<T>): Promise<T> {
    const lock = join(this.path, `${INDEX_FILE}.lock`);
    const t0 = Date.now();
    for (;;) {
      try {
        const fh = await open(lock, 'wx');
        await fh.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = await stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) await rm(lock, { force: true });
        else if (Date.now() - t0 > LOCK_WAIT_MS)
          throw layoutError(
            'OCI_LAYOUT_LOCKED',
            `${this.location} is being updated by another process`,
            lock,
            `Wait for it to finish; if none is running, remove ${lock}.`,
          );
        else await new Promise((r) => setTimeout(r, 50));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }
}
