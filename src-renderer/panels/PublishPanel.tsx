/**
 * The Publish step: the platform (connect), the channel, the platform's own fleet preview, the
 * source (upload, or a pinned registry reference), then publish with per-file progress, pause,
 * resume and cancel. A refused publish lists each problem by file and field with what to do.
 */
import { useEffect, useId, useState } from 'react';
import type { PublishOutcome, StudioError } from '../../src-main/studio/contract';
import { ErrorNote, Note, Section, formatBytes } from '../components/common';
import { ConnectSection } from '../platform/ConnectSection';
import { VerdictView } from './CompatPanel';
import { FileProgress } from '../platform/FileProgress';
import { signatureText } from '../platform/words';
import { useStudio } from '../store';

const BASE_CHANNELS = ['stable', 'beta', 'canary'];

function Refused({ o }: { o: PublishOutcome & { published: false } }) {
  return (
    <div className="note note-error" role="alert" data-testid="publish-refused" data-code={o.code}>
      <strong>The platform refused the publish: nothing was published.</strong>
      <p>{o.message}</p>
      <div className="table-wrap">
        <table data-testid="publish-problems">
          <caption>Problems by file</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Field</th>
              <th scope="col">Step</th>
              <th scope="col">Problem</th>
              <th scope="col">What to do</th>
            </tr>
          </thead>
          <tbody>
            {o.problems.map((p, i) => (
              <tr key={i}>
                <td>{p.file ? <code>{p.file}</code> : '—'}</td>
                <td>{p.pointer ? <code>{p.pointer}</code> : '—'}</td>
                <td>{p.step}</td>
                <td>
                  <code>{p.code}</code> {p.message}
                </td>
                <td>{p.hint ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {o.hint ? <p>{o.hint}</p> : null}
    </div>
  );
}

function Published({ o }: { o: PublishOutcome & { published: true } }) {
  const setMode = useStudio((s) => s.setMode);
  const r = o.result.release;
  return (
    <div data-testid="published">
      <Note kind="ok">
        {o.result.existed ? 'Already published (same content): ' : 'Published '}
        <strong>
          {r.name} {r.version}
        </strong>
        {o.channel ? ` on ${o.channel}` : ''}.
      </Note>
      <dl className="facts" data-testid="published-facts">
        <dt>Release id</dt>
        <dd>
          <code>{r.id}</code>
        </dd>
        <dt>Manifest digest</dt>
        <dd>
          <code className="digest">{r.manifestDigest}</code>
        </dd>
        <dt>Channels</dt>
        <dd>{r.channels.join(', ') || '—'}</dd>
        <dt>Release counter</dt>
        <dd>{r.releaseCounter}</dd>
        <dt>TUF metadata</dt>
        <dd>
          timestamp version {o.result.tuf.timestampVersion}, snapshot version {o.result.tuf.snapshotVersion}
        </dd>
        <dt>Signature</dt>
        <dd>{signatureText(r)}</dd>
      </dl>
      <div className="table-wrap">
        <table data-testid="published-targets">
          <caption>TUF targets</caption>
          <thead>
            <tr>
              <th scope="col">Target path</th>
              <th scope="col">Size</th>
              <th scope="col">Digest</th>
            </tr>
          </thead>
          <tbody>
            {r.files.map((f) => (
              <tr key={f.path}>
                <td>
                  <code>{f.target}</code>
                </td>
                <td>{formatBytes(f.size)}</td>
                <td>
                  <code className="digest">{f.digest}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" className="btn" onClick={() => setMode('platform')}>
        Open in the Platform view
      </button>
    </div>
  );
}

function FailedPublish({ error, resume }: { error: StudioError; resume: () => void }) {
  return (
    <>
      <ErrorNote error={error} title="The publish stopped before it finished" />
      <p className="muted">What reached the platform is kept there: resuming continues each file where it stopped.</p>
      <button type="button" className="btn primary" onClick={resume}>
        Resume publish
      </button>
    </>
  );
}

export function PublishPanel() {
  const mstate = useStudio((s) => s.mstate);
  const active = useStudio((s) => s.activePlatform);
  const overview = useStudio((s) => s.overview);
  const loadOverview = useStudio((s) => s.loadOverview);
  const preview = useStudio((s) => s.platformPreview);
  const loadPreview = useStudio((s) => s.loadPlatformPreview);
  const publishing = useStudio((s) => s.publishing);
  const outcome = useStudio((s) => s.publishOutcome);
  const error = useStudio((s) => s.publishError);
  const cancelled = useStudio((s) => s.publishCancelled);
  const start = useStudio((s) => s.startPublish);
  const setPaused = useStudio((s) => s.setPaused);
  const cancel = useStudio((s) => s.cancelPublish);
  const pushed = useStudio((s) => s.pushed);
  const signed = useStudio((s) => s.signResult);
  const [channel, setChannel] = useState('beta');
  const [source, setSource] = useState<'upload' | 'registry'>('upload');
  const [reference, setReference] = useState('');
  const channelId = useId();
  const refId = useId();
  const connected = active?.health === 'healthy';
  // A platform that went away mid-publish keeps the step (and its Resume) on screen.
  const shown = active !== undefined;
  useEffect(() => {
    if (connected) void loadOverview();
  }, [connected, loadOverview]);
  useEffect(() => {
    if (connected) void loadPreview(channel);
  }, [connected, channel, loadPreview]);
  if (!mstate) return <Note kind="info">Open a model first.</Note>;
  const channels = overview?.channelNames ?? BASE_CHANNELS;
  const ref = reference || pushed?.reference || '';
  const from = source === 'registry' ? ref.trim() : undefined;
  const run = () => void start(channel, from);
  return (
    <>
      <ConnectSection compact />
      {shown ? (
        <>
          <Section title="Channel and fleet preview">
            <div className="inline-form">
              <label htmlFor={channelId}>Channel</label>
              <select
                id={channelId}
                value={channel}
                onChange={(e) => setChannel(e.target.value)}
                disabled={!!publishing}
              >
                {channels.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            {preview ? (
              preview.available ? (
                <div data-testid="platform-preview-report">
                  <p className="muted">
                    The platform&rsquo;s own preview: this manifest against the devices it knows on {channel}, as a
                    rollout would check them before anything ships.
                  </p>
                  <VerdictView
                    report={preview.report}
                    emptyHint={`The platform has no device on ${channel}: register devices there (fleetpack platform device add, fleetpack devices import) or choose another channel.`}
                  />
                </div>
              ) : (
                <Note kind="warn">
                  <span data-testid="platform-preview">{preview.reason}</span>
                  {preview.hint ? <span className="muted"> {preview.hint}</span> : null}
                </Note>
              )
            ) : (
              <p role="status">Asking the platform for its fleet preview…</p>
            )}
          </Section>
          <Section title="Publish">
            {!mstate.valid ? <Note kind="warn">The manifest has errors: the platform will refuse it.</Note> : null}
            {!signed || mstate.changedSinceSigning ? (
              <Note kind="warn">
                The package is {signed ? 'changed since it was signed' : 'not signed'}: the platform may refuse it
                (signature policy), and devices cannot check who made it.
              </Note>
            ) : null}
            <fieldset disabled={!!publishing}>
              <legend>Source</legend>
              <label className="radio">
                <input
                  type="radio"
                  name="publish-source"
                  checked={source === 'upload'}
                  onChange={() => setSource('upload')}
                />{' '}
                Upload the package files
              </label>
              <label className="radio">
                <input
                  type="radio"
                  name="publish-source"
                  checked={source === 'registry'}
                  onChange={() => setSource('registry')}
                />{' '}
                From a registry (a pinned reference; push it in the Package step)
              </label>
              {source === 'registry' ? (
                <div className="inline-form">
                  <label htmlFor={refId}>Pinned reference</label>
                  <input
                    id={refId}
                    value={ref}
                    onChange={(e) => setReference(e.target.value)}
                    placeholder="registry.example.com/models/detector:1.0.0@sha256:…"
                    size={60}
                  />
                </div>
              ) : null}
            </fieldset>
            <div className="actions">
              <button
                type="button"
                className="btn primary"
                onClick={run}
                disabled={!!publishing || (source === 'registry' && !ref.trim())}
              >
                Publish to {channel}
              </button>
              {publishing && publishing.source === 'upload' ? (
                <>
                  <button type="button" className="btn" onClick={() => void setPaused(!publishing.paused)}>
                    {publishing.paused ? 'Resume' : 'Pause'}
                  </button>
                  <button type="button" className="btn" onClick={cancel}>
                    Cancel publish
                  </button>
                </>
              ) : null}
            </div>
            {publishing ? (
              publishing.source === 'upload' ? (
                <FileProgress p={publishing} />
              ) : (
                <p role="status">The platform is reading the registry reference…</p>
              )
            ) : null}
            {cancelled ? (
              <>
                <Note kind="info">
                  <span data-testid="publish-cancelled">
                    Publish cancelled: nothing was published. What reached the platform is kept for a day.
                  </span>
                </Note>
                <button type="button" className="btn primary" onClick={run}>
                  Resume publish
                </button>
              </>
            ) : null}
            {error ? <FailedPublish error={error} resume={run} /> : null}
            {outcome ? outcome.published ? <Published o={outcome} /> : <Refused o={outcome} /> : null}
          </Section>
        </>
      ) : null}
    </>
  );
}
