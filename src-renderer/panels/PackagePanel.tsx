import { useState } from 'react';
import type { PackageSummary } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { ErrorNote, Note, Section, formatBytes } from '../components/common';
import { useStudio } from '../store';
import { PushSection } from '../platform/RegistrySections';
import { VerifyView } from './SignPanel';

export function PackageFiles({ summary }: { summary: PackageSummary }) {
  return (
    <div className="table-wrap">
      <table data-testid="package-files">
        <caption>
          {summary.name} {summary.version}
        </caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Role</th>
            <th scope="col">Size</th>
          </tr>
        </thead>
        <tbody>
          {summary.files.map((f) => (
            <tr key={f.path}>
              <td>
                <code>{f.path}</code>
              </td>
              <td>{f.role}</td>
              <td>{formatBytes(f.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PackagePanel() {
  const mstate = useStudio((s) => s.mstate);
  const saved = useStudio((s) => s.saved);
  const error = useStudio((s) => s.pkgError);
  const busy = useStudio((s) => s.pkgBusy);
  const save = useStudio((s) => s.savePackage);
  const verify = useStudio((s) => s.verifyReport);
  const signed = useStudio((s) => s.signResult);
  const [dest, setDest] = useState('');
  if (!mstate) return <Note kind="info">Open a model first.</Note>;
  const client = getClient();
  const m = mstate.manifest;
  return (
    <>
      <Section title="Summary">
        <ul className="checklist" data-testid="package-checklist">
          <li className={mstate.valid ? 'ok' : 'bad'}>{mstate.valid ? '✓ Manifest valid' : '✗ Manifest has errors'}</li>
          <li className={m.sbom ? 'ok' : 'warn'}>{m.sbom ? `✓ SBOM ${m.sbom.file}` : '– No SBOM attached'}</li>
          <li className={signed && !mstate.changedSinceSigning ? 'ok' : 'bad'}>
            {signed
              ? mstate.changedSinceSigning
                ? '✗ Changed after signing — sign again'
                : `✓ Signed with ${signed.keyName}`
              : '✗ Not signed'}
          </li>
          <li className={verify?.verified && !mstate.changedSinceSigning ? 'ok' : 'warn'}>
            {verify?.verified && !mstate.changedSinceSigning ? '✓ Signature verifies' : '– Signature not verified yet'}
          </li>
        </ul>
      </Section>
      <Section title="Save the package folder">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(dest.trim());
          }}
        >
          <label htmlFor="save-dest">Destination folder on this computer</label>
          <input
            id="save-dest"
            value={dest}
            onChange={(e) => setDest(e.target.value)}
            placeholder={`/home/you/packages/${m.name || 'model'}-${m.version || '1.0.0'}`}
            size={48}
          />
          {client.chooseSaveFolder ? (
            <button
              type="button"
              className="btn"
              onClick={() =>
                void client.chooseSaveFolder!().then((r) => {
                  if (r.ok && r.value) setDest(r.value);
                })
              }
            >
              Choose…
            </button>
          ) : null}
          <button type="submit" className="btn primary" disabled={busy || !dest.trim()}>
            Save package
          </button>
        </form>
        <ErrorNote error={error} title={error ? 'The package was not saved' : undefined} />
        {saved ? (
          <>
            <Note kind="ok">
              <span data-testid="saved">Saved {saved.files.length} files</span>
              {saved.savedTo ? (
                <>
                  {' '}
                  to <code>{saved.savedTo}</code>
                </>
              ) : null}
              .
            </Note>
            <PackageFiles summary={saved} />
            {verify ? <VerifyView report={verify} /> : null}
          </>
        ) : null}
      </Section>
      <PushSection />
    </>
  );
}
