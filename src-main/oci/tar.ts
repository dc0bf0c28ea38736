/**
 * Tar, the one reader and writer. `untar` unpacks a tar layer (ModelPack `…v1.tar`,
 * `…v1.tar+gzip`, as KitOps and modctl without --raw write them) into a folder, streaming:
 * regular files and folders only (POSIX ustar, GNU long names, pax `path`/`size` records). Links,
 * devices and paths that would leave the folder are refused with a typed error; header checksums
 * are checked; memory is bounded by one 512-byte header plus a capped pax record, never by an
 * entry's size. `tarStream` writes one (a package downloaded from the Studio's browser host),
 * streaming, in the form `untar` reads.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { OciError, throwIfAborted } from '../errors.js';
import { checkLayerPath } from './modelpack.js';

const BLOCK = 512;
const MAX_META = 1024 * 1024;

function bad(message: string, where: string): OciError {
  return new OciError('OCI_LAYER_INVALID', `Tar layer: ${message}`, {
    where,
    hint: 'The layer is not a tar archive Fleetpack can unpack safely; nothing was written from it.',
  });
}

/** Reads exactly `n` bytes at a time from a stream of chunks. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
    return this.buf.length >= n;
  }

  async take(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Passes `n` bytes to `sink` chunk by chunk (false from sink: wait for it to drain). */
  async pipe(n: number, sink: (chunk: Buffer) => Promise<void>): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill(1))) return false;
      const c = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(c.length);
      left -= c.length;
      await sink(c);
    }
    return true;
  }
}

function octal(field: Buffer, what: string, where: string): number {
  if (field[0]! & 0x80) {
    // base-256 (GNU) for big sizes
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    if (!Number.isSafeInteger(v)) throw bad(`${what} is too large`, where);
    return v;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw bad(`${what} is not a number`, where);
  return parseInt(s, 8);
}

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return (end < 0 ? field : field.subarray(0, end)).toString('utf8');
}

function checksumOk(h: Buffer, where: string): boolean {
  const want = octal(h.subarray(148, 156), 'header checksum', where);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === want;
}

/** pax records: "LEN key=value\n"… */
function paxRecords(data: Buffer, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length) throw bad('malformed pax header', where);
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export interface UntarOptions {
  gzip?: boolean;
  signal?: AbortSignal | undefined;
  /** Names the layer in errors. */
  where: string;
  /** Paths already written by other layers (a tar must not overwrite them); updated. */
  written: Set<string>;
}

/** Unpacks `input` into `root`; returns the files written (relative, '/'-separated). */
export async function untar(input: Readable, root: string, opts: UntarOptions): Promise<string[]> {
  const { where } = opts;
  const source = opts.gzip ? input.pipe(createGunzip()) : input;
  if (opts.gzip) input.once('error', (e) => source.destroy(e));
  const reader = new Reader((source as AsyncIterable<Buffer>)[Symbol.asyncIterator]());
  const files: string[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  try {
    for (;;) {
      throwIfAborted(opts.signal);
      const h = await reader.take(BLOCK);
      if (!h) throw bad('the archive ends without its end-of-archive blocks', where);
      if (h.every((b) => b === 0)) break; // end of archive (a second zero block may follow)
      if (!checksumOk(h, where)) throw bad('a header checksum does not match', where);
      const type = String.fromCharCode(h[156]!) || '0';
      const size = pax.size !== undefined ? Number(pax.size) : octal(h.subarray(124, 136), 'an entry size', where);
      if (!Number.isSafeInteger(size) || size < 0) throw bad('an entry size is invalid', where);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'g' || type === 'L') {
        if (size > MAX_META) throw bad('an extended header is larger than 1 MiB', where);
        const data = await reader.take(padded);
        if (!data) throw bad('the archive is cut short', where);
        if (type === 'x') pax = paxRecords(data.subarray(0, size), where);
        if (type === 'L') longName = text(data.subarray(0, size));
        continue;
      }
      const prefix = text(h.subarray(345, 500));
      const base = text(h.subarray(0, 100));
      const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      pax = {};
      longName = undefined;
      const name = rawName.replace(/^\.\//, '').replace(/\/+$/, '');
      if (type === '5') {
        if (name !== '' && name !== '.')
          await mkdir(join(root, ...checkLayerPath(name, where).split('/')), { recursive: true });
        if (!(await reader.pipe(padded, () => Promise.resolve()))) throw bad('the archive is cut short', where);
        continue;
      }
      if (type !== '0' && type !== '\0' && type !== '7')
        throw bad(
          `entry ${JSON.stringify(rawName.slice(0, 200))} is a ${
            { '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO' }[
              type
            ] ?? `type "${type}" entry`
          }; only regular files and folders are unpacked`,
          where,
        );
      const path = checkLayerPath(name, where);
      if (opts.written.has(path.toLowerCase()))
        throw bad(`two entries write ${JSON.stringify(path.slice(0, 200))}`, where);
      opts.written.add(path.toLowerCase());
      const target = join(root, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const out = createWriteStream(target, { flags: 'wx' });
      const failed = new Promise<never>((_, reject) => out.once('error', reject));
      failed.catch(() => undefined);
      const ok = await Promise.race([
        reader.pipe(size, async (c) => {
          if (!out.write(c)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
        }),
        failed,
      ]);
      await Promise.race([new Promise<void>((r) => out.end(r)), failed]);
      if (!ok) throw bad(`entry ${JSON.stringify(path.slice(0, 200))} is cut short`, where);
      if (!(await reader.pipe(padded - size, () => Promise.resolve()))) throw bad('the archive is cut short', where);
      files.push(path);
    }
  } catch (e) {
    source.destroy();
    input.destroy();
    if (e instanceof OciError) throw e;
    throwIfAborted(opts.signal);
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw bad('the gzip stream is corrupt', where);
    throw e;
  }
  // Drain what follows the end blocks so the digest check sees the whole layer.
  await reader
    .pipe(Number.MAX_SAFE_INTEGER, () => Promise.resolve())
    .catch((e: unknown) => {
      if (e instanceof OciError) throw e;
    });
  return files;
}

/** One file of a tar stream: its name inside the archive ('/'-separated) and where it is on disk. */
export interface TarEntry {
  name: string;
  path: string;
  size: number;
  /** Seconds since the epoch (default 0). */
  mtime?: number;
}

const USTAR_MAX_SIZE = 8 ** 11 - 1;
const ASCII_NAME = /^[\x20-\x7e]+$/;
const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/** ustar name/prefix split, or undefined when the name needs a pax `path` record. */
function ustarName(name: string): { name: string; prefix: string } | undefined {
  if (!ASCII_NAME.test(name)) return undefined;
  if (name.length <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0)
      return { prefix: name.slice(0, i), name: name.slice(i + 1) };
  }
  return undefined;
}

function paxData(e: TarEntry): Buffer | undefined {
  const records: string[] = [];
  const rec = (key: string, value: string) => {
    const body = ` ${key}=${value}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) > len) len++;
    records.push(`${len}${body}`);
  };
  if (!ustarName(e.name)) rec('path', e.name);
  if (e.size > USTAR_MAX_SIZE) rec('size', String(e.size));
  return records.length ? Buffer.from(records.join(''), 'utf8') : undefined;
}

function header(name: string, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  const split = ustarName(name) ?? { name: `${type === 'x' ? 'PaxHeaders/' : ''}entry`, prefix: '' };
  const field = (value: string, at: number, len: number) => h.write(value, at, len, 'latin1');
  const num = (value: number, at: number, len: number) => field(value.toString(8).padStart(len - 1, '0'), at, len - 1);
  field(split.name, 0, 100);
  num(0o644, 100, 8);
  num(0, 108, 8);
  num(0, 116, 8);
  num(size > USTAR_MAX_SIZE ? 0 : size, 124, 12);
  num(Math.max(0, Math.floor(mtime)), 136, 12);
  h.fill(0x20, 148, 156);
  field(type, 156, 1);
  field('ustar\u000000', 257, 8);
  field(split.prefix, 345, 155);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  field(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8);
  return h;
}

/** The exact length of the tar stream `tarStream(entries)` writes. */
export function tarSize(entries: readonly TarEntry[]): number {
  let total = 2 * BLOCK;
  for (const e of entries) {
    const pax = paxData(e);
    if (pax) total += BLOCK + pax.length + pad(pax.length);
    total += BLOCK + e.size + pad(e.size);
  }
  return total;
}

/**
 * Writes `entries` as a POSIX tar (ustar, with pax records for long or non-ASCII names and sizes
 * of 8 GiB or more) that `untar` above reads back. Streams each file (memory is one chunk, not a
 * file); a file whose size differs from its entry's is an error, so the length `tarSize` promised
 * is the length sent. Regular files only: the caller lists them.
 */
export async function* tarStream(
  entries: readonly TarEntry[],
  signal?: AbortSignal,
): AsyncGenerator<Buffer, void, undefined> {
  for (const e of entries) {
    throwIfAborted(signal);
    const mtime = e.mtime ?? 0;
    const pax = paxData(e);
    if (pax) {
      yield header(`PaxHeaders/${e.name.split('/').pop() ?? 'entry'}`.slice(0, 100), pax.length, mtime, 'x');
      yield Buffer.concat([pax, Buffer.alloc(pad(pax.length))]);
    }
    yield header(e.name, e.size, mtime, '0');
    let sent = 0;
    for await (const chunk of createReadStream(e.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      throwIfAborted(signal);
      sent += chunk.length;
      if (sent > e.size) break;
      yield chunk;
    }
    if (sent !== e.size)
      throw new OciError('TAR_SOURCE_CHANGED', `${e.name} changed size while it was being archived`, {
        where: e.name,
        hint: 'Nothing else should write the package while it is downloaded; try again.',
      });
    if (pad(e.size)) yield Buffer.alloc(pad(e.size));
  }
  yield Buffer.alloc(2 * BLOCK);
}
