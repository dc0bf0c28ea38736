/**
 * Device ids in one byte arena, appended in inventory order with their FNV hashes. Repeated ids
 * are found once, at the end (duplicates()): a bucket count by hash finds the few ids that share
 * a bucket, and only those are compared — far cheaper than a million-entry hash table probed on
 * every row.
 */
import { ByteArena } from './byte-table.js';

export class IdColumn {
  private arena = new ByteArena();

  get size(): number {
    return this.arena.size;
  }

  /** Appends buf[start, end) whose FNV hash is h; returns its index. */
  append(buf: Uint8Array, start: number, end: number, h: number): number {
    return this.arena.append(buf, start, end, h);
  }

  text(i: number): string {
    return this.arena.text(i);
  }

  /** For every id that repeats an earlier one: [its index, the index of the first occurrence]. */
  duplicates(): [number, number][] {
    const n = this.arena.size;
    // Pass 1: which of 2^24 hash buckets hold one id, and which more (two bitsets, 4 MB).
    const once = new Uint32Array(1 << 19);
    const more = new Uint32Array(1 << 19);
    let shared = false;
    for (let i = 0; i < n; i++) {
      const b = this.arena.hash(i) >>> 8;
      const w = b >>> 5;
      const bit = 1 << (b & 31);
      if (once[w]! & bit) {
        more[w]! |= bit;
        shared = true;
      } else once[w]! |= bit;
    }
    if (!shared) return [];
    // Pass 2: only ids in shared buckets are compared, as text in a Map (so crafted hash
    // collisions cost no more than a Map insert each).
    const first = new Map<string, number>();
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const b = this.arena.hash(i) >>> 8;
      if (!(more[b >>> 5]! & (1 << (b & 31)))) continue;
      const key = this.arena.text(i, 'latin1');
      const f = first.get(key);
      if (f === undefined) first.set(key, i);
      else out.push([i, f]);
    }
    return out;
  }

  /** Keeps the ids whose `keep` flag is set, in order (rebuilt: only when some id repeats). */
  compact(keep: Uint8Array): void {
    const old = this.arena;
    this.arena = new ByteArena();
    for (let i = 0; i < old.size; i++) if (keep[i]) this.arena.appendFrom(old, i);
  }
}
