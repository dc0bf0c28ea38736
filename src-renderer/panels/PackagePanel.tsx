import { useEffect, useState } from 'react';
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

/** Where the package goes: the browser host's folders under its root, or the desktop app's dialog. */
function SaveFolder() {
  const saveDir = useStudio((s) => s.saveDir);
  const browse = useStudio((s) => s.browseFolders);
  const choose = useStudio((s) => s.chooseSaveFolder);
  const electron = getClient().kind === 'electron';
  useEffect(() => {
    if (!electron && !useStudio.getState().saveDir) void browse();
  }, [electron, browse]);
  return (
    <div className="save-folder">
      <p>
        Save into:{' '}
        <strong data-testid="save-into">
          {saveDir ? saveDir.trail.join(' / ') : electron ? 'no folder chosen' : '…'}
        </strong>
        {electron ? (
          <>
            {' '}
            <button type="button" className="btn small" onClick={() => void choose()}>
              Choose folder…
            </button>
          </>
        ) : null}
      </p>
      {!electron && saveDir ? (
        <ul className="folder-list" aria-label="Folders">
          {saveDir.parent ? (
            <li>
              <button type="button" className="linkish" onClick={() => void browse(saveDir.parent!.handle)}>
                ↑ Up to {saveDir.trail.at(-2)}
              </button>
            </li>
          ) : null}
          {saveDir.folders.map((f) => (
            <li key={f.handle}>
              <button type="button" className="linkish" onClick={() => void browse(f.handle)}>
                📁 {f.name}
                {f.symlink ? ' (link)' : ''}
              </button>
            </li>
          ))}
          {saveDir.folders.length === 0 ? <li className="muted">No folders here.</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

export function PackagePanel() {
  const mstate = useStudio((s) => s.mstate);
  const saved = useStudio((s) => s.saved);
  const error = useStudio((s) => s.pkgError);
  const busy = useStudio((s) => s.pkgBusy);
  const save = useStudio((s) => s.savePackage);
  const download = useStudio((s) => s.downloadPackage);
  const downloaded = useStudio((s) => s.downloaded);
  const downloadError = useStudio((s) => s.downloadError);
  const downloadedFrom = useStudio((s) => s.downloadedFrom);
  const canDownload = !!getClient().downloadPackage;
  const saveDir = useStudio((s) => s.saveDir);
  const verify = useStudio((s) => s.verifyReport);
  const signed = useStudio((s) => s.signResult);
  const preview = useStudio((s) => s.previews.draft);
  const goTo = useStudio((s) => s.goTo);
  const m = mstate?.manifest;
  const [name, setName] = useState('');
  const suggested = m ? `${m.name || 'model'}-${m.version || '1.0.0'}` : '';
  if (!mstate || !m) return <Note kind="info">Open a model first.</Note>;
  const errors = mstate.problems.filter((p) => p.severity === 'error').length;
  const blocked = !mstate.valid || mstate.sbomStale;
  const folderName = (name || suggested).trim();
  /** The draft moved on since the last save: that save's result is history, not a green for now. */
  const moved = !mstate.valid || mstate.sbomStale || mstate.changedSinceSigning;
  return (
    <>
      <Section title="Summary">
        <ul className="checklist" data-testid="package-checklist">
          <li className={mstate.valid ? 'ok' : 'bad'}>
            {mstate.valid ? '✓ Manifest valid' : `✗ Manifest has ${errors} error${errors === 1 ? '' : 's'}`}
          </li>
          <li className={m.sbom ? (mstate.sbomStale ? 'bad' : 'ok') : 'warn'}>
            {m.sbom
              ? mstate.sbomStale
                ? `✗ SBOM ${m.sbom.file} is stale — generate it again`
                : `✓ SBOM ${m.sbom.file}`
              : '– No SBOM attached'}
          </li>
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
          <li
            data-testid="package-compat"
            className={!preview ? 'warn' : preview.total === 0 ? 'warn' : preview.totals.declined > 0 ? 'bad' : 'ok'}
          >
            {!preview
              ? '– Compatibility not checked'
              : preview.total === 0
                ? '– No device in scope: compatibility not checked'
                : preview.totals.declined > 0
                  ? `✗ ${preview.totals.declined} of ${preview.total} devices would decline`
                  : preview.totals.warning > 0
                    ? `– No device declines; ${preview.totals.warning} of ${preview.total} cannot tell or warn`
                    : `✓ All ${preview.total} devices in scope accept it`}
          </li>
        </ul>
      </Section>
      <Section title="Save the package folder">
        {blocked ? (
          <Note kind="warn">
            <span data-testid="save-blocked">
              {!mstate.valid
                ? 'The manifest has errors, so it cannot be saved as a package. Fix them in the Manifest step; your draft stays here meanwhile.'
                : 'The SBOM was generated from an older manifest. Generate it again in the SBOM step.'}
            </span>{' '}
            <button type="button" className="btn small" onClick={() => goTo(!mstate.valid ? 'manifest' : 'sbom')}>
              {!mstate.valid ? 'Go to Manifest' : 'Go to SBOM'}
            </button>
          </Note>
        ) : null}
        <SaveFolder />
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (saveDir) void save(saveDir.folder.handle, folderName);
          }}
        >
          <label htmlFor="save-name">New folder name</label>
          <input
            id="save-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={suggested}
            size={40}
          />
          <button type="submit" className="btn primary" disabled={busy || blocked || !saveDir || !folderName}>
            Save package
          </button>
          {canDownload ? (
            <button type="button" className="btn" disabled={busy || blocked} onClick={() => void download()}>
              Download as .tar
            </button>
          ) : null}
        </form>
        <ErrorNote error={error} title={error ? 'The package was not saved' : undefined} />
        {error?.code === 'SIGNATURE_STALE' && saveDir ? (
          <div className="actions">
            <button type="button" className="btn" onClick={() => goTo('sign')}>
              Sign again
            </button>
            <button type="button" className="btn" onClick={() => void save(saveDir.folder.handle, folderName, true)}>
              Save without the signature
            </button>
          </div>
        ) : null}
        <ErrorNote error={downloadError} title={downloadError ? 'The package was not downloaded' : undefined} />
        {downloadError?.code === 'SIGNATURE_STALE' ? (
          <div className="actions">
            <button type="button" className="btn" onClick={() => goTo('sign')}>
              Sign again
            </button>
            <button type="button" className="btn" onClick={() => void download(true)}>
              Download without the signature
            </button>
          </div>
        ) : null}
        {downloaded ? (
          <Note kind={downloadedFrom !== mstate ? 'info' : downloaded.notes.length ? 'warn' : 'ok'}>
            {downloadedFrom !== mstate ? 'Before the last changes: ' : null}
            <span data-testid="downloaded">
              Downloaded <code>{downloaded.fileName}</code> ({formatBytes(downloaded.bytes)})
            </span>
            : it unpacks to the package folder.
            {downloaded.notes.map((n) => (
              <span key={n} className="save-note">
                {' '}
                {n}
              </span>
            ))}
          </Note>
        ) : null}
        {saved ? (
          <>
            <Note kind={moved ? 'info' : saved.notes?.length ? 'warn' : 'ok'}>
              {moved ? 'Before the last changes: ' : null}
              <span data-testid="saved">Saved {saved.files.length} files</span>
              {saved.savedTo ? (
                <>
                  {' '}
                  to <code>{saved.savedTo}</code>
                </>
              ) : null}
              .
              {saved.notes?.map((n) => (
                <span key={n} className="save-note">
                  {' '}
                  {n}
                </span>
              ))}
            </Note>
            <PackageFiles summary={saved} />
            {verify && !moved ? <VerifyView report={verify} /> : null}
          </>
        ) : null}
      </Section>
      <PushSection />
    </>
  );
}
