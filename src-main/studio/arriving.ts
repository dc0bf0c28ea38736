/**
 * A file that is still arriving from the browser: the host pre-sizes it on disk and fills it in
 * as chunks come (a background upload in order, plus ranges fetched on demand). Readers that
 * need bytes not here yet wait for them and ask the browser for exactly those blocks, so a
 * model's header can be inspected long before a multi-GB upload has finished.
 */
import { EventEmitter } from 'node:events';
import { throwIfAborted, UsageError } from '../errors.js';

/** Unit of presence tracking and of on-demand requests. */
export const BLOCK = 16 * 1024;
/** A reader waiting this long without any byte arriving gives up with a clear error. */
const STALL_MS = 30_000;
/** A block asked for recently is not asked for again before this. */
const REASK_MS = 2_000;

/** Byte ranges wanted now: the missing bytes first, then strided read-ahead guesses. */
export type { RangeRequest } from './contract.js';
import type { RangeRequest } from './contract.js';

/** Strided read-ahead: after two misses `stride` blocks apart, also ask for this many more at that stride. */
const READ_AHEAD = 64;
/** Bytes of guesses per request at most (keeps a request small next to the background upload). */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

export class ArrivingFile {
  private readonly present: Uint8Array;
  private readonly asked: Float64Array;
  private missing: number;
  private waiters: { first: number; last: number; resolve: () => void }[] = [];
  private readonly events = new EventEmitter();
  private lastArrival = Date.now();
  private lastMiss = -1;
  private failure: Error | undefined;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (e: Error) => void;
  received = 0;

  constructor(
    readonly id: string,
    readonly size: number,
  ) {
    const blocks = Math.max(1, Math.ceil(size / BLOCK));
    this.present = new Uint8Array(blocks);
    this.asked = new Float64Array(blocks);
    this.missing = size === 0 ? 0 : blocks;
    this.done = new Promise((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    this.done.catch(() => {}); // observed by whoever awaits it
    if (this.missing === 0) this.resolveDone();
  }

  get complete(): boolean {
    return this.missing === 0;
  }

  onRangeRequest(listener: (r: RangeRequest) => void): () => void {
    this.events.on('range', listener);
    return () => this.events.off('range', listener);
  }

  /** Records that bytes [offset, offset+length) are on disk. Only whole blocks (or the tail) count. */
  wrote(offset: number, length: number): void {
    if (length <= 0) return;
    this.lastArrival = Date.now();
    const end = Math.min(this.size, offset + length);
    const first = Math.ceil(offset / BLOCK);
    const lastExclusive = end === this.size ? this.present.length : Math.floor(end / BLOCK);
    for (let b = first; b < lastExclusive; b++) {
      if (this.present[b]) continue;
      this.present[b] = 1;
      this.missing--;
      this.received += Math.min(BLOCK, this.size - b * BLOCK);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!this.has(w.first, w.last)) return true;
      w.resolve();
      return false;
    });
    if (this.missing === 0) this.resolveDone();
  }

  /** The upload cannot complete (the page went away, a write failed): waiting readers fail too. */
  fail(e: Error): void {
    this.failure = e;
    this.rejectDone(e);
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Resolves once bytes [offset, offset+length) are on disk, asking the browser for them if needed. */
  async ensure(offset: number, length: number, signal?: AbortSignal): Promise<void> {
    this.throwIfFailed();
    if (length <= 0 || this.complete) return;
    const first = Math.floor(offset / BLOCK);
    const last = Math.min(this.present.length - 1, Math.floor((offset + length - 1) / BLOCK));
    if (this.has(first, last)) return;
    this.ask(first, last);
    while (!this.has(first, last)) {
      this.throwIfFailed(); // the upload may have failed while we waited
      throwIfAborted(signal);
      const arrived = await new Promise<boolean>((resolve) => {
        const w = { first, last, resolve: () => resolve(true) };
        this.waiters.push(w);
        setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(false);
        }, 1000).unref();
      });
      if (!arrived) {
        if (Date.now() - this.lastArrival > STALL_MS) {
          throw new UsageError('UPLOAD_STALLED', 'The file stopped arriving from the browser', {
            hint: 'Keep the Studio tab open until the upload finishes, or drop the file again.',
          });
        }
        this.ask(first, last);
      }
    }
  }

  private has(first: number, last: number): boolean {
    for (let b = first; b <= last; b++) if (!this.present[b]) return false;
    return true;
  }

  /**
   * Asks for the missing blocks in [first, last] (re-asking only after REASK_MS). Readers of model
   * headers hop over weights at a steady stride more often than not, so after two misses the
   * same stride ahead is asked for too (like an OS read-ahead): fewer round trips to the browser.
   */
  private ask(first: number, last: number): void {
    const now = Date.now();
    const ranges: { offset: number; length: number }[] = [];
    const take = (lo: number, hi: number): void => {
      let start = -1;
      for (let b = lo; b <= hi + 1; b++) {
        const want = b <= hi && b < this.present.length && !this.present[b] && now - this.asked[b]! >= REASK_MS;
        if (want) {
          this.asked[b] = now;
          if (start < 0) start = b;
        } else if (start >= 0) {
          ranges.push({ offset: start * BLOCK, length: Math.min(this.size, b * BLOCK) - start * BLOCK });
          start = -1;
        }
      }
    };
    take(first, last);
    const stride = first - this.lastMiss;
    if (this.lastMiss >= 0 && stride > last - first && stride * BLOCK <= 256 * 1024 * 1024) {
      let bytes = 0;
      for (let k = 1; k <= READ_AHEAD && bytes < READ_AHEAD_BYTES; k++) {
        take(first + k * stride, last + k * stride);
        bytes += (last - first + 1) * BLOCK;
      }
    }
    this.lastMiss = first;
    if (ranges.length > 0) this.events.emit('range', { upload: this.id, ranges } satisfies RangeRequest);
  }
}
