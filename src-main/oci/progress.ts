/** Progress of a push, pull or copy, reported at blob boundaries and every few MiB in between. */
import type { BlobPushResult } from './store.js';

export interface TransferProgress {
  phase: 'preparing' | 'transferring' | 'committing' | 'referrers' | 'done';
  bytesDone: number;
  bytesTotal: number;
  blobsDone: number;
  blobsTotal: number;
  /** The blob being moved (or just finished, with what happened to it). */
  current?: { path?: string; digest: string; size: number; result?: BlobPushResult | 'downloaded' };
}

const STEP_BYTES = 4 * 1024 * 1024;

export class ProgressTracker {
  private p: TransferProgress;
  private unreported = 0;

  constructor(
    private readonly emit: ((p: TransferProgress) => void) | undefined,
    bytesTotal: number,
    blobsTotal: number,
  ) {
    this.p = { phase: 'preparing', bytesDone: 0, bytesTotal, blobsDone: 0, blobsTotal };
  }

  phase(phase: TransferProgress['phase']): void {
    this.p.phase = phase;
    this.report();
  }

  start(current: NonNullable<TransferProgress['current']>): void {
    this.p.phase = 'transferring';
    this.p.current = current;
    this.report();
  }

  /** Bytes moved (negative when a failed attempt is rolled back). */
  bytes = (n: number): void => {
    this.p.bytesDone += n;
    this.unreported += Math.abs(n);
    if (this.unreported >= STEP_BYTES) this.report();
  };

  /** A blob is done; bytes not moved (it was already there) still count as done. */
  finish(result: BlobPushResult | 'downloaded', movedBytes: number): void {
    const size = this.p.current?.size ?? 0;
    this.p.bytesDone += size - movedBytes;
    this.p.blobsDone++;
    if (this.p.current) this.p.current = { ...this.p.current, result };
    this.report();
  }

  private report(): void {
    this.unreported = 0;
    this.emit?.({ ...this.p, ...(this.p.current ? { current: { ...this.p.current } } : {}) });
  }
}
