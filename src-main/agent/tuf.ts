/**
 * The agent's TUF layer, over tuf-js 5.0.1 (pinned): metadata from the platform's device facade,
 * starting from the provisioned root, with the device token on every request. Metadata files are
 * written atomically (temp + rename + fsync), so a power cut never leaves a torn `root.json`; a
 * local root that cannot be read is replaced by the provisioned one (the trust the device started
 * with) and walked forward again. Targets download to a partial file that survives a lost
 * connection or a restart, so the next attempt asks only for the rest (`Range`); tuf-js then
 * verifies the whole file by length and hash and copies it into place. A partial whose whole
 * does not verify is deleted: the next attempt starts from zero.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type TargetFile, Updater, BaseFetcher } from 'tuf-js';
// tuf-js's download errors (404 ends the root walk; a length past the signed one) are exported only
// from dist (kept by the exact pin).
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { AgentError, messageOf } from '../errors.js';
import { Watchdog } from '../watchdog.js';

export interface TufOptions {
  /** Folder for trusted metadata (root.json, timestamp.json, …). */
  metadataDir: string;
  /** Provisioned root (`1.root.json` from `platform init`), copied in on first use. */
  rootFile?: string;
  metadataUrl: string;
  targetUrl: string;
  /** Bearer token sent on every request (the device token). */
  token?: string;
  /** Request timeout (ms). */
  timeoutMs?: number;
  /** A fetch to use instead of the global one (tests: an in-memory repository). */
  fetch?: FetchLike;
  /** Folder for partial target downloads, resumed with `Range` (none: every attempt starts over). */
  partialDir?: string;
}

/** The part of the global fetch the agent uses. */
export type FetchLike = (
  url: string,
  init: { method?: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<Response>;

/** Where resumable target downloads go, and which URLs are targets (metadata is never resumed). */
export interface PartialTargets {
  dir: string;
  targetUrl: string;
}

/**
 * Fetches with the device token; HTTP errors become tuf-js's DownloadHTTPError (404 ends the root
 * walk). Target downloads are resumable when `partial` is given: see `downloadFile`.
 */
export class TokenFetcher extends BaseFetcher {
  constructor(
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
    private readonly doFetch: FetchLike = (url, init) => fetch(url, init),
    private readonly partial?: PartialTargets,
  ) {
    super();
  }

  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    return (await this.get(url, 0, AbortSignal.timeout(this.timeoutMs))).body;
  }

  /** GET from byte `from` (a `Range` request when > 0); `resumed` says whether the answer starts there. */
  private async get(
    url: string,
    from: number,
    signal: AbortSignal,
  ): Promise<{ body: ReadableStream<Uint8Array<ArrayBuffer>>; resumed: boolean }> {
    const headers: Record<string, string> = { 'user-agent': 'fleetpack-agent' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (from > 0) headers.range = `bytes=${from}-`;
    const res = await this.doFetch(url, { headers, signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadHTTPError(`GET ${new URL(url).pathname} answered ${res.status}`, res.status);
    }
    // Only a 206 whose range starts where the partial ends continues it; anything else is the whole file.
    const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
    return { body: res.body, resumed: from > 0 && res.status === 206 && Number(start) === from };
  }

  /**
   * tuf-js's download, made resumable for targets: bytes go to a partial file named after the URL
   * (the URL carries the target's hash), kept when the connection fails, continued with `Range`
   * next time. The length cap counts the partial's bytes too. After the handler (tuf-js's length
   * and hash check, then the copy into place) the partial is deleted, whether it verified or not.
   */
  override async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const p = this.partial;
    if (!p || !url.startsWith(p.targetUrl)) return super.downloadFile(url, maxLength, handler);
    mkdirSync(p.dir, { recursive: true });
    const name = `${createHash('sha256').update(url).digest('hex')}.part`;
    const file = join(p.dir, name);
    // One download at a time: a partial of another target was abandoned (a new assignment).
    for (const other of readdirSync(p.dir)) if (other !== name) rmSync(join(p.dir, other), { force: true });
    let have = existsSync(file) ? statSync(file).size : 0;
    if (have > maxLength) have = 0;
    // All there already (the agent stopped before checking it): verify without asking again.
    if (have > 0 && have === maxLength) return this.finish(file, handler);
    // The timeout is for silence, not for the whole body: a big model on a slow link still arrives.
    const dog = new Watchdog(this.timeoutMs);
    let fd: number | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
    let ended = false;
    try {
      // A range the server cannot serve (416): the partial is no prefix of its file; start over.
      const answer = await this.get(url, have, dog.signal).catch((e: unknown) => {
        if (have > 0 && e instanceof DownloadHTTPError && e.statusCode === 416) return this.get(url, 0, dog.signal);
        throw e;
      });
      const { body, resumed } = answer;
      if (!resumed) have = 0;
      fd = openSync(file, resumed ? 'a' : 'w');
      let total = have;
      reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        dog.touch();
        if ((ended = done)) break;
        total += value.length;
        if (total > maxLength) {
          rmSync(file, { force: true });
          throw new DownloadLengthMismatchError(`More than the signed ${maxLength} bytes`);
        }
        writeSync(fd, value);
      }
    } finally {
      dog.stop();
      if (!ended) await reader?.cancel().catch(() => undefined);
      reader?.releaseLock();
      if (fd !== undefined) closeSync(fd);
    }
    return this.finish(file, handler);
  }

  /** tuf-js's check and copy, then the partial goes: it verified (and was copied) or it never will. */
  private async finish<T>(file: string, handler: (file: string) => Promise<T>): Promise<T> {
    try {
      return await handler(file);
    } finally {
      rmSync(file, { force: true });
    }
  }
}

/** Writes a file so that a crash leaves either the old or the new content: temp, fsync, rename, fsync the folder. */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(join(path, '..'));
}

export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a folder; the rename is still atomic
  }
}

/**
 * Whether a failure is the network's, not the data's (through `cause`s): no answer, a dropped
 * connection, a timeout, a 5xx/408/429. Such a download is retried later and resumed; it is no
 * verdict on the release. Anything else (a hash, a length, a signature) is.
 */
export function isNetworkFault(e: unknown): boolean {
  for (let x = e, depth = 0; x instanceof Error && depth < 8; x = x.cause, depth++) {
    if (x instanceof DownloadHTTPError) return x.statusCode >= 500 || x.statusCode === 408 || x.statusCode === 429;
    if (x.name === 'TimeoutError' || x.name === 'AbortError') return true;
    const code = (x as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^(ECONN|EPIPE|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN|UND_ERR_)/.test(code))
      return true;
    if (x instanceof TypeError && /fetch failed|terminated/.test(x.message)) return true;
  }
  return false;
}

/** A TUF error as a typed agent error (the class name tells which check refused). */
export function tufError(e: unknown, what: string): AgentError {
  if (e instanceof AgentError) return e;
  const kind = e instanceof Error ? e.constructor.name : 'Error';
  return new AgentError('TUF_REFUSED', `${what}: ${kind}: ${messageOf(e)}`, {
    hint: 'The signed update metadata did not verify; the device keeps its current model. Check the platform and the provisioned root.',
    cause: e,
  });
}

export class TufClient {
  private updater: Updater | undefined;

  constructor(readonly opts: TufOptions) {
    mkdirSync(opts.metadataDir, { recursive: true });
  }

  /** Seeds root.json from the provisioned root when it is missing or unreadable. */
  private ensureRoot(): void {
    const root = join(this.opts.metadataDir, 'root.json');
    let ok = false;
    if (existsSync(root)) {
      try {
        JSON.parse(readFileSync(root, 'utf8'));
        ok = true;
      } catch {
        ok = false;
      }
    }
    if (ok) return;
    if (!this.opts.rootFile)
      throw new AgentError('TUF_NO_ROOT', `No trusted root in ${this.opts.metadataDir}`, {
        hint: 'Provision the device with the platform root (`1.root.json` from `fleetpack platform init`): --root FILE.',
      });
    copyFileSync(this.opts.rootFile, `${root}.tmp`);
    renameSync(`${root}.tmp`, root);
    syncDir(this.opts.metadataDir);
  }

  private newUpdater(): Updater {
    this.ensureRoot();
    let u: Updater;
    try {
      u = new Updater({
        metadataDir: this.opts.metadataDir,
        metadataBaseUrl: this.opts.metadataUrl,
        targetBaseUrl: this.opts.targetUrl,
        fetcher: new TokenFetcher(
          this.opts.token,
          this.opts.timeoutMs ?? 60_000,
          this.opts.fetch,
          this.opts.partialDir ? { dir: this.opts.partialDir, targetUrl: this.opts.targetUrl } : undefined,
        ),
        config: { fetchTimeout: this.opts.timeoutMs ?? 60_000 },
      });
    } catch (e) {
      throw tufError(e, 'The trusted root does not load');
    }
    // tuf-js writes metadata with writeFileSync; make every write durable and atomic.
    const dir = this.opts.metadataDir;
    (u as unknown as { persistMetadata: (name: string, bytes: Buffer) => void }).persistMetadata = (name, bytes) =>
      writeFileDurable(join(dir, `${encodeURIComponent(name)}.json`), bytes);
    return u;
  }

  /** Refreshes top-level metadata (root walk, timestamp, snapshot, targets). A new Updater each time: tuf-js refreshes once per instance. */
  async refresh(): Promise<void> {
    this.updater = this.newUpdater();
    try {
      await this.updater.refresh();
    } catch (e) {
      this.updater = undefined;
      throw tufError(e, 'Refreshing the update metadata failed');
    }
  }

  /** The signed entry for a target path (walks the hash bins), or undefined when no signed metadata lists it. */
  async targetInfo(path: string): Promise<TargetFile | undefined> {
    if (!this.updater) await this.refresh();
    try {
      return await this.updater!.getTargetInfo(path);
    } catch (e) {
      throw tufError(e, `Looking up ${path} in the signed metadata failed`);
    }
  }

  /** Downloads a target to `dest` (verified by length and hashes), or reuses a verified copy already there. */
  async download(info: TargetFile, dest: string): Promise<string> {
    if (!this.updater) await this.refresh();
    try {
      const cached = await this.updater!.findCachedTarget(info, dest);
      if (cached) return cached;
      return await this.updater!.downloadTarget(info, dest);
    } catch (e) {
      throw tufError(e, `Downloading ${info.path} failed`);
    }
  }
}
