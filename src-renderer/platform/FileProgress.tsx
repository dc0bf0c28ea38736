/** A publish's progress per file: bytes, rate and time left, from the job's byte count and the upload order. */
import { useEffect, useState } from 'react';
import { Bar, formatBytes } from '../components/common';
import { useJobs } from '../store/jobs';
import type { Publishing } from '../store/platform';

function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** Bytes per second over the last few seconds of a job's progress (0 while nothing moves). */
function useRate(jobId: string, paused: boolean): number {
  const [rate, setRate] = useState(0);
  useEffect(() => {
    const samples: { t: number; done: number }[] = [];
    const sample = () => {
      const done = useJobs.getState().jobs[jobId]?.done ?? 0;
      const now = Date.now();
      samples.push({ t: now, done });
      while (samples.length > 2 && now - samples[0]!.t > 5000) samples.shift();
      const first = samples[0]!;
      setRate(now > first.t ? ((done - first.done) * 1000) / (now - first.t) : 0);
    };
    const timer = setInterval(sample, 500);
    return () => clearInterval(timer);
  }, [jobId, paused]);
  return paused ? 0 : rate;
}

export function FileProgress({ p }: { p: Publishing }) {
  const job = useJobs((s) => s.jobs[p.jobId]);
  const rate = useRate(p.jobId, p.paused);
  const done = job?.done ?? 0;
  const total = job?.total || p.files.reduce((n, f) => n + f.size, 0);
  const left = rate > 0 ? (total - done) / rate : NaN;
  const starts = p.files.map((_, i) => p.files.slice(0, i).reduce((n, f) => n + f.size, 0));
  return (
    <div data-testid="publish-progress">
      <Bar done={done} total={total} label={p.paused ? 'Paused' : 'Publishing'} />
      <p className="muted" aria-live="polite">
        {formatBytes(done)} of {formatBytes(total)}
        {p.paused ? ' — paused' : rate > 0 ? ` · ${formatBytes(rate)}/s · ${formatSeconds(left)} left` : ''}
      </p>
      <div className="table-wrap">
        <table data-testid="publish-files">
          <caption>Files</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Sent</th>
              <th scope="col">Size</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {p.files.map((f, i) => {
              const sent = Math.max(0, Math.min(f.size, done - starts[i]!));
              const state = sent >= f.size ? 'sent' : sent > 0 ? (p.paused ? 'paused' : 'sending') : 'waiting';
              return (
                <tr key={f.path} data-state={state}>
                  <td>
                    <code>{f.path}</code>
                  </td>
                  <td>{formatBytes(sent)}</td>
                  <td>{formatBytes(f.size)}</td>
                  <td>{state}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
