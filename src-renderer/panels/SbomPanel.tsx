import type { SbomReport } from '../../src-main/studio/contract';
import { ErrorNote, FileButton, JobBar, Note, Section } from '../components/common';
import { useStudio } from '../store';

export function SbomReportView({ report }: { report: SbomReport }) {
  return (
    <div data-testid="sbom-report">
      {report.valid ? (
        <Note kind="ok">
          {report.attached ? 'Attached: ' : ''}valid {report.format ?? 'SBOM'} {report.specVersion ?? ''}
          {report.components !== undefined
            ? `, ${report.components} component${report.components === 1 ? '' : 's'}`
            : ''}
          .
        </Note>
      ) : (
        <Note kind="error">
          <strong>This SBOM is not valid{report.attached ? '' : ' and was not attached'}.</strong>{' '}
          {report.errors.length} error
          {report.errors.length === 1 ? '' : 's'}:
        </Note>
      )}
      {report.errors.length > 0 ? (
        <ul className="issues">
          {report.errors.map((e, i) => (
            <li key={i}>
              {e.pointer ? <code>{e.pointer}</code> : null} {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      {report.warnings.length > 0 ? (
        <>
          <h3>Warnings</h3>
          <ul className="issues">
            {report.warnings.map((e, i) => (
              <li key={i}>
                {e.pointer ? <code>{e.pointer}</code> : null} {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {report.ntia ? (
        <>
          <h3>NTIA minimum elements: {Math.round(report.ntia.score * 100)}%</h3>
          {report.ntia.gaps.length === 0 ? (
            <p className="ok">
              Every component has supplier, name, version, identifier, dependencies, author and timestamp.
            </p>
          ) : (
            <table>
              <caption className="sr-only">NTIA gaps by component</caption>
              <thead>
                <tr>
                  <th scope="col">Component</th>
                  <th scope="col">Missing</th>
                </tr>
              </thead>
              <tbody>
                {report.ntia.gaps.map((g) => (
                  <tr key={g.component}>
                    <td>{g.component}</td>
                    <td>{g.missing.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
      {report.resignNeeded ? <Note kind="warn">The package changed: sign it again in the Sign step.</Note> : null}
    </div>
  );
}

export function SbomPanel() {
  const mstate = useStudio((s) => s.mstate);
  const report = useStudio((s) => s.sbom);
  const busy = useStudio((s) => s.sbomBusy);
  const job = useStudio((s) => s.sbomJob);
  const error = useStudio((s) => s.sbomError);
  const attach = useStudio((s) => s.attachSbom);
  const generate = useStudio((s) => s.generateSbom);
  const goTo = useStudio((s) => s.goTo);
  if (!mstate) return <Note kind="info">Open a model first.</Note>;
  const ref = mstate.manifest.sbom;
  return (
    <>
      <Section
        title="Software bill of materials"
        actions={
          <>
            <FileButton
              label="Attach SBOM file…"
              accept=".json,.xml,.spdx,.jsonld"
              testId="sbom-input"
              disabled={busy}
              onFiles={(f) => void attach(f[0]!)}
            />
            <button type="button" className="btn primary" disabled={busy} onClick={() => void generate()}>
              Generate CycloneDX ML-BOM
            </button>
          </>
        }
      >
        <p className="muted">
          Attach the SBOM your build produced (CycloneDX or SPDX), or let Fleetpack generate an ML-BOM from the
          manifest.
        </p>
        {ref ? (
          <p data-testid="sbom-ref">
            In the package: <code>{ref.file}</code> ({ref.format} {ref.specVersion})
          </p>
        ) : null}
        {mstate.sbomStale ? (
          <Note kind="warn">
            <span data-testid="sbom-stale">
              Stale: this SBOM was generated from an older manifest (its version, license or other facts changed since).
              Generate it again, or attach another SBOM; the package cannot be saved until then.
            </span>
          </Note>
        ) : null}
        <JobBar jobId={job} label="Generating" />
        {busy ? (
          <p className="muted" role="status">
            Working…
          </p>
        ) : null}
        <ErrorNote error={error} />
        {report && !mstate.sbomStale ? <SbomReportView report={report} /> : null}
        {ref ? (
          <button type="button" className="btn primary" onClick={() => goTo('sign')}>
            Continue to signing
          </button>
        ) : null}
      </Section>
    </>
  );
}
