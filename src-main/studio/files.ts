/**
 * Opaque handles for files and folders the Node side holds. The renderer only ever sees a
 * handle, a base name and a size; paths stay here. Uploads (browser host) are streamed into the
 * session's own working folder with a size cap.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { EventEmitter } from 'node:events';
import { open as openFile } from 'node:fs/promises';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { UsageError } from '../errors.js';
import type { FileRef, FolderRef, Handle } from './contract.js';
import { ArrivingFile, BLOCK, type RangeRequest } from './arriving.js';

export interface Held {
  handle: Handle;
  /** 'dest': a folder the package may be saved into (listed under the allowed root, or chosen in a dialog). */
  kind: 'file' | 'folder' | 'dest';
  path: string;
  name: string;
  size: number;
  /** Set while the file is still arriving from the browser (see arriving.ts). */
  arriving?: ArrivingFile;
  /** An upload's own folder under the upload root (removed when the upload is released). */
  uploadDir?: string;
  /** For a destination: the folder names from the allowed root down to it. */
  trail?: string[];
}

/** Default cap for one uploaded file; override with FLEETPACK_STUDIO_MAX_UPLOAD (bytes). */
export const DEFAULT_MAX_UPLOAD = 16 * 1024 ** 3;
/** Default cap for all uploads a session holds at once; override with FLEETPACK_STUDIO_MAX_UPLOADS_TOTAL. */
export const DEFAULT_MAX_UPLOADS_TOTAL = 32 * 1024 ** 3;
/** One answer to a range request carries at most this many bytes. */
const MAX_RANGES_BYTES = 16 * 1024 * 1024;

export class FileTable {
  private readonly held = new Map<Handle, Held>();
  private seq = 0;
  private readonly ranges = new EventEmitter();

  constructor(
    private readonly uploadRoot: string,
    /** Bytes all uploads held at once may take; a new upload over it is refused (UPLOADS_FULL). */
    private readonly maxTotalBytes = DEFAULT_MAX_UPLOADS_TOTAL,
  ) {}

  /** Bytes the session's uploads take now (whole files, as declared or received). */
  uploadedBytes(): number {
    let n = 0;
    for (const h of this.held.values()) if (h.uploadDir && h.kind === 'file') n += h.size;
    return n;
  }

  private checkRoom(size: number): void {
    const used = this.uploadedBytes();
    if (used + size > this.maxTotalBytes) {
      const mib = (b: number) => `${Math.ceil(b / 1024 ** 2)} MiB`;
      throw new UsageError(
        'UPLOADS_FULL',
        `This page already holds ${mib(used)} of uploads; ${mib(size)} more would pass the ${mib(this.maxTotalBytes)} cap`,
        {
          hint: 'Files you replaced are dropped automatically; close other Studio tabs, or raise FLEETPACK_STUDIO_MAX_UPLOADS_TOTAL.',
        },
      );
    }
  }

  /**
   * Drops an upload the page no longer uses (a replaced model, say): its copy on disk goes, and
   * its handle stops working. Files the user chose in place (the desktop app) are never touched.
   */
  async release(handle: unknown): Promise<void> {
    const h = typeof handle === 'string' ? this.held.get(handle) : undefined;
    if (!h?.uploadDir) return;
    this.held.delete(h.handle);
    h.arriving?.fail(new UsageError('UPLOAD_RELEASED', `${h.name} was replaced`));
    await rm(h.uploadDir, { recursive: true, force: true });
  }

  /** A folder the package may be saved into; `trail` names it for display (never the path). */
  addDestination(path: string, trail: string[]): FolderRef {
    const handle = this.newHandle('s');
    const name = trail.at(-1) ?? basename(path);
    this.held.set(handle, { handle, kind: 'dest', path, name, size: 0, trail });
    return { handle, name, files: 0 };
  }

  destination(handle: unknown): Held {
    return this.get(handle, 'dest');
  }

  /** Registers a file the Node side may read (a dropped or chosen file, an uploaded copy). */
  async addFile(path: string, name = basename(path)): Promise<FileRef> {
    const st = await statOrThrow(path);
    if (!st.isFile())
      throw new UsageError('NOT_A_FILE', `${name} is not a regular file`, { hint: 'Drop or choose a file.' });
    const handle = this.newHandle('f');
    this.held.set(handle, { handle, kind: 'file', path, name, size: st.size });
    return { handle, name, size: st.size };
  }

  async addFolder(path: string, name = basename(path)): Promise<FolderRef> {
    const st = await statOrThrow(path);
    if (!st.isDirectory())
      throw new UsageError('NOT_A_FOLDER', `${name} is not a folder`, { hint: 'Choose a package folder.' });
    const handle = this.newHandle('d');
    const files = (await readdir(path, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).length;
    this.held.set(handle, { handle, kind: 'folder', path, name, size: 0 });
    return { handle, name, files };
  }

  file(handle: unknown): Held {
    return this.get(handle, 'file');
  }

  folder(handle: unknown): Held {
    return this.get(handle, 'folder');
  }

  /** A fresh folder under the upload root, for a multi-file upload (a package folder). */
  async newUploadFolder(name: string): Promise<FolderRef> {
    const dir = join(this.uploadRoot, `${this.seq++}-${randomBytes(4).toString('hex')}`, safeName(name));
    await mkdir(dir, { recursive: true });
    return this.addFolder(dir, safeName(name));
  }

  /**
   * Streams an upload to disk. `relPath` may name a file inside an uploaded folder
   * ('pkg/sbom.cdx.json' style, no '..'); without `folder` the file gets its own folder.
   */
  async upload(
    body: Readable,
    relPath: string,
    opts: { folder?: Handle; maxBytes: number; declaredSize?: number },
  ): Promise<FileRef> {
    const parts = relPath
      .split(/[\\/]+/)
      .filter((p) => p.length > 0)
      .map(safeName);
    if (parts.length === 0)
      throw new UsageError('BAD_NAME', 'The upload has no file name', { hint: 'Send ?name=FILE.' });
    if (opts.declaredSize !== undefined && opts.declaredSize > opts.maxBytes) throw tooBig(opts.maxBytes);
    this.checkRoom(opts.declaredSize ?? 0);
    const own =
      opts.folder === undefined ? join(this.uploadRoot, `${this.seq++}-${randomBytes(4).toString('hex')}`) : undefined;
    const base = own ?? this.folder(opts.folder).path;
    const target = join(base, ...parts);
    if (relative(base, target).startsWith('..') || relative(base, target).split(sep).includes('..')) {
      throw new UsageError('BAD_NAME', 'The upload name leaves its folder', { hint: 'Use a plain relative name.' });
    }
    await mkdir(join(target, '..'), { recursive: true });
    let seen = 0;
    const room = this.maxTotalBytes - this.uploadedBytes();
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        if (seen > opts.maxBytes) cb(tooBig(opts.maxBytes));
        else if (seen > room) cb(full());
        else cb(null, chunk);
      },
    });
    const full = () => {
      try {
        this.checkRoom(seen);
      } catch (e) {
        return e as UsageError;
      }
      return new UsageError('UPLOADS_FULL', 'The uploads cap was reached');
    };
    try {
      await pipeline(body, cap, createWriteStream(target, { flags: 'wx' }));
    } catch (e) {
      await rm(own ?? target, { recursive: true, force: true });
      if (e instanceof UsageError) throw e;
      throw new UsageError('UPLOAD_FAILED', `The upload of ${parts.at(-1)} did not complete`, {
        hint: 'Drop the file again.',
        cause: e,
      });
    }
    const ref = await this.addFile(target, parts.at(-1));
    if (own) this.held.get(ref.handle)!.uploadDir = own;
    return ref;
  }

  /** Replaces every held path (and the working folder) in a message by the file's display name. */
  scrub(text: string): string {
    let out = text;
    const held = [...this.held.values()].sort((a, b) => b.path.length - a.path.length);
    for (const h of held) out = out.split(h.path).join(h.name);
    return out.split(join(this.uploadRoot, '..')).join('…');
  }

  /** Range requests of every arriving file, for the transport to forward to the browser. */
  onRangeRequest(listener: (r: RangeRequest) => void): () => void {
    this.ranges.on('range', listener);
    return () => this.ranges.off('range', listener);
  }

  /**
   * Starts a file that the browser will send in chunks (any order): the file is created at its
   * final size now, so it can be opened (and its header read) while the bytes arrive.
   */
  async startArriving(relName: string, size: number, maxBytes: number): Promise<FileRef & { upload: string }> {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new UsageError('BAD_SIZE', 'The upload size is not a valid number', { hint: 'Send ?size=BYTES.' });
    if (size > maxBytes) throw tooBig(maxBytes);
    this.checkRoom(size);
    const name = safeName(relName);
    const dir = join(this.uploadRoot, `${this.seq++}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    const fh = await openFile(path, 'wx');
    try {
      await fh.truncate(size);
    } finally {
      await fh.close();
    }
    const handle = this.newHandle('f');
    const arriving = new ArrivingFile(handle, size);
    arriving.onRangeRequest((r) => this.ranges.emit('range', r));
    const held: Held = { handle, kind: 'file', path, name, size, arriving, uploadDir: dir };
    this.held.set(handle, held);
    void arriving.done.then(
      () => delete held.arriving,
      () => {},
    );
    return { handle, name, size, upload: handle };
  }

  /**
   * Writes the answer to a range request: `ranges` (each inside the file, 16 KiB aligned) whose
   * bytes come one after the other in `body`, at most MAX_RANGES_BYTES in all.
   */
  async writeRanges(handle: unknown, spec: string, body: Readable): Promise<{ received: number; complete: boolean }> {
    const held = this.file(handle);
    const arriving = held.arriving;
    const ranges = spec.split(',').map((r) => r.split(':').map(Number) as [number, number]);
    const total = ranges.reduce((n, [, len]) => n + len, 0);
    const valid = ranges.every(
      ([o, l]) =>
        Number.isSafeInteger(o) && Number.isSafeInteger(l) && o >= 0 && l > 0 && o % BLOCK === 0 && o + l <= held.size,
    );
    if (!valid || total > MAX_RANGES_BYTES) {
      body.resume();
      throw new UsageError('BAD_RANGES', 'Invalid ranges for this file', {
        hint: 'Ranges are OFFSET:LENGTH inside the file, 16 KiB aligned.',
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of body) {
        size += (c as Buffer).length;
        if (size > total) throw new UsageError('BAD_RANGES', 'More bytes than the ranges name');
        chunks.push(c as Buffer);
      }
    } catch (e) {
      throw e instanceof UsageError ? e : interrupted(held.name, e);
    }
    if (size !== total) throw new UsageError('BAD_RANGES', 'Fewer bytes than the ranges name');
    if (!arriving) return { received: held.size, complete: true };
    const data = Buffer.concat(chunks);
    const fh = await openFile(held.path, 'r+');
    try {
      let at = 0;
      for (const [o, l] of ranges) {
        await fh.write(data, at, l, o);
        at += l;
      }
    } finally {
      await fh.close();
    }
    for (const [o, l] of ranges) arriving.wrote(o, l);
    return { received: arriving.received, complete: arriving.complete };
  }

  /** Writes one chunk of an arriving file at `offset` (whole blocks, or the file's tail). */
  async writeChunk(handle: unknown, offset: number, body: Readable): Promise<{ received: number; complete: boolean }> {
    const held = this.file(handle);
    const arriving = held.arriving;
    if (!arriving) {
      body.resume();
      return { received: held.size, complete: true };
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % BLOCK !== 0 || offset > held.size) {
      body.resume();
      throw new UsageError('BAD_OFFSET', 'Chunk offset out of range', {
        hint: 'Offsets are multiples of 16 KiB inside the file.',
      });
    }
    let written = 0;
    const limit = held.size - offset;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (written > limit) cb(new UsageError('CHUNK_TOO_LONG', 'Chunk runs past the end of the file'));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(body, cap, createWriteStream(held.path, { flags: 'r+', start: offset }));
    } catch (e) {
      throw e instanceof UsageError ? e : interrupted(held.name, e);
    }
    arriving.wrote(offset, written);
    return { received: arriving.received, complete: arriving.complete };
  }

  private get(handle: unknown, kind: Held['kind']): Held {
    const h = typeof handle === 'string' ? this.held.get(handle) : undefined;
    if (!h || h.kind !== kind) {
      throw new UsageError('UNKNOWN_HANDLE', `That ${kind} is no longer open in this session`, {
        hint: `Drop or choose the ${kind} again.`,
      });
    }
    return h;
  }

  private newHandle(prefix: string): Handle {
    return `${prefix}_${randomBytes(12).toString('hex')}`;
  }
}

/** Longest base name created, in UTF-8 bytes (file systems allow 255 bytes, not characters). */
export const MAX_NAME_BYTES = 200;

/**
 * A base name safe to create on any OS: no separators, no control chars, at most 200 UTF-8 bytes
 * (a long non-ASCII name keeps its start and its extension, cut on a character boundary).
 */
export function safeName(name: string): string {
  const cleaned = basename(name.replace(/\\/g, '/'))
    .replace(/[\p{Cc}<>:"|?*]/gu, '_')
    .replace(/^\.+$/, '_');
  if (cleaned.length === 0) return 'upload';
  if (Buffer.byteLength(cleaned) <= MAX_NAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && Buffer.byteLength(cleaned.slice(dot)) <= 16 ? cleaned.slice(dot) : '';
  let stem = '';
  for (const ch of cleaned.slice(0, cleaned.length - ext.length)) {
    if (Buffer.byteLength(stem + ch + ext) > MAX_NAME_BYTES) break;
    stem += ch;
  }
  return stem + ext;
}

/** The page went away (tab closed, reload) while sending: normal, not an internal error. */
function interrupted(name: string, cause: unknown): UsageError {
  return new UsageError('UPLOAD_INTERRUPTED', `Sending ${name} was interrupted`, {
    hint: 'Drop the file again.',
    cause,
  });
}

function tooBig(max: number): UsageError {
  return new UsageError(
    'UPLOAD_TOO_LARGE',
    `The file is larger than the ${Math.round(max / 1024 ** 2)} MiB upload limit`,
    {
      hint: 'Use the desktop app or the CLI for files this large, or raise FLEETPACK_STUDIO_MAX_UPLOAD.',
    },
  );
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    throw new UsageError('FILE_NOT_FOUND', `Cannot open ${basename(path)}`, {
      hint: 'Check that the file still exists.',
      cause: e,
    });
  }
}
