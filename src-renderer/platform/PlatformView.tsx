/**
 * The Platform view (beside Build and Review): releases per model with version, digest, signer,
 * SBOM status and channels; promote with the diff against what the target channel has now;
 * SBOM coverage and NTIA compliance by channel with the releases that do not count and why;
 * rollouts (RolloutsSection). Polls the platform while the page is visible, backing off while it fails.
 */
import { useId, useState } from 'react';
import type { CoverageGroup, Release } from '../../src-main/studio/contract';
import { ErrorNote, Note, Section } from '../components/common';
import { DiffView } from '../panels/ReviewPanel';
import { useStudio } from '../store';
import { ConnectSection } from './ConnectSection';
import { usePoll } from './poll';
import { RolloutsSection } from './RolloutsSection';
import { signatureText } from './words';

const POLL_MS = 5000;
const overviewEvery = () => POLL_MS;
const overviewFailed = () => !!useStudio.getState().overviewError;

function pct(v: number | null): string {
  return v === null ? 'cannot tell (no releases)' : `${(v * 100).toFixed(1)} %`;
}

function sbomText(r: Release): string {
  if (!r.sbom.counted) return `not counted: ${r.sbom.reasons.join('; ') || 'no SBOM'}`;
  return r.sbom.compliant
    ? `counted, NTIA ok (${r.sbom.format ?? ''})`
    : `counted, NTIA gaps: ${r.sbom.reasons.join('; ')}`;
}

function PromoteForm({ model, channels, onChannel }: { model: string; channels: string[]; onChannel: string[] }) {
  const previewPromotion = useStudio((s) => s.previewPromotion);
  const [from, setFrom] = useState(onChannel[0] ?? '');
  const [to, setTo] = useState(channels.find((c) => c !== (onChannel[0] ?? '')) ?? 'stable');
  const fromId = useId();
  const toId = useId();
  return (
    <form
      className="inline-form"
      aria-label={`Promote ${model}`}
      onSubmit={(e) => {
        e.preventDefault();
        void previewPromotion(model, from, to);
      }}
    >
      <label htmlFor={fromId}>From</label>
      <select id={fromId} value={from} onChange={(e) => setFrom(e.target.value)}>
        {onChannel.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
      <label htmlFor={toId}>To</label>
      <select id={toId} value={to} onChange={(e) => setTo(e.target.value)}>
        {channels
          .filter((c) => c !== from)
          .map((c) => (
            <option key={c}>{c}</option>
          ))}
      </select>
      <button type="submit" className="btn" disabled={!from || !to}>
        Promote {model}…
      </button>
    </form>
  );
}

function PromoteConfirm() {
  const p = useStudio((s) => s.promotion);
  const error = useStudio((s) => s.promoteError);
  const done = useStudio((s) => s.promoted);
  const confirm = useStudio((s) => s.confirmPromotion);
  const close = useStudio((s) => s.closePromotion);
  return (
    <>
      <ErrorNote error={error} title={error ? 'The promotion did not happen' : undefined} />
      {done ? (
        <Note kind="ok">
          <span data-testid="promoted">
            {done.changed
              ? `${done.model} ${done.channel}: ${done.from ?? '(none)'} → ${done.version}`
              : `${done.model} ${done.channel} already points at ${done.version}`}
          </span>
        </Note>
      ) : null}
      {p ? (
        <Section title={`Promote ${p.model} ${p.fromVersion} from ${p.from} to ${p.to}?`}>
          <div data-testid="promote-confirm">
            <p>
              {p.to} has {p.toVersion ? <strong>{p.toVersion}</strong> : 'no release of this model'} now; it will point
              at <strong>{p.fromVersion}</strong>, and devices on {p.to} will be offered it.
            </p>
            {p.diff ? <DiffView diff={p.diff} /> : <Note kind="info">{p.diffUnavailable}</Note>}
            <div className="actions">
              <button type="button" className="btn primary" onClick={() => void confirm()}>
                Confirm promotion
              </button>
              <button type="button" className="btn" onClick={close}>
                Cancel
              </button>
            </div>
          </div>
        </Section>
      ) : null}
    </>
  );
}

function CoverageTable({ title, g }: { title: string; g: CoverageGroup }) {
  const notCounting = g.releases.filter((r) => !r.counted || !r.compliant);
  return (
    <tr>
      <th scope="row">{title}</th>
      <td>{pct(g.coverage)}</td>
      <td>{pct(g.compliance)}</td>
      <td>
        {g.counted}/{g.total} counted, {g.compliant} compliant
      </td>
      <td>
        {notCounting.length === 0
          ? '—'
          : notCounting.map((r) => (
              <div key={`${r.name}@${r.version}`}>
                <code>
                  {r.name}@{r.version}
                </code>
                : {r.reasons.join('; ')}
              </div>
            ))}
      </td>
    </tr>
  );
}

export function PlatformView() {
  const active = useStudio((s) => s.activePlatform);
  const overview = useStudio((s) => s.overview);
  const error = useStudio((s) => s.overviewError);
  const at = useStudio((s) => s.overviewAt);
  const openRelease = useStudio((s) => s.openRelease);
  const load = useStudio((s) => s.loadOverview);
  const connected = active?.health === 'healthy';
  usePoll(load, connected, overviewEvery, overviewFailed);
  const models = new Map<string, Release[]>();
  for (const r of overview?.releases ?? []) models.set(r.name, [...(models.get(r.name) ?? []), r]);
  return (
    <>
      <ConnectSection />
      {connected && error ? (
        <ErrorNote error={error} title="The platform did not answer; retrying with a growing delay" />
      ) : null}
      {connected && overview ? (
        <>
          <Section title="Releases">
            <p className="muted" aria-live="polite">
              Updated {at ? new Date(at).toLocaleTimeString() : '—'} (every {POLL_MS / 1000} s).
            </p>
            {models.size === 0 ? <Note kind="info">No releases yet: publish one from the Publish step.</Note> : null}
            {[...models].map(([model, list]) => (
              <div key={model} data-testid={`model-${model}`}>
                <h3>{model}</h3>
                <div className="table-wrap">
                  <table data-testid="releases">
                    <caption>Releases of {model}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        <th scope="col">Digest</th>
                        <th scope="col">Signer</th>
                        <th scope="col">SBOM</th>
                        <th scope="col">Channels</th>
                        <th scope="col">Review</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((r) => (
                        <tr key={r.id} data-version={r.version}>
                          <td>
                            {r.version} <span className="muted">#{r.releaseCounter}</span>
                          </td>
                          <td>
                            <code className="digest">{r.manifestDigest.slice(0, 19)}…</code>
                          </td>
                          <td>
                            {r.publisher}: {signatureText(r)}
                          </td>
                          <td>{sbomText(r)}</td>
                          <td data-testid="release-channels">{r.channels.join(', ') || '—'}</td>
                          <td>
                            <button
                              type="button"
                              className="btn"
                              onClick={() => void openRelease(r.name, r.version)}
                              aria-label={`Review ${r.name} ${r.version}`}
                            >
                              Review
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <PromoteForm
                  model={model}
                  channels={overview.channelNames}
                  onChannel={[...new Set(list.flatMap((r) => r.channels))]}
                />
              </div>
            ))}
            <PromoteConfirm />
          </Section>
          <Section title="SBOM coverage and NTIA compliance by channel">
            <div className="table-wrap">
              <table data-testid="coverage">
                <caption>{overview.coverage.definition}</caption>
                <thead>
                  <tr>
                    <th scope="col">Scope</th>
                    <th scope="col">Coverage</th>
                    <th scope="col">NTIA compliance</th>
                    <th scope="col">Counts</th>
                    <th scope="col">Not counting, and why</th>
                  </tr>
                </thead>
                <tbody>
                  <CoverageTable title="All releases" g={overview.coverage.overall} />
                  {Object.entries(overview.coverage.byChannel).map(([c, g]) => (
                    <CoverageTable key={c} title={`Channel ${c}`} g={g} />
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
          <RolloutsSection overview={overview} />
        </>
      ) : null}
    </>
  );
}
