import type { DiffReport, Manifest } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { ErrorNote, FileButton, Note, Section, Shape } from '../components/common';
import { useStudio } from '../store';
import { CompatView } from './CompatPanel';
import { OpenReferenceSection } from '../platform/RegistrySections';
import { ProblemList } from './ManifestPanel';
import { PackageFiles } from './PackagePanel';
import { SbomReportView } from './SbomPanel';
import { VerifyView } from './SignPanel';

function ManifestFacts({ m }: { m: Manifest }) {
  return (
    <>
      <dl className="facts" data-testid="review-facts">
        <dt>Name</dt>
        <dd>{m.name}</dd>
        <dt>Version</dt>
        <dd>{m.version}</dd>
        <dt>Channel</dt>
        <dd>{m.channel ?? '—'}</dd>
        <dt>License</dt>
        <dd>{m.license ?? '—'}</dd>
        <dt>Format</dt>
        <dd>{m.framework.format}</dd>
        <dt>Targets</dt>
        <dd>{m.target?.profiles?.join(', ') || '—'}</dd>
        <dt>Description</dt>
        <dd>{m.description ?? '—'}</dd>
      </dl>
      <div className="table-wrap">
        <table>
          <caption>Inputs and outputs</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Name</th>
              <th scope="col">dtype</th>
              <th scope="col">Shape</th>
              <th scope="col">Preprocessing</th>
            </tr>
          </thead>
          <tbody>
            {[...m.inputs.map((t) => ['input', t] as const), ...m.outputs.map((t) => ['output', t] as const)].map(
              ([k, t]) => (
                <tr key={k + t.name}>
                  <td>{k}</td>
                  <td>
                    <code>{t.name}</code>
                  </td>
                  <td>{t.dtype}</td>
                  <td>
                    <Shape shape={t.shape} />
                  </td>
                  <td>
                    {t.preprocessing
                      ? [
                          t.preprocessing.layout,
                          t.preprocessing.colorOrder,
                          t.preprocessing.mean && `mean ${t.preprocessing.mean.join('/')}`,
                          t.preprocessing.std && `std ${t.preprocessing.std.join('/')}`,
                        ]
                          .filter(Boolean)
                          .join(' · ')
                      : '—'}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
      {m.metrics?.length ? (
        <div className="table-wrap">
          <table>
            <caption>Metrics</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Value</th>
                <th scope="col">Dataset</th>
                <th scope="col">Hardware</th>
              </tr>
            </thead>
            <tbody>
              {m.metrics.map((x, i) => (
                <tr key={i}>
                  <td>{x.name}</td>
                  <td>
                    {String(x.value)} {x.unit ?? ''}
                  </td>
                  <td>{[x.dataset, x.split].filter(Boolean).join(' / ') || '—'}</td>
                  <td>{x.hardware ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

export function DiffView({ diff }: { diff: DiffReport }) {
  return (
    <Section title={`Changes from ${diff.left.name} ${diff.left.version} to ${diff.right.name} ${diff.right.version}`}>
      <p>
        Version change: <strong>{diff.versionBump}</strong> · {diff.changes.length} change
        {diff.changes.length === 1 ? '' : 's'}
      </p>
      {diff.notes.map((n) => (
        <Note kind="warn" key={n}>
          {n}
        </Note>
      ))}
      {diff.changes.length === 0 ? <Note kind="info">The manifests are the same.</Note> : null}
      <div className="table-wrap">
        <table className="diff" data-testid="diff-table">
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">Field</th>
              <th scope="col">{diff.left.version} (before)</th>
              <th scope="col">{diff.right.version} (after)</th>
            </tr>
          </thead>
          <tbody>
            {diff.changes.flatMap((c, i) =>
              c.rows.map((r, j) => (
                <tr key={`${i}/${j}`} className={`effect-${c.effect}`}>
                  {j === 0 ? (
                    <td rowSpan={c.rows.length}>
                      <span className={`tag tag-${c.effect}`}>{c.effect}</span> {c.message}
                    </td>
                  ) : null}
                  <td className="field">
                    {r.field}
                    {r.kind !== 'changed' ? <span className="muted"> ({r.kind})</span> : null}
                  </td>
                  <td className="before">{r.before}</td>
                  <td className="after">{r.after}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <details>
        <summary>Both manifests side by side</summary>
        <div className="two-col">
          <pre className="json" tabIndex={0} aria-label="Before">
            {JSON.stringify(diff.leftManifest, null, 2)}
          </pre>
          <pre className="json" tabIndex={0} aria-label="After">
            {JSON.stringify(diff.rightManifest, null, 2)}
          </pre>
        </div>
      </details>
    </Section>
  );
}

export function ReviewPanel() {
  const review = useStudio((s) => s.review);
  const diff = useStudio((s) => s.diffReport);
  const error = useStudio((s) => s.reviewError);
  const busy = useStudio((s) => s.reviewBusy);
  const open = useStudio((s) => s.openPackage);
  const diffAgainst = useStudio((s) => s.diffAgainst);
  const verifyWithKey = useStudio((s) => s.verifyWithKey);
  const electron = getClient().kind === 'electron';
  const openButton = electron ? (
    <button type="button" className="btn primary" onClick={() => void open('dialog')}>
      Open package…
    </button>
  ) : (
    <FileButton
      label="Open package folder…"
      folder
      primary
      testId="package-input"
      disabled={busy}
      onFiles={(f) => void open(f)}
    />
  );
  return (
    <>
      <Section title="Review a package" actions={openButton}>
        <p className="muted">
          Open a package folder to verify its signature and read its manifest, SBOM and fleet compatibility.
        </p>
        <OpenReferenceSection />
        {busy ? <p role="status">Opening and verifying…</p> : null}
        <ErrorNote error={error} title={error ? 'The package could not be reviewed' : undefined} />
      </Section>
      {review ? (
        <>
          <Section title={`${review.manifest.name} ${review.manifest.version}`}>
            {review.summary.verify ? <VerifyView report={review.summary.verify} /> : null}
            <div className="actions">
              <FileButton
                label="Verify with a public key file…"
                accept=".pem,.pub,.txt"
                testId="pubkey-input"
                disabled={busy}
                onFiles={(f) => void verifyWithKey(f[0]!)}
              />
              <span className="muted">
                By default the key is looked up in this computer’s keychain by the signature’s key id.
              </span>
            </div>
            <ManifestFacts m={review.manifest} />
            <h3>Manifest checks</h3>
            <ProblemList problems={review.problems} />
          </Section>
          <Section title="Files">
            <PackageFiles summary={review.summary} />
          </Section>
          <Section title="SBOM">
            {review.sbom ? <SbomReportView report={review.sbom} /> : <p className="muted">No SBOM in this package.</p>}
          </Section>
          <Section
            title="Compare with another version"
            actions={
              electron ? (
                <button type="button" className="btn" onClick={() => void diffAgainst('dialog')}>
                  Choose package…
                </button>
              ) : (
                <FileButton
                  label="Compare with package folder…"
                  folder
                  testId="compare-input"
                  disabled={busy}
                  onFiles={(f) => void diffAgainst(f)}
                />
              )
            }
          >
            <p className="muted">
              A semantic diff: inputs changed, requirements tightened, metrics moved, license changed.
            </p>
          </Section>
          {diff ? <DiffView diff={diff} /> : null}
          <h2 className="section-title">Fleet compatibility</h2>
          <CompatView subject="review" />
        </>
      ) : null}
    </>
  );
}
