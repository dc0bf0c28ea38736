import { useId, useRef, type ReactNode } from 'react';
import type { Dim, StudioError } from '../../src-main/studio/contract';
import { cancelJob, useJobs } from '../store/jobs';

/** A domain error in words: what, where, what to do. Never a stack trace. */
export function ErrorNote({ error, title }: { error: StudioError | undefined; title?: string | undefined }) {
  if (!error) return null;
  return (
    <div className="note note-error" role="alert" data-code={error.code}>
      <strong>{title ?? error.message}</strong>
      {title ? <p>{error.message}</p> : null}
      {error.where ? <p className="muted">Where: {error.where}</p> : null}
      {error.hint ? <p>{error.hint}</p> : null}
    </div>
  );
}

export function Note({ kind, children }: { kind: 'ok' | 'warn' | 'info' | 'error'; children: ReactNode }) {
  return (
    <div className={`note note-${kind}`} role={kind === 'error' || kind === 'warn' ? 'status' : undefined}>
      {children}
    </div>
  );
}

export function Bar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="progress-text">
        {label} {pct}%
      </span>
    </div>
  );
}

/** A job's progress bar, fed by the jobs store (only this re-renders on ticks), with its Cancel button; or "cancelled". */
export function JobBar({ jobId, label }: { jobId: string | undefined; label: string }) {
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  // A cancelled job says so: an empty place where its result would be is never read as done.
  if (job?.state === 'cancelled')
    return (
      <span className="muted" role="status" data-testid="job-cancelled">
        {label} cancelled.
      </span>
    );
  if (!jobId || !job || job.state !== 'running') return null;
  return (
    <div className="job">
      <Bar done={job.done} total={job.total} label={job.phase === 'receiving' ? 'Receiving the file' : label} />
      <button type="button" className="btn small" onClick={() => void cancelJob(jobId)}>
        Cancel
      </button>
    </div>
  );
}

/** A keyboard-reachable button that opens a file (or folder) picker. */
export function FileButton(props: {
  label: string;
  accept?: string;
  onFiles: (files: File[]) => void;
  folder?: boolean;
  testId?: string;
  primary?: boolean;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className={props.primary ? 'btn primary' : 'btn'}
        disabled={props.disabled}
        onClick={() => input.current?.click()}
      >
        {props.label}
      </button>
      <input
        id={id}
        ref={input}
        type="file"
        hidden
        aria-label={props.label}
        data-testid={props.testId}
        accept={props.accept}
        {...(props.folder ? { webkitdirectory: '', directory: '', multiple: true } : {})}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          if (files.length > 0) props.onFiles(files);
        }}
      />
    </>
  );
}

export function Shape({ shape }: { shape: Dim[] | null }) {
  if (shape === null)
    return (
      <span className="dim dim-unknown" title="Rank unknown">
        unknown rank
      </span>
    );
  return (
    <span className="shape">
      [
      {shape.map((d, i) => (
        <span key={i}>
          {i > 0 ? ', ' : ''}
          {d === null ? (
            <span className="dim dim-unknown" title="Unknown (dynamic) dimension">
              ?
            </span>
          ) : typeof d === 'string' ? (
            <span className="dim dim-symbolic" title="Symbolic dimension">
              {d}
            </span>
          ) : (
            <span className="dim">{d}</span>
          )}
        </span>
      ))}
      ]
    </span>
  );
}

/** Human byte sizes (the CLI's formatter: the one module of src-main the renderer may import values from). */
export { formatBytes } from '../../src-main/bytes';

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <div className="card-head">
        <h2>{title}</h2>
        {actions ? <div className="actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** Offers text as a file download (public keys, manifest JSON). */
export function DownloadButton({ name, text, label }: { name: string; text: string; label: string }) {
  return (
    <button
      type="button"
      className="btn"
      onClick={() => {
        const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      }}
    >
      {label}
    </button>
  );
}
