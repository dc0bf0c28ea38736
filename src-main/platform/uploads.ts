/**
 * Resumable upload sessions, the OCI distribution protocol's shape: create a session, append
 * chunks at the offset the server has (`Content-Range` start must equal it), finish with the
 * digest the client expects. Bytes stream to a file in the data folder and through SHA-256 as they
 * arrive (constant memory at any size); the server's own digest decides. A dropped connection
 * keeps what arrived, so the client asks for the offset and continues; after a server restart
 * the hash of the bytes so far is recomputed from the file once.
 */
import { createHash, type Hash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PlatformError } from '../errors.js';

const ID_RE = /^[0-9a-f]{32}$/;
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export interface UploadLimits {
  /** Largest blob accepted (bytes). */
  maxBlobBytes: number;
  /** Sessions untouched for this long are removed by sweep(). */
  ttlMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxBlobBytes: 64 * 1024 ** 3, ttlMs: 24 * 3600_000 };

interface SessionMeta {
  owner: string;
  created: string;
}

interface Live {
  hash: Hash;
  /** Bytes hashed so far; equals the file size while no write failed. */
  offset: number;
  busy: boolean;
}

export interface FinishedUpload {
  /** The received file, to be adopted by the blob store (then removed). */
  file: string;
  digest: string;
  size: number;
}

function unknown(id: string): PlatformError {
  return new PlatformError('UPLOAD_UNKNOWN', `No upload session ${id.slice(0, 40)}`, {
    hint: 'Start a new upload (POST /v1/uploads); sessions expire after a day without activity.',
  });
}

export class UploadSessions {
  private readonly live = new Map<string, Live>();

  constructor(
    readonly dir: string,
    readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {}

  private data(id: string) {
    return join(this.dir, `${id}.data`);
  }

  private meta(id: string) {
    return join(this.dir, `${id}.json`);
  }

  async create(owner: string, now = new Date()): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const id = randomBytes(16).toString('hex');
    await writeFile(this.data(id), '', { flag: 'wx' });
    await writeFile(this.meta(id), JSON.stringify({ owner, created: now.toISOString() } satisfies SessionMeta));
    this.live.set(id, { hash: createHash('sha256'), offset: 0, busy: false });
    return id;
  }

  /** The session's owner check and current offset (bytes received). */
  async status(id: string, owner: string): Promise<number> {
    await this.check(id, owner);
    return (await stat(this.data(id))).size;
  }

  private async check(id: string, owner: string): Promise<void> {
    if (!ID_RE.test(id)) throw unknown(id);
    let meta: SessionMeta;
    try {
      meta = JSON.parse(await readFile(this.meta(id), 'utf8')) as SessionMeta;
    } catch {
      throw unknown(id);
    }
    // Another token's session is as good as absent: ids are not secrets, ownership is.
    if (meta.owner !== owner) throw unknown(id);
  }

  /** Hash state at the file's current end, recomputed from disk when the in-memory one is gone. */
  private async liveState(id: string): Promise<Live> {
    const size = (await stat(this.data(id))).size;
    const cur = this.live.get(id);
    if (cur && cur.offset === size) return cur;
    const hash = createHash('sha256');
    for await (const c of createReadStream(this.data(id), { highWaterMark: 1 << 20 })) hash.update(c as Buffer);
    const fresh: Live = { hash, offset: size, busy: cur?.busy ?? false };
    this.live.set(id, fresh);
    return fresh;
  }

  /**
   * Appends `body` at `start`, which must be the current offset. With `length` the chunk must be
   * exactly that long. Returns the new offset. A body cut short keeps what arrived and throws.
   */
  async append(id: string, owner: string, body: Readable, start: number | undefined, length?: number): Promise<number> {
    await this.check(id, owner);
    const state = await this.liveState(id);
    if (state.busy) {
      body.resume();
      throw new PlatformError('UPLOAD_BUSY', 'Another request is writing to this upload session', {
        hint: 'Wait for it to end (or time out), then ask for the offset and continue.',
      });
    }
    if (start !== undefined && start !== state.offset) {
      body.resume();
      throw new RangeMismatch(state.offset, start);
    }
    state.busy = true;
    const begin = state.offset;
    let received = 0;
    const max = this.limits.maxBlobBytes;
    try {
      await pipeline(
        body,
        async function* (src: AsyncIterable<Buffer>) {
          for await (const c of src) {
            received += c.length;
            if (length !== undefined && received > length) throw new TooLong('chunk');
            if (begin + received > max) throw new TooLong('blob');
            state.hash.update(c);
            state.offset += c.length;
            yield c;
          }
        },
        createWriteStream(this.data(id), { flags: 'a' }),
      );
    } catch (e) {
      // The file may hold fewer bytes than were hashed: recompute from disk next time.
      this.live.delete(id);
      if (e instanceof TooLong) {
        await this.truncateTo(id, begin);
        throw e.kind === 'chunk'
          ? new PlatformError('UPLOAD_CHUNK_TOO_LONG', `The chunk is longer than its Content-Range (${length} bytes)`, {
              hint: 'Send exactly the bytes the Content-Range names.',
            })
          : new PlatformError('UPLOAD_TOO_LARGE', `The blob would exceed ${max} bytes`, {
              hint: 'Files larger than the platform limit cannot be published.',
            });
      }
      throw new PlatformError('UPLOAD_INTERRUPTED', 'The connection ended before the chunk was complete', {
        hint: 'Ask for the offset (GET the upload) and send the rest from there.',
        cause: e,
      });
    } finally {
      const s = this.live.get(id);
      if (s) s.busy = false;
    }
    if (length !== undefined && received !== length) {
      throw new PlatformError('UPLOAD_INTERRUPTED', `The chunk ended after ${received} of ${length} bytes`, {
        hint: 'Ask for the offset (GET the upload) and send the rest from there.',
      });
    }
    return state.offset;
  }

  private async truncateTo(id: string, size: number) {
    await truncate(this.data(id), size);
  }

  /** Ends the session: the server's digest must equal `digest`, else the session is dropped. */
  async finish(id: string, owner: string, digest: string): Promise<FinishedUpload> {
    if (!DIGEST_RE.test(digest)) {
      throw new PlatformError('DIGEST_INVALID', `"${digest.slice(0, 80)}" is not a sha256 digest`, {
        hint: 'Give ?digest=sha256:<64 lower-case hex digits>.',
      });
    }
    await this.check(id, owner);
    const state = await this.liveState(id);
    if (state.busy) throw new PlatformError('UPLOAD_BUSY', 'Another request is writing to this upload session');
    const actual = `sha256:${state.hash.copy().digest('hex')}`;
    if (actual !== digest) {
      await this.remove(id);
      throw new PlatformError('DIGEST_MISMATCH', `The uploaded bytes have digest ${actual}, not ${digest}`, {
        hint: 'The file changed during the upload or was corrupted in transit: upload it again.',
      });
    }
    this.live.delete(id);
    await rm(this.meta(id), { force: true });
    return { file: this.data(id), digest, size: state.offset };
  }

  async remove(id: string): Promise<void> {
    if (!ID_RE.test(id)) return;
    this.live.delete(id);
    await rm(this.data(id), { force: true });
    await rm(this.meta(id), { force: true });
  }

  /** Removes sessions idle for longer than the TTL (and data files left by finished ones). */
  async sweep(now = Date.now()): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const n of names) {
      const m = /^([0-9a-f]{32})\.data$/.exec(n);
      if (!m || this.live.get(m[1]!)?.busy) continue;
      const st = await stat(join(this.dir, n)).catch(() => undefined);
      if (st && now - st.mtimeMs > this.limits.ttlMs) {
        await this.remove(m[1]!);
        removed++;
      }
    }
    return removed;
  }
}

class TooLong extends Error {
  constructor(readonly kind: 'chunk' | 'blob') {
    super(kind);
  }
}

/** A chunk that does not start where the session ends (HTTP 416 with the current range). */
export class RangeMismatch extends PlatformError {
  constructor(
    readonly offset: number,
    start: number,
  ) {
    super('UPLOAD_RANGE_INVALID', `The chunk starts at byte ${start} but the upload has ${offset} bytes`, {
      hint: `Send the next chunk from byte ${offset} (Content-Range: ${offset}-…).`,
    });
  }
}
