/**
 * Where the platform keeps package bytes: the OCI image layout under the data folder (the
 * embedded default) or, with `serve --registry HOST/REPO`, that registry repository. Both are
 * oci/'s ContentStores; this adapter adds what the platform needs on top: adopting a finished
 * upload (a rename into the layout, or a streamed push to the registry) and small reads.
 */
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileSource, OciLayout, type RegistryRepository } from '../oci/index.js';
import type { BlobAccess } from './releases.js';

const OCTET = 'application/octet-stream';
const desc = (digest: string, size: number) => ({ mediaType: OCTET, digest, size });

export interface BlobStore extends BlobAccess {
  readonly kind: 'layout' | 'registry';
  readonly location: string;
  /** Takes a finished upload (server-hashed) into the store; the file is gone afterwards. */
  adopt(file: string, digest: string, size: number): Promise<void>;
  /** Stores small bytes (e.g. a publisher key) and returns their digest. */
  putBytes(bytes: Buffer): Promise<string>;
  /** Streams a blob, verified against its digest as it is read. */
  open(digest: string, size: number): Promise<Readable>;
}

export class LayoutBlobStore implements BlobStore {
  readonly kind = 'layout' as const;
  readonly location: string;

  constructor(readonly layout: OciLayout) {
    this.location = layout.location;
  }

  static async open(path: string): Promise<LayoutBlobStore> {
    return new LayoutBlobStore(await OciLayout.open(path, { create: true }));
  }

  async has(digest: string, size: number): Promise<boolean> {
    return this.layout.hasBlob(desc(digest, size));
  }

  /** The stored size, or undefined (HEAD on the upload API). */
  async size(digest: string): Promise<number | undefined> {
    const st = await stat(this.layout.blobPath(digest)).catch(() => undefined);
    return st?.isFile() ? st.size : undefined;
  }

  read(digest: string, size: number, maxBytes: number): Promise<Buffer> {
    return this.layout.fetchBlob(desc(digest, size), { maxBytes });
  }

  adopt(file: string, digest: string, size: number): Promise<void> {
    return this.layout.adoptFile(file, { digest, size });
  }

  async putBytes(bytes: Buffer): Promise<string> {
    return (await this.layout.putBlob(Readable.from([bytes]))).digest;
  }

  open(digest: string, size: number): Promise<Readable> {
    return this.layout.openBlob(desc(digest, size));
  }
}

/** Package bytes in a registry repository; small files are also kept in the local layout. */
export class RegistryBlobStore implements BlobStore {
  readonly kind = 'registry' as const;
  readonly location: string;

  constructor(
    readonly repo: RegistryRepository,
    readonly local: LayoutBlobStore,
  ) {
    this.location = repo.location;
  }

  async has(digest: string, size: number): Promise<boolean> {
    return (await this.local.has(digest, size)) || this.repo.hasBlob(desc(digest, size));
  }

  async size(digest: string): Promise<number | undefined> {
    return this.local.size(digest);
  }

  async read(digest: string, size: number, maxBytes: number): Promise<Buffer> {
    if (await this.local.has(digest, size)) return this.local.read(digest, size, maxBytes);
    return this.repo.fetchBlob(desc(digest, size), { maxBytes });
  }

  async adopt(file: string, digest: string, size: number): Promise<void> {
    try {
      await this.repo.pushBlob(desc(digest, size), fileSource(file, size, digest));
    } finally {
      await rm(file, { force: true });
    }
  }

  async putBytes(bytes: Buffer): Promise<string> {
    const digest = await this.local.putBytes(bytes);
    await this.repo.pushBlob(desc(digest, bytes.length), {
      size: bytes.length,
      what: digest,
      open: (s) => Readable.from([bytes.subarray(s)]),
    });
    return digest;
  }

  async open(digest: string, size: number): Promise<Readable> {
    if (await this.local.has(digest, size)) return this.local.open(digest, size);
    return this.repo.openBlob(desc(digest, size));
  }
}
