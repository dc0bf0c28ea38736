/**
 * Long work as jobs: each gets an id, reports throttled progress, can be cancelled, and ends in
 * exactly one of done / failed / cancelled. Adapters (IPC, HTTP) forward the events.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CancelledError } from '../errors.js';
import type { JobEvent, JobId, JobKind, JobStatus, StudioError } from './contract.js';
import { toStudioError } from './errors.js';

export type Progress = (done: number, total: number, phase?: string) => void;
export type JobWork<T> = (signal: AbortSignal, progress: Progress) => Promise<T>;

interface Job {
  status: JobStatus;
  controller: AbortController;
  promise: Promise<unknown>;
}

/** Progress events at most this often per job (the UI needs no more than a smooth bar). */
const PROGRESS_INTERVAL_MS = 50;
/** Finished jobs kept for jobStatus() look-ups. */
const KEEP_FINISHED = 200;

export class JobRunner {
  private readonly jobs = new Map<JobId, Job>();
  private readonly events = new EventEmitter();

  /** `scrub` rewrites failed jobs' errors (the session uses it to keep paths out of them). */
  constructor(private readonly scrub: (e: StudioError) => StudioError = (e) => e) {}

  onEvent(listener: (e: JobEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  start<T>(kind: JobKind, work: JobWork<T>): JobId {
    const jobId = randomUUID();
    const controller = new AbortController();
    const status: JobStatus = { jobId, kind, state: 'running', done: 0, total: 0 };
    let last = 0;
    const progress: Progress = (done, total, phase) => {
      status.done = done;
      status.total = total;
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS && done < total) return;
      last = now;
      this.emit({ jobId, kind, type: 'progress', done, total, ...(phase ? { phase } : {}) });
    };
    // Started on the next tick so the caller can hand out the id before the first event.
    const promise = new Promise<void>((r) => setImmediate(r))
      .then(() => work(controller.signal, progress))
      .then((result) => {
        if (controller.signal.aborted) throw new CancelledError();
        status.state = 'done';
        status.result = result;
        this.emit({ jobId, kind, type: 'done', result });
        return result;
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted || e instanceof CancelledError) {
          status.state = 'cancelled';
          this.emit({ jobId, kind, type: 'cancelled' });
        } else {
          status.state = 'failed';
          status.error = this.scrub(toStudioError(e));
          this.emit({ jobId, kind, type: 'failed', error: status.error });
        }
        return undefined;
      })
      .finally(() => this.prune());
    this.jobs.set(jobId, { status, controller, promise });
    return jobId;
  }

  status(jobId: unknown): JobStatus | undefined {
    const job = typeof jobId === 'string' ? this.jobs.get(jobId) : undefined;
    return job ? { ...job.status } : undefined;
  }

  cancel(jobId: unknown): JobStatus | undefined {
    const job = typeof jobId === 'string' ? this.jobs.get(jobId) : undefined;
    if (job && job.status.state === 'running') job.controller.abort();
    return this.status(jobId);
  }

  /** Resolves when the job has ended (any outcome); for callers that chain work. */
  async settled(jobId: JobId): Promise<JobStatus | undefined> {
    await this.jobs.get(jobId)?.promise;
    return this.status(jobId);
  }

  cancelAll(): void {
    for (const job of this.jobs.values()) if (job.status.state === 'running') job.controller.abort();
  }

  private emit(e: JobEvent): void {
    this.events.emit('event', e);
  }

  private prune(): void {
    if (this.jobs.size <= KEEP_FINISHED) return;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= KEEP_FINISHED) break;
      if (job.status.state !== 'running') this.jobs.delete(id);
    }
  }
}
