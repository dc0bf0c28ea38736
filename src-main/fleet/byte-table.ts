/**
 * Byte strings kept in one growing buffer: the importer interns channels and labels, and keeps
 * device ids, straight from the file's bytes, so a million rows cost no string or object per row.
 * Entry indexes are stable.
 */

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over buf[start, end). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h >>> 0;
}

export function grow<T extends Uint32Array | Int32Array>(a: T, n: number): T {
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a);
  return out;
}

/** Byte strings appended one after another, each with its hash: entry i is bytes[starts[i], starts[i + 1]). */
export class ByteArena {
  size = 0;
  private bytes = Buffer.allocUnsafe(1 << 12);
  private used = 0;
  private starts = new Uint32Array(1 << 10);
  private hashes = new Uint32Array(1 << 10);

  /** Appends buf[start, end), whose hash is h; returns its index. */
  append(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    if (this.used + len > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + len));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    const out = this.bytes;
    let at = this.used;
    for (let i = start; i < end; i++) out[at++] = buf[i]!;
    const e = this.size++;
    if (e + 2 > this.starts.length) {
      this.starts = grow(this.starts, this.starts.length * 2);
      this.hashes = grow(this.hashes, this.hashes.length * 2);
    }
    this.starts[e] = this.used;
    this.starts[e + 1] = at;
    this.used = at;
    this.hashes[e] = h;
    return e;
  }

  hash(i: number): number {
    return this.hashes[i]!;
  }

  /** True when entry i holds exactly buf[start, end). */
  equals(i: number, buf: Uint8Array, start: number, end: number): boolean {
    const at = this.starts[i]!;
    const len = end - start;
    if (this.starts[i + 1]! - at !== len) return false;
    let k = 0;
    while (k < len && this.bytes[at + k] === buf[start + k]) k++;
    return k === len;
  }

  /** Entry i as text: UTF-8 (what it says), or latin1 (one character per byte: a lookup key). */
  text(i: number, encoding: 'utf8' | 'latin1' = 'utf8'): string {
    return this.bytes.toString(encoding, this.starts[i], this.starts[i + 1]);
  }

  /** Appends entry i of another arena. */
  appendFrom(other: ByteArena, i: number): number {
    return this.append(other.bytes, other.starts[i]!, other.starts[i + 1]!, other.hashes[i]!);
  }
}

/** A hash set of byte strings (open addressing over an arena). */
export class ByteTable {
  private readonly arena = new ByteArena();
  /** Two ints a slot: the hash, then entry index + 1 (0 = empty). */
  private slots = new Int32Array(2 << 11);
  private mask = (1 << 11) - 1;

  get size(): number {
    return this.arena.size;
  }

  /** Index of the entry equal to buf[start, end) whose hash is h, or -1. */
  find(buf: Uint8Array, start: number, end: number, h: number): number {
    const slots = this.slots;
    const hs = h | 0;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) return -1;
      if (slots[2 * s] === hs && this.arena.equals(e, buf, start, end)) return e;
    }
  }

  /** Adds buf[start, end) (the caller checked it is absent) and returns its index. */
  add(buf: Uint8Array, start: number, end: number, h: number): number {
    const e = this.arena.append(buf, start, end, h);
    if (this.arena.size * 2 > this.mask + 1) this.rehash();
    else this.place(e);
    return e;
  }

  text(i: number): string {
    return this.arena.text(i);
  }

  private place(e: number): void {
    const h = this.arena.hash(e);
    let s = h & this.mask;
    while (this.slots[2 * s + 1] !== 0) s = (s + 1) & this.mask;
    this.slots[2 * s] = h | 0;
    this.slots[2 * s + 1] = e + 1;
  }

  private rehash(): void {
    const capacity = (this.mask + 1) * 2;
    this.slots = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    for (let e = 0; e < this.arena.size; e++) this.place(e);
  }
}

/** Byte strings → small numbers (the builder's index of a channel or label set). */
export class Interner {
  private readonly table = new ByteTable();
  private readonly values: number[] = [];

  /** The value stored for buf[start, end) with hash h, or -1. */
  get(buf: Uint8Array, start: number, end: number, h: number): number {
    const k = this.table.find(buf, start, end, h);
    return k === -1 ? -1 : this.values[k]!;
  }

  set(buf: Uint8Array, start: number, end: number, h: number, value: number): void {
    this.table.add(buf, start, end, h);
    this.values.push(value);
  }
}
