/**
 * What a registry repository and an OCI image layout have in common: content-addressed blobs and
 * manifests, tags, and (natively or through the referrers tag schema) referrers. Push, pull and
 * copy are written once against this interface.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { OciError } from '../errors.js';
import type { Descriptor, ParsedContent } from './content.js';

/** Bytes to upload, re-openable from any offset (retries, resumed uploads). */
export interface BlobSource {
  size: number;
  /** A fresh stream of the bytes from `start` to the end. */
  open(start: number): Readable;
  /** Names the content in messages, e.g. the package file. */
  what: string;
}

/** A file on disk as a BlobSource (streamed in 1 MiB reads; constant memory). */
export function fileSource(path: string, size: number, what = path): BlobSource {
  return {
    size,
    what,
    open: (start) => createReadStream(path, { start, highWaterMark: 1 << 20 }),
  };
}

/** In-memory bytes as a BlobSource (manifests, configs, small files already read). */
export function bytesSource(bytes: Buffer, what: string): BlobSource {
  return {
    size: bytes.length,
    what,
    open: (start) => Readable.from([bytes.subarray(start)]),
  };
}

export interface TransferOptions {
  signal?: AbortSignal | undefined;
  /** Bytes moved (may be negative when a failed attempt is rolled back). */
  onBytes?: ((n: number) => void) | undefined;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  content: ParsedContent;
}

export type BlobPushResult = 'uploaded' | 'exists' | 'mounted';

export interface ContentStore {
  readonly kind: 'registry' | 'layout';
  /** Where the content lives, for messages: `host/repo` or `OCI layout /path`. */
  readonly location: string;
  /** The descriptor a tag or digest points to, without reading any layer. */
  resolve(reference: string, opts?: TransferOptions): Promise<Descriptor>;
  /** A manifest or index, size-capped, digest-verified, parsed. */
  fetchManifest(reference: string, opts?: TransferOptions & { maxBytes?: number }): Promise<FetchedManifest>;
  hasBlob(desc: Descriptor, opts?: TransferOptions): Promise<boolean>;
  /** The blob's bytes as a stream that errors instead of ending when size or digest do not match. */
  openBlob(desc: Descriptor, opts?: TransferOptions): Promise<Readable>;
  /** A small blob in memory (refused above `maxBytes` before reading), verified. */
  fetchBlob(desc: Descriptor, opts: TransferOptions & { maxBytes: number }): Promise<Buffer>;
  /** Stores a blob unless present; `mountFrom` names other repositories of the same registry to mount from. */
  pushBlob(
    desc: Descriptor,
    source: BlobSource,
    opts?: TransferOptions & { mountFrom?: readonly string[] },
  ): Promise<BlobPushResult>;
  /** Stores a manifest or index (by digest), and points `tag` at it when given. */
  pushManifest(
    bytes: Buffer,
    mediaType: string,
    opts?: TransferOptions & { tag?: string },
  ): Promise<{ descriptor: Descriptor; subjectAccepted: boolean }>;
  /** The referrers of `subject` from the store's referrers API, or undefined when it has none. */
  referrersApi(subject: Descriptor, opts?: TransferOptions): Promise<Descriptor[] | undefined>;
}

/** Refuses, before any byte is read, a blob too big to hold in memory. */
export function checkSmallBlob(desc: Descriptor, maxBytes: number, where: string): void {
  if (desc.size > maxBytes)
    throw new OciError('OCI_TOO_LARGE', `Blob ${desc.digest} is ${desc.size} bytes, over the ${maxBytes}-byte limit`, {
      where,
      hint: 'Only small layers (manifest, signature, SBOM) are read into memory; stream big ones with openBlob.',
    });
}
