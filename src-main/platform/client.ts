/**
 * The platform's HTTP client, for the CLI (and the Studio later): publish a package folder with
 * resumable, streamed uploads, publish a registry reference, and the read/write calls of the API.
 * A file is read once: it is hashed while it streams, chunk by chunk (`Content-Range`); a dropped
 * connection rewinds the hash to the last chunk boundary, asks the server for its offset and
 * continues from there. Memory stays constant whatever the file size. Errors are typed, with the
 * server's code, hint and per-file problems.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { CancelledError, PlatformError, throwIfAborted } from '../errors.js';
import { sleep } from '../sleep.js';
import { listPackageFiles } from '../package/index.js';
import type { ChannelChange, ChannelEvent, ChannelPointer } from './channels.js';
import type { CoverageReport } from './coverage.js';
import type { DeviceInfo, DeviceQuery } from './devices.js';
import type { DeviceUpdateState, RolloutRequest, RolloutStatus } from './rollouts.js';
import { type Problem, PublishError } from './problems.js';
import type { IncomingFile, PublishResult, Release } from './releases.js';
import type { PreviewResult } from '../fleet/index.js';
import { loadManifest, type Manifest, SIGNATURE_FILE } from '../manifest/index.js';

export interface UploadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes of every file of the publish. */
  allDone: number;
  allTotal: number;
  skipped?: boolean;
}

export interface ClientOptions {
  /** Chunk size for PATCH requests (default 64 MiB). */
  chunkBytes?: number;
  /** Attempts per chunk before giving up (default 8). */
  attempts?: number;
  /** First retry delay (doubles each time). */
  retryDelayMs?: number;
}

export interface PublishDirOptions {
  channel?: string;
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
  /**
   * Upload sessions by package file, kept by the caller across attempts: a publish started again
   * (after a cancel, a pause or a lost platform) continues each file where the server has it.
   */
  sessions?: UploadSessionMemo;
  /** Awaited before every chunk: a caller's pause holds the upload there. */
  gate?: () => Promise<void>;
}

/** Upload session ids by file (path, size and modification time), reused by a later attempt. */
export type UploadSessionMemo = Map<string, string>;

interface UploadFileOptions {
  known?: string;
  signal?: AbortSignal;
  onBytes?: (done: number, total: number) => void;
  sessions?: UploadSessionMemo;
  gate?: () => Promise<void>;
}

const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** A typed error from an error response body (or from the status alone). */
function responseError(status: number, bodyText: string, what: string): PlatformError {
  let body: { error?: { code?: string; message?: string; where?: string; hint?: string; problems?: Problem[] } } = {};
  try {
    body = JSON.parse(bodyText) as typeof body;
  } catch {
    // not JSON: a proxy or a crash page
  }
  const e = body.error;
  const code = e?.code ?? `HTTP_${status}`;
  const message = e?.message ?? `${what}: the platform answered HTTP ${status}`;
  if (e?.problems?.length) return new PublishError(code, message, e.problems, e.hint);
  return new PlatformError(code, message, {
    ...(e?.where ? { where: e.where } : {}),
    ...(e?.hint ? { hint: e.hint } : {}),
  });
}

function unreachable(url: string, e: unknown): PlatformError {
  return new PlatformError(
    'PLATFORM_UNREACHABLE',
    `Cannot reach the platform at ${url} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    {
      hint: 'Check the URL and that `fleetpack platform serve` is running there.',
      cause: e,
    },
  );
}

interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export class PlatformClient {
  readonly base: string;
  private readonly chunkBytes: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(
    url: string,
    private readonly token: string | undefined,
    opts: ClientOptions = {},
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new PlatformError('PLATFORM_URL_INVALID', `"${url.slice(0, 200)}" is not a URL`, {
        hint: 'Give the platform URL, e.g. http://127.0.0.1:8440.',
      });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new PlatformError('PLATFORM_URL_INVALID', `Unsupported scheme ${u.protocol} in the platform URL`, {
        hint: 'Use http:// or https://.',
      });
    }
    this.base = u.origin;
    this.chunkBytes = opts.chunkBytes ?? 64 * 1024 * 1024;
    this.attempts = opts.attempts ?? 8;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
  }

  /** One HTTP request with an optional streamed body; the response body is read as text. */
  private send(
    method: string,
    path: string,
    opts: { body?: Buffer | NodeJS.ReadableStream; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<RawResponse> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      headers,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return new Promise((resolve, reject) => {
      req.on('error', (e) => reject(opts.signal?.aborted ? new CancelledError() : unreachable(this.base, e)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // Responses are small JSON documents; bound them.
          if (size <= 64 * 1024 * 1024) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => reject(unreachable(this.base, e)));
      });
      if (opts.body === undefined) req.end();
      else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
      else {
        const src = opts.body;
        src.on('error', (e) => req.destroy(e as Error));
        src.pipe(req);
      }
    });
  }

  /** A JSON call; non-2xx answers become typed errors. */
  async json<T>(method: string, path: string, body?: unknown, what = `${method} ${path}`): Promise<T> {
    const res = await this.send(
      method,
      path,
      body === undefined
        ? {}
        : { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } },
    );
    if (res.status < 200 || res.status >= 300) throw responseError(res.status, res.body, what);
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  health() {
    return this.json<{ ok: boolean; database: string }>('GET', '/v1/health');
  }
  login() {
    return this.json<{ name: string; role: string }>('POST', '/v1/login', {});
  }
  info() {
    return this.json<{ id: string; name: string; rootKeyIds: string[]; rootVersion: number; bins: number }>(
      'GET',
      '/v1/platform',
    );
  }
  releases(q: { name?: string; channel?: string } = {}) {
    const params = new URLSearchParams();
    if (q.name) params.set('name', q.name);
    if (q.channel) params.set('channel', q.channel);
    const qs = params.toString();
    return this.json<{ releases: Release[] }>('GET', `/v1/releases${qs ? `?${qs}` : ''}`).then((r) => r.releases);
  }
  setChannel(model: string, version: string, channel: string) {
    return this.json<ChannelChange>('PUT', `/v1/channels/${encodeURIComponent(model)}/${encodeURIComponent(channel)}`, {
      version,
    });
  }
  promote(model: string, from: string, to: string) {
    return this.json<ChannelChange>('POST', `/v1/models/${encodeURIComponent(model)}/promote`, { from, to });
  }
  channelHistory(model: string) {
    return this.json<{ events: ChannelEvent[] }>('GET', `/v1/models/${encodeURIComponent(model)}/channel-history`).then(
      (r) => r.events,
    );
  }
  channels(model?: string) {
    return this.json<{ channels: ChannelPointer[] }>(
      'GET',
      `/v1/channels${model ? `?model=${encodeURIComponent(model)}` : ''}`,
    ).then((r) => r.channels);
  }
  coverage(channel?: string) {
    return this.json<CoverageReport>('GET', `/v1/coverage${channel ? `?channel=${encodeURIComponent(channel)}` : ''}`);
  }
  publishFrom(reference: string, channel?: string) {
    return this.json<PublishResult>(
      'POST',
      '/v1/releases',
      { from: reference, ...(channel ? { channel } : {}) },
      `Publishing ${reference}`,
    );
  }
  publishFiles(files: IncomingFile[], channel?: string) {
    return this.json<PublishResult>('POST', '/v1/releases', { files, ...(channel ? { channel } : {}) }, 'Publishing');
  }

  devices(q: DeviceQuery = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.json<{ devices: DeviceInfo[]; total: number }>('GET', `/v1/devices${qs ? `?${qs}` : ''}`);
  }
  addDevice(device: { id: string; channel?: string; profile?: string; labels?: string[]; facts?: unknown }) {
    return this.json<{ device: DeviceInfo; token: string }>(
      'POST',
      '/v1/devices',
      device,
      `Adding device ${device.id}`,
    );
  }
  /** Uploads an inventory file (streamed) for the platform's importer. */
  async importDevices(path: string, format?: string) {
    const res = await this.send('POST', `/v1/devices/import${format ? `?format=${encodeURIComponent(format)}` : ''}`, {
      body: createReadStream(path),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String((await stat(path)).size) },
    });
    if (res.status !== 200) throw responseError(res.status, res.body, `Importing ${path}`);
    return JSON.parse(res.body) as {
      imported: number;
      skippedRows: number;
      errors: { line: number; message: string }[];
      unreadableDevices: number;
    };
  }
  createRollout(req: RolloutRequest) {
    return this.json<RolloutStatus>('POST', '/v1/rollouts', req, `Creating the rollout of ${req.model}@${req.version}`);
  }
  rollout(id: string, limit?: number, states?: readonly DeviceUpdateState[]) {
    const params = new URLSearchParams();
    if (limit !== undefined) params.set('limit', String(limit));
    if (states?.length) params.set('state', states.join(','));
    const qs = params.toString();
    return this.json<RolloutStatus>('GET', `/v1/rollouts/${encodeURIComponent(id)}${qs ? `?${qs}` : ''}`);
  }
  /**
   * What a rollout of this manifest on the channel would decline (nothing is created), or
   * `undefined` when the platform has no preview endpoint (an older platform: the caller cannot tell).
   */
  async previewRollout(req: { manifest: Manifest; channel: string; devices?: string }) {
    const res = await this.send('POST', '/v1/preview', {
      body: Buffer.from(JSON.stringify(req)),
      headers: { 'content-type': 'application/json' },
    });
    if (res.status < 200 || res.status >= 300) {
      const e = responseError(res.status, res.body, 'Previewing the rollout');
      // No such route (`NOT_FOUND`, or a bare 404 from a proxy): an older platform without the endpoint.
      if (res.status === 404 && (e.code === 'NOT_FOUND' || e.code === 'HTTP_404')) return undefined;
      throw e;
    }
    return JSON.parse(res.body) as PreviewResult;
  }
  rollouts(model?: string) {
    return this.json<{ rollouts: Omit<RolloutStatus, 'phases' | 'counts' | 'report' | 'devices'>[] }>(
      'GET',
      `/v1/rollouts${model ? `?model=${encodeURIComponent(model)}` : ''}`,
    ).then((r) => r.rollouts);
  }
  rolloutAction(id: string, action: 'pause' | 'resume' | 'abort') {
    return this.json<RolloutStatus>('POST', `/v1/rollouts/${encodeURIComponent(id)}/${action}`, {});
  }

  /** Does the platform already hold this blob (at this size)? */
  async hasBlob(digest: string, size: number): Promise<boolean> {
    const res = await this.send('HEAD', `/v1/blobs/${digest}`);
    return res.status === 200 && Number(res.headers['content-length']) === size;
  }

  /**
   * Uploads one file (resumable, streamed, hashed as it goes) and returns the digest the server
   * confirmed. `known` (the manifest's SHA-256) lets an already-stored blob be skipped.
   */
  async uploadFile(
    path: string,
    opts: UploadFileOptions = {},
  ): Promise<{ digest: string; size: number; skipped: boolean }> {
    const { size } = await stat(path);
    if (opts.known && (await this.hasBlob(`sha256:${opts.known}`, size))) {
      opts.onBytes?.(size, size);
      return { digest: `sha256:${opts.known}`, size, skipped: true };
    }
    if (opts.known) {
      // The manifest says what the digest should be: send the bytes without hashing them here
      // (the server hashes them anyway). If they are not what the manifest says, the server drops
      // the session; upload again, hashing, so the publish can name the real digest per file.
      try {
        return await this.sendFile(path, size, `sha256:${opts.known}`, opts);
      } catch (e) {
        if (!(e instanceof PlatformError) || e.code !== 'DIGEST_MISMATCH') throw e;
      }
    }
    return this.sendFile(path, size, undefined, opts);
  }

  /** One upload session for a file; hashes the bytes as they go unless the digest is given. */
  private async sendFile(
    path: string,
    size: number,
    claimed: string | undefined,
    opts: UploadFileOptions,
  ): Promise<{ digest: string; size: number; skipped: boolean }> {
    const key = `${claimed ?? 'unhashed'}:${path}:${size}`;
    const resumed = await this.resumeSession(opts.sessions?.get(key));
    const id =
      resumed?.id ?? (await this.json<{ id: string }>('POST', '/v1/uploads', undefined, 'Starting an upload')).id;
    opts.sessions?.set(key, id);
    const at = `/v1/uploads/${id}`;
    let hash: Hash = createHash('sha256'); // unused when the digest is claimed
    let offset = resumed?.offset ?? 0;
    if (offset > size) offset = 0;
    if (offset > 0 && !claimed) {
      for await (const c of createReadStream(path, { start: 0, end: offset - 1, highWaterMark: 1 << 20 }))
        hash.update(c as Buffer);
    }
    if (offset > 0) opts.onBytes?.(offset, size);
    let failures = 0;
    while (offset < size) {
      throwIfAborted(opts.signal);
      if (opts.gate) await opts.gate();
      throwIfAborted(opts.signal);
      const end = Math.min(size, offset + this.chunkBytes) - 1;
      const before = claimed ? hash : hash.copy();
      const h = hash;
      const src = createReadStream(path, { start: offset, end, highWaterMark: 1 << 20 });
      let sent = offset;
      src.on('data', (c) => {
        if (!claimed) h.update(c as Buffer);
        sent += c.length;
        opts.onBytes?.(sent, size);
      });
      let res: RawResponse | undefined;
      let err: Error | undefined;
      try {
        res = await this.send('PATCH', at, {
          body: src,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${end}`,
            'content-length': String(end - offset + 1),
          },
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      }
      if (res && res.status === 202) {
        offset = end + 1;
        failures = 0;
        continue;
      }
      if (err instanceof CancelledError) throw err;
      if (res && !RETRYABLE.has(res.status) && res.status !== 416 && res.status !== 400)
        throw responseError(res.status, res.body, `Uploading ${path}`);
      // Rewind to the chunk start, ask where the server is, and hash forward to that offset.
      if (++failures > this.attempts) throw err ?? responseError(res!.status, res!.body, `Uploading ${path}`);
      await sleep(this.retryDelayMs * 2 ** Math.min(failures - 1, 5), opts.signal);
      const state = await this.json<{ offset: number }>('GET', at, undefined, 'Resuming the upload').catch(
        (e: unknown) => {
          if (e instanceof PlatformError && e.code === 'PLATFORM_UNREACHABLE') return undefined;
          throw e;
        },
      );
      if (!state) continue; // still unreachable: the loop retries the same chunk after the next wait
      hash = before;
      if (state.offset < offset || state.offset > end + 1) {
        throw new PlatformError(
          'UPLOAD_DIVERGED',
          `The server has ${state.offset} bytes of ${path}; expected between ${offset} and ${end + 1}`,
          {
            hint: 'Publish again: a new upload starts from the beginning.',
          },
        );
      }
      if (state.offset > offset && !claimed) {
        for await (const c of createReadStream(path, { start: offset, end: state.offset - 1, highWaterMark: 1 << 20 }))
          hash.update(c as Buffer);
      }
      offset = state.offset;
    }
    const digest = claimed ?? `sha256:${hash.digest('hex')}`;
    // The session ends here whatever the answer (the server drops it on a digest mismatch too).
    opts.sessions?.delete(key);
    const done = await this.json<{ digest: string; size: number }>(
      'PUT',
      `${at}?digest=${encodeURIComponent(digest)}`,
      undefined,
      `Finishing ${path}`,
    );
    return { digest: done.digest, size: done.size, skipped: false };
  }

  /** An earlier upload session to continue, with the bytes the server has; undefined when gone. */
  private async resumeSession(id: string | undefined): Promise<{ id: string; offset: number } | undefined> {
    if (!id) return undefined;
    try {
      const state = await this.json<{ offset: number }>('GET', `/v1/uploads/${id}`, undefined, 'Resuming the upload');
      return { id, offset: state.offset };
    } catch (e) {
      if (e instanceof PlatformError && e.code === 'UPLOAD_UNKNOWN') return undefined;
      throw e;
    }
  }

  /**
   * Downloads a blob the platform stores into `dest`, verified against its digest and size as it
   * streams (a mismatch removes the file). For reviewing a published release locally.
   */
  async downloadBlob(digest: string, size: number, dest: string, signal?: AbortSignal): Promise<void> {
    const url = new URL(`/v1/blobs/${digest}`, this.base);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      ...(signal ? { signal } : {}),
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('error', (e) => reject(signal?.aborted ? new CancelledError() : unreachable(this.base, e)));
      req.on('response', resolve);
      req.end();
    });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) if (chunks.length < 64) chunks.push(c as Buffer);
      throw responseError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), `Downloading ${digest}`);
    }
    const hash = createHash('sha256');
    let got = 0;
    const out = createWriteStream(dest, { flags: 'wx' });
    try {
      await pipeline(
        res,
        new Transform({
          transform(c: Buffer, _e, cb) {
            got += c.length;
            if (got > size) {
              cb(new PlatformError('BLOB_MISMATCH', `${digest} is longer than ${size} bytes`));
              return;
            }
            hash.update(c);
            cb(null, c);
          },
        }),
        out,
        ...(signal ? [{ signal }] : []),
      );
      const actual = `sha256:${hash.digest('hex')}`;
      if (got !== size || actual !== digest)
        throw new PlatformError('BLOB_MISMATCH', `The platform sent ${got} bytes hashing to ${actual}, not ${digest}`, {
          hint: 'The platform store may be damaged; ask its operator to check the blob.',
        });
    } catch (e) {
      await rm(dest, { force: true });
      throw e;
    }
  }

  /**
   * What `publishDir` uploads, in order: every package file (hidden ones left out) and the
   * signature last, with sizes and the SHA-256 the manifest records (lets a stored blob be skipped).
   */
  async uploadPlan(dir: string, signal?: AbortSignal): Promise<UploadPlanFile[]> {
    const { manifest } = await loadManifest(dir);
    const paths = (await listPackageFiles(dir, signal ? { signal } : {})).filter(
      (p) => !p.split('/').some((s) => s.startsWith('.')),
    );
    const sig = await stat(join(dir, SIGNATURE_FILE)).catch(() => undefined);
    if (sig?.isFile()) paths.push(SIGNATURE_FILE);
    const known = new Map<string, string>();
    for (const f of manifest.artifact.files)
      if (typeof f.sha256 === 'string') known.set(f.path, f.sha256.toLowerCase());
    if (manifest.sbom?.file && manifest.sbom.sha256) known.set(manifest.sbom.file, manifest.sbom.sha256.toLowerCase());
    return Promise.all(
      paths.map(async (p) => {
        const k = known.get(p);
        return { path: p, size: (await stat(join(dir, p))).size, ...(k ? { known: k } : {}) };
      }),
    );
  }

  /** `fleetpack publish DIR`: upload every package file, then publish them in one request. */
  async publishDir(dir: string, opts: PublishDirOptions = {}): Promise<PublishResult> {
    const plan = await this.uploadPlan(dir, opts.signal);
    const allTotal = plan.reduce((a, f) => a + f.size, 0);
    let allDone = 0;
    const files: IncomingFile[] = [];
    for (const f of plan) {
      const base = allDone;
      const p = f.path;
      const up = await this.uploadFile(join(dir, p), {
        ...(f.known ? { known: f.known } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.sessions ? { sessions: opts.sessions } : {}),
        ...(opts.gate ? { gate: opts.gate } : {}),
        onBytes: (done, total) =>
          opts.onProgress?.({ file: p, bytesDone: done, bytesTotal: total, allDone: base + done, allTotal }),
      });
      allDone = base + f.size;
      if (up.skipped)
        opts.onProgress?.({ file: p, bytesDone: up.size, bytesTotal: up.size, allDone, allTotal, skipped: true });
      files.push({ path: p, digest: up.digest, size: up.size });
    }
    return this.publishFiles(files, opts.channel);
  }

  /**
   * Whether the platform keeps a device registry it can preview a rollout against. A platform
   * without one answers 404 for it: the caller must say "cannot tell", never "no device declines".
   */
  async deviceRegistry(): Promise<{ available: true } | { available: false; reason: string }> {
    const res = await this.send('GET', '/v1/devices?limit=1');
    if (res.status >= 200 && res.status < 300) return { available: true };
    if (res.status === 404)
      return { available: false, reason: 'this platform keeps no device registry (it has no device API)' };
    throw responseError(res.status, res.body, 'Asking the platform for its devices');
  }
}

export interface UploadPlanFile {
  path: string;
  size: number;
  /** The manifest's SHA-256 (hex) for this file, when it records one. */
  known?: string;
}
