/**
 * A repository in an OCI registry (distribution-spec v1.1), over fetch. Manifests are always asked
 * for with the OCI Accept list and hashed against their digest; blobs are streamed through a
 * digest verifier and resumed with Range after a dropped connection; uploads are monolithic
 * (POST + PUT) for small blobs and streamed PATCH chunks for big ones, in constant memory, with the
 * chunk order checked against the registry's `Range` answers, HEAD first to skip what is there,
 * and cross-repository mounts when the caller knows another repository holding the blob.
 */
import type { Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, OciError } from '../errors.js';
import { sleep } from '../sleep.js';
import { RegistryAuth } from './auth.js';
import { type Descriptor, describeContent, parseContent } from './content.js';
import { type CredentialProvider, defaultCredentials } from './credentials.js';
import { DigestVerifier, digestMismatch, hashFor, isDigest, verifyBytes } from './digest.js';
import {
  bodyStream,
  type ClientResponse,
  discard,
  type HttpRequest,
  HttpClient,
  readCapped,
  registryError,
  type RetryPolicy,
  DEFAULT_RETRY,
  backoff,
  OCI_HINTS,
} from './http.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, OCI_INDEX } from './media-types.js';
import { type RegistryReference, registryOrigin, type TransportOptions } from './reference.js';
import {
  type BlobPushResult,
  type BlobSource,
  checkSmallBlob,
  type ContentStore,
  type FetchedManifest,
  type TransferOptions,
} from './store.js';

export interface RegistryOptions extends TransportOptions {
  /** Where credentials come from when the registry asks; default: keychain, then Docker config. */
  credentials?: CredentialProvider;
  retry?: Partial<RetryPolicy>;
  idleTimeoutMs?: number;
  /** Blobs up to this size go in one PUT; bigger ones in streamed PATCH chunks. Default 64 MiB. */
  monolithicMaxBytes?: number;
  /** Size of one PATCH chunk. Default 512 MiB (each chunk is streamed, never buffered). */
  chunkBytes?: number;
}

const DEFAULT_MONOLITHIC_MAX = 64 * 1024 * 1024;
const DEFAULT_CHUNK = 512 * 1024 * 1024;
/** The zero digest oras-go probes the referrers API with. */
const ZERO_DIGEST = `sha256:${'0'.repeat(64)}`;

/** Appends `digest=` to an upload Location without rebuilding it (it may carry signed state). */
function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

async function* limited(src: Readable, n: number): AsyncIterable<Uint8Array> {
  let left = n;
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      if (left <= 0) break;
      const c = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= c.length;
      yield c;
    }
  } finally {
    src.destroy();
  }
  if (left > 0) throw new Error(`the source ended ${left} bytes early`);
}

/**
 * Passes chunks through while feeding them to `hash` (the local check of what is uploaded);
 * `onHashed` counts them, since a registry may answer before it has read the whole body.
 */
async function* hashed(
  src: AsyncIterable<Uint8Array>,
  hash: Hash,
  onHashed?: (n: number) => void,
): AsyncIterable<Uint8Array> {
  for await (const c of src) {
    hash.update(c);
    onHashed?.(c.length);
    yield c;
  }
}

/** A failure worth another attempt: no answer, or a 5xx/429 answer after the HTTP-level retries. */
function transient(e: unknown): boolean {
  if (e instanceof CancelledError) return false;
  if (e instanceof OciError)
    return ['OCI_NETWORK', 'OCI_REGISTRY_UNAVAILABLE', 'OCI_RATE_LIMITED', 'OCI_BLOB_UPLOAD_UNKNOWN'].includes(e.code);
  return true;
}

export class RegistryRepository implements ContentStore {
  readonly kind = 'registry' as const;
  readonly location: string;
  readonly registry: string;
  readonly repository: string;
  private readonly http: HttpClient;
  private readonly auth: RegistryAuth;
  private readonly base: string;
  private readonly origin: string;
  private readonly retry: RetryPolicy;
  private readonly monolithicMax: number;
  private readonly chunkBytes: number;
  private pushScope = false;

  constructor(registry: string, repository: string, opts: RegistryOptions = {}) {
    this.registry = registry;
    this.repository = repository;
    this.location = `${registry}/${repository}`;
    const origin = registryOrigin(registry, opts);
    this.auth = new RegistryAuth({
      registry,
      origin,
      credentials: opts.credentials ?? defaultCredentials(),
      ...(opts.insecure ? { insecure: true } : {}),
    });
    this.auth.addScope(`repository:${repository}:pull`);
    this.http = new HttpClient({
      registry,
      origin,
      auth: this.auth,
      ...(opts.retry ? { retry: opts.retry } : {}),
      ...(opts.idleTimeoutMs ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    });
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.origin = origin;
    this.base = `${origin}/v2/${repository}`;
    this.monolithicMax = opts.monolithicMaxBytes ?? DEFAULT_MONOLITHIC_MAX;
    this.chunkBytes = Math.max(1, opts.chunkBytes ?? DEFAULT_CHUNK);
  }

  static fromReference(ref: RegistryReference, opts: RegistryOptions = {}): RegistryRepository {
    return new RegistryRepository(ref.registry, ref.repository, opts);
  }

  /** Asks for push access from now on (the token scope grows to pull,push). */
  private wantPush(): void {
    if (this.pushScope) return;
    this.pushScope = true;
    this.auth.addScope(`repository:${this.repository}:pull,push`);
  }

  private send(req: HttpRequest): Promise<ClientResponse> {
    return this.http.send(req);
  }

  private async fail(out: ClientResponse, what: string): Promise<never> {
    const e = await registryError(out.res, what, this.registry);
    out.done();
    throw e;
  }

  /** GET /v2/: checks the registry answers and (when it asks) that the credentials are accepted. */
  async ping(opts: TransferOptions = {}): Promise<void> {
    const what = `Checking ${this.registry}`;
    const out = await this.send({
      method: 'GET',
      url: `${this.origin}/v2/`,
      retry: true,
      signal: opts.signal,
      what,
    });
    if (!out.res.ok) await this.fail(out, what);
    await discard(out);
  }

  /** HEAD or GET of a manifest, always with the OCI Accept list; a non-2xx answer becomes its typed error. */
  private async manifestRequest(
    method: 'HEAD' | 'GET',
    reference: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<ClientResponse> {
    const out = await this.send({
      method,
      url: `${this.base}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      retry: true,
      followRedirects: true,
      signal,
      what,
    });
    if (!out.res.ok) await this.fail(out, what);
    return out;
  }

  async resolve(reference: string, opts: TransferOptions = {}): Promise<Descriptor> {
    const what = `Resolving ${this.location}${isDigest(reference) ? '@' : ':'}${reference}`;
    const out = await this.manifestRequest('HEAD', reference, what, opts.signal);
    await discard(out);
    const digest = out.res.headers.get('docker-content-digest');
    const size = Number(out.res.headers.get('content-length'));
    const mediaType = out.res.headers.get('content-type')?.split(';')[0]?.trim();
    if (digest && isDigest(digest) && Number.isSafeInteger(size) && size >= 0 && mediaType) {
      if (isDigest(reference) && digest !== reference)
        throw digestMismatch(`The manifest ${reference}`, reference, digest, this.location);
      return { mediaType, digest, size };
    }
    // An older registry without Docker-Content-Digest on HEAD: GET and hash it ourselves.
    return (await this.fetchManifest(reference, opts)).descriptor;
  }

  async fetchManifest(reference: string, opts: TransferOptions & { maxBytes?: number } = {}): Promise<FetchedManifest> {
    const pinned = isDigest(reference);
    const what = `Fetching manifest ${this.location}${pinned ? '@' : ':'}${reference}`;
    return this.again(opts.signal, async () => {
      const out = await this.manifestRequest('GET', reference, what, opts.signal);
      const where = `${this.location}${pinned ? '@' : ':'}${reference}`;
      const bytes = await readCapped(out, opts.maxBytes ?? MAX_MANIFEST_BYTES, `The manifest ${where}`, where);
      const said = out.res.headers.get('docker-content-digest');
      const expected = pinned ? reference : said && isDigest(said) ? said : undefined;
      const digest = expected ?? `sha256:${hashFor('sha256:').update(bytes).digest('hex')}`;
      if (expected) verifyBytes(bytes, { digest: expected, size: bytes.length }, `The manifest ${where}`, where);
      if (pinned && said && isDigest(said) && said !== reference)
        throw digestMismatch(`The manifest ${where}`, reference, said, where);
      const contentType = out.res.headers.get('content-type') ?? undefined;
      const content = parseContent(bytes, contentType, where);
      return { descriptor: describeContent(content, digest, bytes.length), bytes, content };
    });
  }

  /** Retries a read whose body failed mid-way (the HTTP layer retries only until headers arrive). */
  private async again<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof OciError || e instanceof CancelledError || attempt + 1 >= this.retry.attempts) {
          if (e instanceof OciError || e instanceof CancelledError) throw e;
          throw new OciError('OCI_NETWORK', `Reading from ${this.registry} failed (${(e as Error).message})`, {
            where: this.registry,
            hint: 'The connection broke while reading; check the network and try again.',
            cause: e,
          });
        }
        await sleep(backoff(this.retry, attempt), signal);
      }
    }
  }

  async hasBlob(desc: Descriptor, opts: TransferOptions = {}): Promise<boolean> {
    const what = `Checking blob ${desc.digest} in ${this.location}`;
    const out = await this.send({
      method: 'HEAD',
      url: `${this.base}/blobs/${desc.digest}`,
      retry: true,
      followRedirects: true,
      signal: opts.signal,
      what,
    });
    await discard(out);
    if (out.res.status === 404) return false;
    if (!out.res.ok) return this.fail(out, what);
    return true;
  }

  /**
   * GET of a blob (redirects followed, credentials kept to the registry's origin), from byte `from`
   * on when given; a non-2xx answer becomes its typed error.
   */
  private async blobGet(
    desc: Descriptor,
    what: string,
    signal: AbortSignal | undefined,
    from = 0,
  ): Promise<ClientResponse> {
    const out = await this.send({
      method: 'GET',
      url: `${this.base}/blobs/${desc.digest}`,
      ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
      retry: true,
      followRedirects: true,
      signal,
      what,
    });
    if (!out.res.ok) await this.fail(out, what);
    return out;
  }

  async fetchBlob(desc: Descriptor, opts: TransferOptions & { maxBytes: number }): Promise<Buffer> {
    const where = `${this.location}@${desc.digest}`;
    checkSmallBlob(desc, opts.maxBytes, where);
    const what = `Fetching blob ${desc.digest} from ${this.location}`;
    return this.again(opts.signal, async () => {
      const out = await this.blobGet(desc, what, opts.signal);
      const bytes = await readCapped(out, desc.size, `Blob ${desc.digest}`, where);
      verifyBytes(bytes, desc, `Blob ${desc.digest}`, where);
      opts.onBytes?.(bytes.length);
      return bytes;
    });
  }

  async openBlob(desc: Descriptor, opts: TransferOptions = {}): Promise<Readable> {
    const where = `${this.location}@${desc.digest}`;
    const what = `Downloading blob ${desc.digest} from ${this.location}`;
    // Open the first response here so 401/404 reject this call instead of the stream.
    const first = await this.blobGet(desc, what, opts.signal);
    const verifier = new DigestVerifier(desc, `Blob ${desc.digest}`, where);
    const { retry } = this;
    const get = (from: number) => this.blobGet(desc, what, opts.signal, from);
    async function* bytes(): AsyncIterable<Buffer> {
      let offset = 0;
      let failures = 0;
      let out: ClientResponse | undefined = first;
      for (;;) {
        try {
          out ??= await get(offset);
          // A registry that ignores Range sends the whole blob again: skip what we already have.
          let skip = out.res.status === 200 ? offset : 0;
          if (out.res.status === 206 && !(out.res.headers.get('content-range') ?? '').startsWith(`bytes ${offset}-`))
            throw new OciError('OCI_PROTOCOL', `${what}: the registry resumed at another offset`, { where });
          for await (const chunk of bodyStream(out) as AsyncIterable<Buffer>) {
            let c = chunk;
            if (skip > 0) {
              const n = Math.min(skip, c.length);
              skip -= n;
              c = c.subarray(n);
              if (c.length === 0) continue;
            }
            offset += c.length;
            opts.onBytes?.(c.length);
            yield c;
          }
          if (skip > 0) throw new Error('the resumed response ended early');
          return;
        } catch (e) {
          if (opts.signal?.aborted) throw new CancelledError();
          if (e instanceof OciError) throw e;
          failures++;
          if (failures >= retry.attempts)
            throw new OciError('OCI_NETWORK', `${what} failed after ${failures} attempts (${(e as Error).message})`, {
              where,
              hint: 'The connection keeps breaking; check the network and try again.',
              cause: e,
            });
          out = undefined;
          await sleep(backoff(retry, failures - 1), opts.signal);
        }
      }
    }
    void pipeline(Readable.from(bytes()), verifier).catch((e: unknown) => verifier.destroy(e as Error));
    return verifier;
  }

  async pushBlob(
    desc: Descriptor,
    source: BlobSource,
    opts: TransferOptions & { mountFrom?: readonly string[] } = {},
  ): Promise<BlobPushResult> {
    this.wantPush();
    for (const from of opts.mountFrom ?? []) {
      if (from === this.repository) continue;
      this.auth.addScope(`repository:${from}:pull`);
      const what = `Mounting blob ${desc.digest} from ${from} into ${this.location}`;
      const out = await this.send({
        method: 'POST',
        url: `${this.base}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`,
        headers: { 'content-length': '0' },
        retry: true,
        signal: opts.signal,
        what,
      });
      if (out.res.status === 201) {
        await discard(out);
        return 'mounted';
      }
      // 202: the registry opened an upload session instead; close it, then upload normally.
      const loc = out.res.headers.get('location');
      await discard(out);
      if (out.res.status === 202 && loc) await this.cancelUpload(new URL(loc, out.url).toString());
      else if (!out.res.ok && out.res.status !== 404) await this.fail(out, what);
    }
    if (await this.hasBlob(desc, opts)) return 'exists';
    const chunked = source.size > this.monolithicMax;
    let failures = 0;
    for (;;) {
      try {
        if (chunked) await this.uploadChunked(desc, source, opts);
        else await this.uploadMonolithic(desc, source, opts);
        return 'uploaded';
      } catch (e) {
        if (!transient(e) || ++failures >= this.retry.attempts) throw e;
        await sleep(backoff(this.retry, failures - 1), opts.signal);
      }
    }
  }

  /** POST: opens an upload session; returns its absolute Location and the registry's minimum chunk. */
  private async startUpload(desc: Descriptor, opts: TransferOptions): Promise<{ location: string; minChunk: number }> {
    const what = `Starting the upload of ${desc.digest} to ${this.location}`;
    const out = await this.send({
      method: 'POST',
      url: `${this.base}/blobs/uploads/`,
      headers: { 'content-length': '0' },
      retry: true,
      signal: opts.signal,
      what,
    });
    if (out.res.status !== 202) await this.fail(out, what);
    const loc = out.res.headers.get('location');
    await discard(out);
    if (!loc)
      throw new OciError('OCI_PROTOCOL', `${what}: the registry gave no upload Location`, {
        where: this.registry,
        hint: 'The registry does not follow the distribution spec; report it to its admin.',
      });
    const min = Number(out.res.headers.get('oci-chunk-min-length'));
    return { location: new URL(loc, out.url).toString(), minChunk: Number.isSafeInteger(min) && min > 0 ? min : 0 };
  }

  /** Best effort: tells the registry to drop an upload session (spec main, end-14). Never throws. */
  private async cancelUpload(location: string): Promise<void> {
    await this.send({ method: 'DELETE', url: location, what: 'Cancelling an upload', retry: false })
      .then(discard)
      .catch(() => undefined);
  }

  /** GET on the session: how many bytes it holds and its current Location, or undefined. */
  private async uploadStatus(
    location: string,
    opts: TransferOptions,
  ): Promise<{ bytes: number; location: string } | undefined> {
    const out = await this.send({
      method: 'GET',
      url: location,
      what: 'Checking an upload',
      signal: opts.signal,
      retry: true,
    }).catch(() => undefined);
    if (!out) return undefined;
    await discard(out);
    if (out.res.status !== 204) return undefined;
    const range = out.res.headers.get('range');
    const end = range ? /^(?:bytes=)?0-(\d+)$/.exec(range)?.[1] : undefined;
    // distribution answers `0-0` for an empty session too; our chunks are never 1 byte, so 0-0 means 0.
    const bytes = range ? (end === undefined ? NaN : end === '0' ? 0 : Number(end) + 1) : 0;
    if (Number.isNaN(bytes)) return undefined;
    const moved = out.res.headers.get('location');
    return { bytes, location: moved ? new URL(moved, out.url).toString() : location };
  }

  private async finishUpload(location: string, desc: Descriptor, what: string, opts: TransferOptions): Promise<void> {
    const out = await this.send({
      method: 'PUT',
      url: withDigest(location, desc.digest),
      headers: { 'content-length': '0', 'content-type': 'application/octet-stream' },
      signal: opts.signal,
      what,
    });
    if (out.res.status !== 201) await this.fail(out, what);
    await discard(out);
    const said = out.res.headers.get('docker-content-digest');
    if (said && said !== desc.digest)
      throw digestMismatch(`The uploaded ${desc.digest}`, desc.digest, said, this.location);
  }

  private localMismatch(source: BlobSource, desc: Descriptor, actual: string): OciError {
    return new OciError(
      'OCI_DIGEST_MISMATCH',
      `${source.what} does not match the digest it was pushed as: expected ${desc.digest}, read ${actual}`,
      {
        where: source.what,
        hint: 'The file changed after it was hashed (or does not match the manifest that records it); nothing was committed. Check the file and push again.',
      },
    );
  }

  private async uploadMonolithic(desc: Descriptor, source: BlobSource, opts: TransferOptions): Promise<void> {
    const { location } = await this.startUpload(desc, opts);
    const what = `Uploading ${source.what} (${desc.digest}) to ${this.location}`;
    let hash = hashFor(desc.digest);
    let sent = 0;
    let read = 0;
    try {
      const out = await this.send({
        method: 'PUT',
        url: withDigest(location, desc.digest),
        headers: { 'content-length': String(source.size), 'content-type': 'application/octet-stream' },
        body: () => {
          read = 0;
          hash = hashFor(desc.digest);
          return hashed(limited(source.open(0), source.size), hash, (n) => (read += n));
        },
        onBodyBytes: (n) => {
          sent += n;
          opts.onBytes?.(n);
        },
        signal: opts.signal,
        what,
      });
      const actual = `${desc.digest.split(':')[0]}:${hash.digest('hex')}`;
      if (out.res.status !== 201) {
        // Only a body read to its end says the file changed; a refusal mid-body is the registry's word.
        if (read === source.size && actual !== desc.digest) {
          await discard(out);
          throw this.localMismatch(source, desc, actual);
        }
        await this.fail(out, what);
      }
      await discard(out);
      const said = out.res.headers.get('docker-content-digest');
      if (said && said !== desc.digest)
        throw digestMismatch(`The uploaded ${source.what}`, desc.digest, said, this.location);
    } catch (e) {
      opts.onBytes?.(-sent);
      await this.cancelUpload(location);
      throw e;
    }
  }

  /**
   * Streamed chunked upload: PATCH chunk after chunk from the file (each one streamed, never held in
   * memory), checking after each that the registry's `Range` ends where we think it does (2.8 ignores
   * Content-Range, so the client keeps the order), then PUT ?digest=. A chunk that fails is sent again
   * when the session still ends where the chunk began; otherwise the upload starts over.
   */
  private async uploadChunked(desc: Descriptor, source: BlobSource, opts: TransferOptions): Promise<void> {
    const started = await this.startUpload(desc, opts);
    let location = started.location;
    const minChunk = started.minChunk;
    const chunk = Math.max(this.chunkBytes, minChunk);
    const what = `Uploading ${source.what} (${desc.digest}) to ${this.location}`;
    let confirmed = hashFor(desc.digest);
    let offset = 0;
    let chunkFailures = 0;
    let sentTotal = 0;
    try {
      while (offset < source.size) {
        const len = Math.min(chunk, source.size - offset);
        const end = offset + len - 1;
        const hash = confirmed.copy();
        let sent = 0;
        try {
          const start = offset;
          const out = await this.send({
            method: 'PATCH',
            url: location,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(len),
              'content-range': `${start}-${end}`,
            },
            body: () => hashed(limited(source.open(start), len), hash),
            onBodyBytes: (n) => {
              sent += n;
              opts.onBytes?.(n);
            },
            signal: opts.signal,
            what,
          });
          if (out.res.status !== 202) await this.fail(out, what);
          await discard(out);
          const range = out.res.headers.get('range');
          if (range && range !== `0-${end}` && range !== `bytes=0-${end}`)
            throw new OciError(
              'OCI_BLOB_UPLOAD_INVALID',
              `${what}: after bytes ${start}-${end} the registry holds ${range}; the chunks are out of order`,
              { where: this.location, hint: 'Push again; if it persists the registry mishandles chunked uploads.' },
            );
          const next = out.res.headers.get('location');
          if (next) location = new URL(next, out.url).toString();
          confirmed = hash;
          offset = end + 1;
          sentTotal += sent;
          chunkFailures = 0;
        } catch (e) {
          opts.onBytes?.(-sent);
          // A chunk sent again after a cut was refused as out of place: 2.8 may still have been
          // appending the cut chunk's bytes when it answered the status check. The session moved on
          // without us; the whole upload starts over (a failure of the first sending stays final).
          if (chunkFailures > 0 && e instanceof OciError && e.code === 'OCI_BLOB_UPLOAD_INVALID')
            throw new OciError('OCI_BLOB_UPLOAD_UNKNOWN', `${what}: the session moved on after a cut chunk`, {
              where: this.location,
              hint: OCI_HINTS.OCI_BLOB_UPLOAD_UNKNOWN!,
              cause: e,
            });
          if (!transient(e) || ++chunkFailures >= this.retry.attempts) throw e;
          // Send the chunk again only if the session still ends exactly where the chunk began;
          // otherwise (2.8 keeps partial bytes and invalidates the old Location) start over.
          const status = await this.uploadStatus(location, opts);
          if (status?.bytes !== offset) throw e;
          location = status.location;
          await sleep(backoff(this.retry, chunkFailures - 1), opts.signal);
        }
      }
      const actual = `${desc.digest.split(':')[0]}:${confirmed.digest('hex')}`;
      if (actual !== desc.digest) throw this.localMismatch(source, desc, actual);
      await this.finishUpload(location, desc, what, opts);
    } catch (e) {
      opts.onBytes?.(-sentTotal);
      await this.cancelUpload(location);
      throw e;
    }
  }

  async pushManifest(
    bytes: Buffer,
    mediaType: string,
    opts: TransferOptions & { tag?: string } = {},
  ): Promise<{ descriptor: Descriptor; subjectAccepted: boolean }> {
    this.wantPush();
    const digest = `sha256:${hashFor('sha256:').update(bytes).digest('hex')}`;
    const reference = opts.tag ?? digest;
    const what = `Pushing manifest ${this.location}${opts.tag ? `:${opts.tag}` : `@${digest}`}`;
    const out = await this.send({
      method: 'PUT',
      url: `${this.base}/manifests/${reference}`,
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: bytes,
      retry: true,
      signal: opts.signal,
      what,
    });
    if (out.res.status !== 201 && out.res.status !== 200) await this.fail(out, what);
    await discard(out);
    const said = out.res.headers.get('docker-content-digest');
    if (said && said !== digest) throw digestMismatch(`The stored manifest`, digest, said, this.location);
    return {
      descriptor: { mediaType, digest, size: bytes.length },
      subjectAccepted: out.res.headers.has('oci-subject'),
    };
  }

  async referrersApi(subject: Descriptor, opts: TransferOptions = {}): Promise<Descriptor[] | undefined> {
    const what = `Listing referrers of ${subject.digest} in ${this.location}`;
    const out = await this.send({
      method: 'GET',
      url: `${this.base}/referrers/${subject.digest}`,
      headers: { accept: OCI_INDEX },
      retry: true,
      followRedirects: true,
      signal: opts.signal,
      what,
    });
    const ct = out.res.headers.get('content-type')?.split(';')[0]?.trim();
    if (out.res.status !== 200 || ct !== OCI_INDEX) {
      await discard(out);
      if ([404, 400, 405].includes(out.res.status) || out.res.ok) return undefined;
      return this.fail(out, what);
    }
    const where = `${this.location} referrers of ${subject.digest}`;
    const bytes = await readCapped(out, MAX_MANIFEST_BYTES, 'The referrers list', where);
    const content = parseContent(bytes, ct, where);
    if (content.kind !== 'index') return undefined;
    // Paging (Link rel="next") is not followed: a package has a handful of referrers.
    return content.index.manifests;
  }

  /** True when the registry serves the referrers API (probed with the zero digest, as oras-go does). */
  async supportsReferrersApi(opts: TransferOptions = {}): Promise<boolean> {
    return (await this.referrersApi({ mediaType: OCI_INDEX, digest: ZERO_DIGEST, size: 0 }, opts)) !== undefined;
  }
}
