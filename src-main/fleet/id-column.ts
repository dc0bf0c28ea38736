/**
 * Device ids in one growing byte buffer, appended in inventory order with their FNV hashes.
 * Repeated ids are found once, at the end (duplicates()): a bucket count by hash finds the few
 * ids that share a bucket, and only those are compared — far cheaper than a million-entry hash
 * table probed on every row.
 */
import { grow } from './byte-table.js';

export class IdColumn {
  size = 0;
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  /** Id i is bytes[starts[i], starts[i + 1]). */
  private starts = new Uint32Array(1 << 12);
  private hashes = new Uint32Array(1 << 12);

  /** Appends buf[start, end) whose FNV hash is h; returns its index. */
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

  text(i: number): string {
    return this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]!);
  }

  /** For every id that repeats an earlier one: [its index, the index of the first occurrence]. */
  duplicates(): [number, number][] {
    const n = this.size;
    // Pass 1: how many ids fall in each of 2^24 hash buckets (saturating at 2).
    const buckets = new Uint8Array(1 << 24);
    let shared = false;
    for (let i = 0; i < n; i++) {
      const b = this.hashes[i]! >>> 8;
      if (buckets[b] === 0) buckets[b] = 1;
      else {
        buckets[b] = 2;
        shared = true;
      }
    }
    if (!shared) return [];
    // Pass 2: only ids in shared buckets are compared, as text in a Map (so crafted hash
    // collisions cost no more than a Map insert each).
    const first = new Map<string, number>();
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      if (buckets[this.hashes[i]! >>> 8] !== 2) continue;
      const key = this.bytes.toString('latin1', this.starts[i]!, this.starts[i + 1]!);
      const f = first.get(key);
      if (f === undefined) first.set(key, i);
      else out.push([i, f]);
    }
    return out;
  }

  /** Keeps the ids whose `keep` flag is set, in order (rebuilt: only when some id repeats). */
  compact(keep: Uint8Array): void {
    const old = { bytes: this.bytes, starts: this.starts, hashes: this.hashes, n: this.size };
    this.bytes = Buffer.allocUnsafe(Math.max(this.used, 1));
    this.used = 0;
    this.size = 0;
    this.starts = new Uint32Array(old.starts.length);
    this.hashes = new Uint32Array(old.hashes.length);
    for (let i = 0; i < old.n; i++)
      if (keep[i]) this.append(old.bytes, old.starts[i]!, old.starts[i + 1]!, old.hashes[i]!);
  }
}
