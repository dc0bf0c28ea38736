/**
 * Unpacks a tar layer (ModelPack `…v1.tar`, `…v1.tar+gzip`, as KitOps and modctl without --raw
 * write them) into a folder, streaming: regular files and folders only (POSIX ustar, GNU long
 * names, pax `path`/`size` records). Links, devices and paths that would leave the folder are
 * refused with a typed error; header checksums are checked; memory is bounded by one 512-byte
 * header plus a capped pax record, never by an entry's size.
 */
import { createWriteStream } from 'node:fs';
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
