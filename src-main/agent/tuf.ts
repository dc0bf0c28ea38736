/**
 * The agent's TUF layer, over tuf-js 5.0.1 (pinned): metadata from the platform's device facade,
 * starting from the provisioned root, with the device token on every request. Metadata files are
 * written atomically (temp + rename + fsync), so a power cut never leaves a torn `root.json`; a
 * local root that cannot be read is replaced by the provisioned one (the trust the device started
 * with) and walked forward again. Targets download to a temp file, are verified by length and
 * hash as tuf-js reads them, then copied into place.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type TargetFile, Updater, BaseFetcher } from 'tuf-js';
// The one error class that ends the root walk on 404; tuf-js exports it only from dist (kept by the exact pin).
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { AgentError, messageOf } from '../errors.js';

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
}

/** The part of the global fetch the agent uses. */
export type FetchLike = (
  url: string,
  init: { method?: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<Response>;

/** Fetches with the device token; HTTP errors become tuf-js's DownloadHTTPError (404 ends the root walk). */
export class TokenFetcher extends BaseFetcher {
  constructor(
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
    private readonly doFetch: FetchLike = (url, init) => fetch(url, init),
  ) {
    super();
  }

  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const headers: Record<string, string> = { 'user-agent': 'fleetpack-agent' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await this.doFetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadHTTPError(`GET ${new URL(url).pathname} answered ${res.status}`, res.status);
    }
    return res.body;
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
        fetcher: new TokenFetcher(this.opts.token, this.opts.timeoutMs ?? 60_000, this.opts.fetch),
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
