/**
 * A hash set of byte strings, kept in one growing buffer: the importer interns device ids, fact
 * cells, channels and labels straight from the file's bytes, so a million rows cost no string or
 * object per row. Entry i's bytes are never moved out of order: entry indexes are stable.
 */

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a over buf[start, end). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h >>> 0;
}

export class ByteTable {
  /** Number of entries. */
  size = 0;
  private bytes = Buffer.allocUnsafe(1 << 12);
  private used = 0;
  /** Entry i's bytes are bytes[starts[i], starts[i + 1]). */
  private starts = new Uint32Array(1 << 10);
  private hashes = new Uint32Array(1 << 10);
  /** Open addressing, two ints a slot: the hash, then entry index + 1 (0 = empty). */
  private slots = new Int32Array(2 << 11);
  private mask = (1 << 11) - 1;

  /** Index of the entry equal to buf[start, end) whose hash is h, or -1. */
  find(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    const slots = this.slots;
    const hs = h | 0;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) return -1;
      if (slots[2 * s] !== hs) continue;
      const at = this.starts[e]!;
      if (this.starts[e + 1]! - at !== len) continue;
      let i = 0;
      while (i < len && this.bytes[at + i] === buf[start + i]) i++;
      if (i === len) return e;
    }
  }

  /**
   * Adds buf[start, end) unless an equal entry exists: returns the new entry's index, or -1 when
   * it was there already. One probe sequence does both.
   */
  addIfAbsent(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    const slots = this.slots;
    const hs = h | 0;
    let s = h & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) break;
      if (slots[2 * s] !== hs) continue;
      const at = this.starts[e]!;
      if (this.starts[e + 1]! - at !== len) continue;
      let i = 0;
      while (i < len && this.bytes[at + i] === buf[start + i]) i++;
      if (i === len) return -1;
    }
    const e = this.append(buf, start, end, h);
    if (this.size * 2 > this.mask + 1) this.rehash();
    else {
      slots[2 * s] = hs;
      slots[2 * s + 1] = e + 1;
    }
    return e;
  }

  /** Adds buf[start, end) (the caller checked it is absent) and returns its index. */
  add(buf: Uint8Array, start: number, end: number, h: number): number {
    const e = this.append(buf, start, end, h);
    if (this.size * 2 > this.mask + 1) this.rehash();
    else this.place(e);
    return e;
  }

  private append(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    if (this.used + len > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + len));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    for (let i = 0; i < len; i++) this.bytes[this.used + i] = buf[start + i]!;
    const e = this.size++;
    if (e + 2 > this.starts.length) {
      this.starts = grow(this.starts, this.starts.length * 2);
      this.hashes = grow(this.hashes, this.hashes.length * 2);
    }
    this.starts[e] = this.used;
    this.used += len;
    this.starts[e + 1] = this.used;
    this.hashes[e] = h;
    return e;
  }

  /** Entry i as UTF-8 text. */
  text(i: number): string {
    return this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]!);
  }

  private place(e: number): void {
    const h = this.hashes[e]!;
    let s = h & this.mask;
    while (this.slots[2 * s + 1] !== 0) s = (s + 1) & this.mask;
    this.slots[2 * s] = h | 0;
    this.slots[2 * s + 1] = e + 1;
  }

  private rehash(): void {
    const capacity = (this.mask + 1) * 2;
    this.slots = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    for (let e = 0; e < this.size; e++) this.place(e);
  }
}

export function grow<T extends Uint32Array | Int32Array>(a: T, n: number): T {
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a);
  return out;
}

/** Byte strings → small numbers (the builder's index of a kind, channel or label set). */
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
