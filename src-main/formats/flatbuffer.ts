/**
 * A bounded FlatBuffers table reader over a ModelFile: every table, vtable, vector and string is
 * reached by positioned reads, checked against the buffer's bounds before anything is read or
 * allocated. Nothing here reads a whole file; element counts are capped by the caller.
 */
import { isUtf8 } from 'node:buffer';
import { FormatError } from '../errors.js';
import type { ModelFile } from './file.js';

const PAGE = 16 * 1024;
const MAX_PAGES = 64;

/** Page cache over a ModelFile: FlatBuffer fields are small and clustered, so reads share pages. */
export class PagedFile {
  private readonly pages = new Map<number, Buffer>();

  constructor(readonly file: ModelFile) {}

  get path(): string {
    return this.file.path;
  }

  get size(): number {
    return this.file.size;
  }

  /** `len` bytes at absolute `offset`; the caller has checked the range lies inside the file. */
  async bytes(offset: number, len: number, what: string): Promise<Buffer> {
    const first = Math.floor(offset / PAGE);
    const last = Math.floor((offset + Math.max(len, 1) - 1) / PAGE);
    if (first === last) {
      const page = await this.page(first);
      const start = offset - first * PAGE;
      if (start + len > page.length) return this.file.read(offset, len, what); // raises TRUNCATED
      return page.subarray(start, start + len);
    }
    return this.file.read(offset, len, what);
  }

  private async page(index: number): Promise<Buffer> {
    const hit = this.pages.get(index);
    if (hit) {
      // Re-insert to keep the Map in least-recently-used order.
      this.pages.delete(index);
      this.pages.set(index, hit);
      return hit;
    }
    const page = await this.file.readUpTo(index * PAGE, PAGE);
    if (this.pages.size >= MAX_PAGES) {
      const oldest = this.pages.keys().next().value;
      if (oldest !== undefined) this.pages.delete(oldest);
    }
    this.pages.set(index, page);
    return page;
  }
}

const utf8 = new TextDecoder('utf-8');

/** Limits that keep a hostile file from costing time or memory. */
export const FB_LIMITS = {
  /** Longest string we will decode (names, descriptions). */
  maxString: 1024 * 1024,
} as const;

/**
 * One FlatBuffer occupying bytes [base, base + length) of a file. Positions are relative to `base`
 * (as FlatBuffers offsets are); errors report absolute file offsets.
 */
export class FlatBuffer {
  constructor(
    readonly src: PagedFile,
    readonly base: number,
    readonly length: number,
    /** Names the buffer in messages, e.g. 'TFLite model', 'TFLITE_METADATA'. */
    readonly label: string,
  ) {}

  fail(code: string, message: string, pos: number): never {
    throw new FormatError(code, `${this.label}: ${message}`, {
      file: this.src.path,
      offset: this.base + Math.max(0, pos),
      hint: 'The file is corrupt or not a valid FlatBuffer; re-export it from the converter.',
    });
  }

  /** Throws unless [pos, pos + len) lies inside this buffer. */
  check(pos: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || len < 0 || pos + len > this.length) {
      this.fail(
        'OFFSET_OUT_OF_RANGE',
        `${what} at ${pos} (+${len} bytes) lies outside the ${this.length}-byte buffer`,
        pos,
      );
    }
  }

  async bytes(pos: number, len: number, what: string): Promise<Buffer> {
    this.check(pos, len, what);
    return this.src.bytes(this.base + pos, len, what);
  }

  async u8(pos: number, what: string): Promise<number> {
    return (await this.bytes(pos, 1, what)).readUInt8(0);
  }
  async u16(pos: number, what: string): Promise<number> {
    return (await this.bytes(pos, 2, what)).readUInt16LE(0);
  }
  async i32(pos: number, what: string): Promise<number> {
    return (await this.bytes(pos, 4, what)).readInt32LE(0);
  }
  async u32(pos: number, what: string): Promise<number> {
    return (await this.bytes(pos, 4, what)).readUInt32LE(0);
  }

  /** The file identifier (bytes 4..8), as latin1 text. */
  async identifier(): Promise<string> {
    return (await this.bytes(4, 4, 'file identifier')).toString('latin1');
  }

  /** The root table (uoffset at byte 0). */
  async root(what: string): Promise<FbTable> {
    const off = await this.u32(0, 'root offset');
    return this.table(off, what);
  }

  /** Follows the uoffset stored at `pos` and returns the absolute position it points to. */
  async deref(pos: number, what: string): Promise<number> {
    const off = await this.u32(pos, what);
    const target = pos + off;
    if (off === 0 || target >= this.length)
      this.fail('OFFSET_OUT_OF_RANGE', `${what} points to ${target}, outside the buffer`, pos);
    return target;
  }

  /** Opens the table at `pos`, validating its vtable. */
  async table(pos: number, what: string): Promise<FbTable> {
    const soff = await this.i32(pos, `${what} vtable offset`);
    const vt = pos - soff;
    if (vt < 0 || vt + 4 > this.length)
      this.fail('BAD_VTABLE', `${what} has its vtable at ${vt}, outside the buffer`, pos);
    const head = await this.bytes(vt, 4, `${what} vtable`);
    const vtSize = head.readUInt16LE(0);
    const tableSize = head.readUInt16LE(2);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail('BAD_VTABLE', `${what} vtable size ${vtSize} is invalid`, vt);
    if (tableSize < 4) this.fail('BAD_VTABLE', `${what} table size ${tableSize} is invalid`, vt);
    this.check(pos, tableSize, what);
    // Copy: the vtable outlives the page it came from in the cache.
    const vtable = Buffer.from(await this.bytes(vt, vtSize, `${what} vtable`));
    return new FbTable(this, pos, vtable, tableSize, what);
  }

  /** A vector at `pos` (uint32 length + elements), checked to fit. */
  async vectorAt(pos: number, elemSize: number, maxCount: number, what: string): Promise<FbVector> {
    const length = await this.u32(pos, `${what} length`);
    if (length > maxCount) this.fail('TOO_MANY', `${what} claims ${length} entries (limit ${maxCount})`, pos);
    this.check(pos + 4, length * elemSize, what);
    return { fb: this, pos: pos + 4, length, elemSize, what };
  }

  async stringAt(pos: number, what: string): Promise<string> {
    return (await this.textAt(pos, what)).text;
  }

  /** A string and whether its bytes are valid UTF-8 (if not, the text has U+FFFD replacements). */
  async textAt(pos: number, what: string): Promise<{ text: string; utf8: boolean }> {
    const length = await this.u32(pos, `${what} length`);
    if (length > FB_LIMITS.maxString)
      this.fail('LENGTH_TOO_LARGE', `${what} claims ${length} bytes (limit ${FB_LIMITS.maxString})`, pos);
    const bytes = await this.bytes(pos + 4, length, what);
    return { text: utf8.decode(bytes), utf8: isUtf8(bytes) };
  }
}

export interface FbVector {
  fb: FlatBuffer;
  /** Position of the first element. */
  pos: number;
  length: number;
  elemSize: number;
  what: string;
}

/** Element `i` of a vector of tables. */
export async function tableAt(v: FbVector, i: number, what = `${v.what}[${i}]`): Promise<FbTable> {
  const target = await v.fb.deref(v.pos + 4 * i, what);
  return v.fb.table(target, what);
}

/** Element `i` of a vector of strings. */
export async function stringAt(v: FbVector, i: number): Promise<string> {
  const target = await v.fb.deref(v.pos + 4 * i, `${v.what}[${i}]`);
  return v.fb.stringAt(target, `${v.what}[${i}]`);
}

type ScalarKind = 'u8' | 'i8' | 'bool' | 'u16' | 'i32' | 'u32' | 'f32' | 'i64' | 'u64';
const SIZE: Record<ScalarKind, number> = { u8: 1, i8: 1, bool: 1, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8 };

function readScalar(buf: Buffer, at: number, kind: ScalarKind): number {
  switch (kind) {
    case 'u8':
      return buf.readUInt8(at);
    case 'i8':
      return buf.readInt8(at);
    case 'bool':
      return buf.readUInt8(at) === 0 ? 0 : 1;
    case 'u16':
      return buf.readUInt16LE(at);
    case 'i32':
      return buf.readInt32LE(at);
    case 'u32':
      return buf.readUInt32LE(at);
    case 'f32':
      return buf.readFloatLE(at);
    case 'i64':
      // Values beyond 2^53 lose precision; callers range-check offsets and sizes anyway.
      return Number(buf.readBigInt64LE(at));
    case 'u64':
      return Number(buf.readBigUInt64LE(at));
  }
}

/** Every element of a scalar vector, in one bounded read (caller caps the count). */
export async function scalars(v: FbVector, kind: ScalarKind): Promise<number[]> {
  const size = SIZE[kind];
  const out: number[] = [];
  if (v.length === 0) return out;
  const buf = await v.fb.bytes(v.pos, v.length * size, v.what);
  for (let i = 0; i < v.length; i++) out.push(readScalar(buf, i * size, kind));
  return out;
}

/** One table: field `id` lives at vtable byte 4 + 2·id; an absent field takes the schema default. */
export class FbTable {
  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    private readonly vtable: Buffer,
    private readonly size: number,
    readonly what: string,
  ) {}

  /** Position of field `id` (checked to fit in the table), or 0 when absent. */
  fieldPos(id: number, width: number): number {
    return this.field(id, width);
  }

  /** Absolute position of field `id`, or 0 when absent. */
  private field(id: number, width: number): number {
    const at = 4 + 2 * id;
    if (at + 2 > this.vtable.length) return 0;
    const off = this.vtable.readUInt16LE(at);
    if (off === 0) return 0;
    if (off < 4 || off + width > this.size) {
      this.fb.fail(
        'BAD_VTABLE',
        `${this.what} field ${id} at +${off} lies outside its ${this.size}-byte table`,
        this.pos,
      );
    }
    return this.pos + off;
  }

  has(id: number): boolean {
    return this.field(id, 1) !== 0;
  }

  async scalar(id: number, kind: ScalarKind, def: number): Promise<number> {
    const p = this.field(id, SIZE[kind]);
    if (p === 0) return def;
    return readScalar(await this.fb.bytes(p, SIZE[kind], `${this.what} field ${id}`), 0, kind);
  }

  /** Position a reference field points to, or null when absent. */
  private async ref(id: number, name: string): Promise<number | null> {
    const p = this.field(id, 4);
    if (p === 0) return null;
    return this.fb.deref(p, `${this.what}.${name}`);
  }

  async table(id: number, name: string): Promise<FbTable | null> {
    const p = await this.ref(id, name);
    return p === null ? null : this.fb.table(p, `${this.what}.${name}`);
  }

  async string(id: number, name: string): Promise<string | null> {
    const p = await this.ref(id, name);
    return p === null ? null : this.fb.stringAt(p, `${this.what}.${name}`);
  }

  /** A string field with its UTF-8 validity, or null when absent. */
  async text(id: number, name: string): Promise<{ text: string; utf8: boolean } | null> {
    const p = await this.ref(id, name);
    return p === null ? null : this.fb.textAt(p, `${this.what}.${name}`);
  }

  /** A vector field; `elemSize` 4 for tables/strings (offsets). */
  async vector(id: number, name: string, elemSize: number, maxCount: number): Promise<FbVector | null> {
    const p = await this.ref(id, name);
    return p === null ? null : this.fb.vectorAt(p, elemSize, maxCount, `${this.what}.${name}`);
  }

  /** A scalar vector field read whole ([] when absent). */
  async scalars(id: number, name: string, kind: ScalarKind, maxCount: number): Promise<number[]> {
    const v = await this.vector(id, name, SIZE[kind], maxCount);
    return v ? scalars(v, kind) : [];
  }

  /** A union: the type tag at `id`, the table at `id + 1`. */
  async union(id: number, name: string): Promise<{ type: number; table: FbTable | null }> {
    const type = await this.scalar(id, 'u8', 0);
    if (type === 0) return { type, table: null };
    return { type, table: await this.table(id + 1, name) };
  }
}
