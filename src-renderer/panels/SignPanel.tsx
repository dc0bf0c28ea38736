import { useEffect, useState } from 'react';
import type { VerifyReport } from '../../src-main/studio/contract';
import { DownloadButton, ErrorNote, JobBar, Note, Section } from '../components/common';
import { useStudio } from '../store';
import { useJobs } from '../store/jobs';

export function VerifyView({ report }: { report: VerifyReport }) {
  return report.verified ? (
    <Note kind="ok">
      <strong data-testid="verify-ok">✓ Verified.</strong> All {report.files} file{report.files === 1 ? '' : 's'} match
      the signature
      {report.keyId ? (
        <>
          {' '}
          by key <code>{report.keyId.slice(0, 16)}…</code>
        </>
      ) : null}
      .
    </Note>
  ) : (
    <Note kind="error">
      <strong data-testid="verify-failed">✗ Not verified.</strong>
      <ul className="issues">
        {report.problems.map((p, i) => (
          <li key={i}>
            {p.file ? <code>{p.file}</code> : null} {p.message}
          </li>
        ))}
      </ul>
    </Note>
  );
}

export function SignPanel() {
  const mstate = useStudio((s) => s.mstate);
  const keys = useStudio((s) => s.keys);
  const keysError = useStudio((s) => s.keysError);
  const selected = useStudio((s) => s.selectedKey);
  const loadKeys = useStudio((s) => s.loadKeys);
  const createKey = useStudio((s) => s.createKey);
  const selectKey = useStudio((s) => s.selectKey);
  const sign = useStudio((s) => s.signPackage);
  const verify = useStudio((s) => s.verifyPackage);
  const signJob = useStudio((s) => s.signJob);
  const verifyJob = useStudio((s) => s.verifyJob);
  const result = useStudio((s) => s.signResult);
  const report = useStudio((s) => s.verifyReport);
  const error = useStudio((s) => s.signError);
  const goTo = useStudio((s) => s.goTo);
  const signing = useJobs((s) => (signJob ? s.jobs[signJob]?.state === 'running' : false));
  const verifying = useJobs((s) => (verifyJob ? s.jobs[verifyJob]?.state === 'running' : false));
  const [name, setName] = useState('');
  useEffect(() => void loadKeys(), [loadKeys]);
  if (!mstate) return <Note kind="info">Open a model first.</Note>;
  const key = keys?.find((k) => k.name === selected);
  return (
    <>
      {mstate.changedSinceSigning ? (
        <Note kind="warn">
          <strong data-testid="changed-after-signing">The package changed after it was signed.</strong> The signature no
          longer covers it: sign again.
        </Note>
      ) : null}
      {!mstate.valid ? (
        <Note kind="warn">The manifest still has errors; fix them in the Manifest step before signing.</Note>
      ) : null}
      <Section title="Signing key (OS keychain)">
        <ErrorNote error={keysError} title="The keychain could not be used" />
        {keys && keys.length === 0 ? (
          <p className="muted">No Fleetpack keys in this keychain yet. Create one below.</p>
        ) : null}
        {keys && keys.length > 0 ? (
          <fieldset>
            <legend>Choose a key</legend>
            {keys.map((k) => (
              <label key={k.name} className="radio">
                <input
                  type="radio"
                  name="key"
                  value={k.name}
                  checked={selected === k.name}
                  onChange={() => selectKey(k.name)}
                />
                <strong>{k.name}</strong>{' '}
                <span className="muted">
                  {k.algorithm} · id {k.keyId.slice(0, 12)}…
                </span>
              </label>
            ))}
          </fieldset>
        ) : null}
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void createKey(name.trim()).then((ok) => ok && setName(''));
          }}
        >
          <label htmlFor="new-key">New key name</label>
          <input id="new-key" value={name} onChange={(e) => setName(e.target.value)} placeholder="lab-signing-2026" />
          <button type="submit" className="btn">
            Create key in keychain
          </button>
        </form>
        {key ? (
          <details>
            <summary>Public key of {key.name}</summary>
            <pre className="json" data-testid="public-key" tabIndex={0}>
              {key.publicKeyPem}
            </pre>
            <DownloadButton name={`${key.name}.pub.pem`} text={key.publicKeyPem} label="Export public key" />
          </details>
        ) : null}
      </Section>
      <Section title="Sign and verify">
        <div className="actions">
          <button
            type="button"
            className="btn primary"
            disabled={!key || signing || !mstate.valid}
            onClick={() => void sign()}
          >
            Sign package
          </button>
          <button type="button" className="btn" disabled={!result || verifying} onClick={() => void verify()}>
            Verify signature
          </button>
        </div>
        <JobBar jobId={signJob} label="Signing" />
        <JobBar jobId={verifyJob} label="Verifying" />
        <ErrorNote error={error} />
        {result && !mstate.changedSinceSigning ? (
          <Note kind="ok">
            <span data-testid="signed">Signed {result.files} files</span> with <strong>{result.keyName}</strong> at{' '}
            {new Date(result.signedAt).toLocaleString()}.
          </Note>
        ) : null}
        {report ? <VerifyView report={report} /> : null}
        {report?.verified ? (
          <button type="button" className="btn primary" onClick={() => goTo('compat')}>
            Continue to compatibility
          </button>
        ) : null}
      </Section>
    </>
  );
}
