/** Job progress in its own small store, so progress ticks re-render only the progress bars. */
import { create } from 'zustand';
import type { JobEvent, JobId, JobKind, JobStatus, StudioError } from '../../src-main/studio/contract';
import { getClient } from '../api/client';

export interface JobView {
  kind: JobKind;
  state: JobStatus['state'];
  done: number;
  total: number;
  phase?: string;
  result?: unknown;
  error?: StudioError;
}

interface JobsState {
  jobs: Record<JobId, JobView>;
}

export const useJobs = create<JobsState>(() => ({ jobs: {} }));

const waiters = new Map<JobId, ((s: JobView) => void)[]>();
let subscribed = false;

function apply(e: JobEvent): void {
  useJobs.setState((s) => {
    const prev = s.jobs[e.jobId] ?? { kind: e.kind, state: 'running' as const, done: 0, total: 0 };
    let next: JobView;
    if (e.type === 'progress') next = { ...prev, done: e.done, total: e.total, ...(e.phase ? { phase: e.phase } : {}) };
    else if (e.type === 'done')
      next = { ...prev, state: 'done', result: e.result, done: prev.total || 1, total: prev.total || 1 };
    else if (e.type === 'failed') next = { ...prev, state: 'failed', error: e.error };
    else next = { ...prev, state: 'cancelled' };
    return { jobs: { ...s.jobs, [e.jobId]: next } };
  });
  if (e.type !== 'progress') settle(e.jobId);
}

function settle(jobId: JobId): void {
  const view = useJobs.getState().jobs[jobId];
  if (!view || view.state === 'running') return;
  for (const w of waiters.get(jobId) ?? []) w(view);
  waiters.delete(jobId);
}

export function subscribeJobs(): void {
  if (subscribed) return;
  subscribed = true;
  getClient().onJobEvent(apply);
}

/** Starts tracking a job and resolves when it ends; polls as a fallback for a missed event. */
export function awaitJob(jobId: JobId, kind: JobKind): Promise<JobView> {
  subscribeJobs();
  useJobs.setState((s) =>
    s.jobs[jobId] ? s : { jobs: { ...s.jobs, [jobId]: { kind, state: 'running', done: 0, total: 0 } } },
  );
  return new Promise((resolve) => {
    const list = waiters.get(jobId) ?? [];
    list.push(resolve);
    waiters.set(jobId, list);
    settle(jobId);
    const check = async (): Promise<void> => {
      if (!waiters.has(jobId)) {
        clearInterval(poll);
        return;
      }
      const r = await getClient().call('jobStatus', { jobId });
      if (r.ok && r.value.state !== 'running') {
        useJobs.setState((s) => ({
          jobs: {
            ...s.jobs,
            [jobId]: {
              kind: r.value.kind,
              state: r.value.state,
              done: r.value.done,
              total: r.value.total,
              ...(r.value.result !== undefined ? { result: r.value.result } : {}),
              ...(r.value.error ? { error: r.value.error } : {}),
            },
          },
        }));
        settle(jobId);
        clearInterval(poll);
      }
    };
    const poll = setInterval(() => void check(), 1000);
  });
}

/** Asks the Node side to stop a job; its end arrives as a `cancelled` event like any other. */
export async function cancelJob(jobId: JobId): Promise<void> {
  const r = await getClient().call('cancelJob', { jobId });
  if (r.ok && r.value.state !== 'running') {
    apply(
      r.value.state === 'cancelled'
        ? { jobId, kind: r.value.kind, type: 'cancelled' }
        : r.value.state === 'failed'
          ? { jobId, kind: r.value.kind, type: 'failed', error: r.value.error ?? { code: 'FAILED', message: 'Failed' } }
          : { jobId, kind: r.value.kind, type: 'done', result: r.value.result },
    );
  }
}
