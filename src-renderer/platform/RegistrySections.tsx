/** Registries: push the package being built (Package step) and open a registry reference (Review). */
import { useId, useState } from 'react';
import { ErrorNote, JobBar, Note, Section, formatBytes } from '../components/common';
import { useStudio } from '../store';
import { cancelJob } from '../store/jobs';

function PlainHttp({ value, onChange }: { value: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="radio">
      <input type="checkbox" checked={value} onChange={(e) => onChange(e.target.checked)} /> Plain HTTP (a registry on
      this computer only)
    </label>
  );
}

function RegistryLogin({ plainHttp }: { plainHttp: boolean }) {
  const login = useStudio((s) => s.registryLogin);
  const note = useStudio((s) => s.registryNote);
  const [registry, setRegistry] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const ids = { r: useId(), u: useId(), p: useId() };
  return (
    <details>
      <summary>Registry sign-in</summary>
      <form
        className="inline-form"
        aria-label="Registry sign-in"
        onSubmit={(e) => {
          e.preventDefault();
          const pw = password;
          setPassword('');
          void login(registry.trim(), user.trim(), pw, plainHttp);
        }}
      >
        <label htmlFor={ids.r}>Registry</label>
        <input
          id={ids.r}
          value={registry}
          onChange={(e) => setRegistry(e.target.value)}
          placeholder="registry.example.com"
        />
        <label htmlFor={ids.u}>User</label>
        <input id={ids.u} value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" />
        <label htmlFor={ids.p}>Password or token</label>
        <input
          id={ids.p}
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="off"
        />
        <button type="submit" className="btn" disabled={!registry.trim() || !user.trim() || !password}>
          Sign in
        </button>
      </form>
      <p className="muted">Checked with the registry, then kept in this computer’s keychain.</p>
      {note ? <Note kind="ok">{note}</Note> : null}
    </details>
  );
}

export function PushSection() {
  const push = useStudio((s) => s.pushToRegistry);
  const job = useStudio((s) => s.pushJob);
  const pushed = useStudio((s) => s.pushed);
  const error = useStudio((s) => s.pushError);
  const cancelled = useStudio((s) => s.pushCancelled);
  const [reference, setReference] = useState('');
  const [plainHttp, setPlainHttp] = useState(false);
  const refId = useId();
  const pinnedId = useId();
  return (
    <Section title="Push to a registry">
      <form
        className="inline-form"
        aria-label="Push to a registry"
        onSubmit={(e) => {
          e.preventDefault();
          void push(reference.trim(), plainHttp);
        }}
      >
        <label htmlFor={refId}>Reference</label>
        <input
          id={refId}
          value={reference}
          onChange={(e) => setReference(e.target.value)}
          placeholder="registry.example.com/models/detector[:tag]"
          size={48}
        />
        <button type="submit" className="btn primary" disabled={!!job || !reference.trim()}>
          Push
        </button>
        {job ? (
          <button type="button" className="btn" onClick={() => void cancelJob(job)}>
            Cancel push
          </button>
        ) : null}
      </form>
      <PlainHttp value={plainHttp} onChange={setPlainHttp} />
      <RegistryLogin plainHttp={plainHttp} />
      <JobBar jobId={job} label="Pushing" />
      <ErrorNote error={error} title={error ? 'The push did not finish' : undefined} />
      {cancelled ? (
        <Note kind="warn">
          <span data-testid="push-cancelled">Push cancelled.</span> Nothing is reported as pushed; push again to finish
          it.
        </Note>
      ) : null}
      {pushed ? (
        <div data-testid="pushed">
          <Note kind="ok">
            Pushed {pushed.layers.length} layers ({formatBytes(pushed.uploadedBytes)} sent).
          </Note>
          <div className="inline-form">
            <label htmlFor={pinnedId}>Pinned reference</label>
            <input id={pinnedId} readOnly value={pushed.reference} size={70} data-testid="pinned-reference" />
            <button type="button" className="btn" onClick={() => void navigator.clipboard.writeText(pushed.reference)}>
              Copy
            </button>
          </div>
          {pushed.warnings.map((w) => (
            <Note kind="warn" key={w}>
              {w}
            </Note>
          ))}
        </div>
      ) : null}
    </Section>
  );
}

export function OpenReferenceSection() {
  const open = useStudio((s) => s.openReference);
  const busy = useStudio((s) => s.reviewBusy);
  const [reference, setReference] = useState('');
  const [plainHttp, setPlainHttp] = useState(false);
  const id = useId();
  return (
    <form
      className="inline-form"
      aria-label="Open a registry reference"
      onSubmit={(e) => {
        e.preventDefault();
        void open(reference.trim(), plainHttp);
      }}
    >
      <label htmlFor={id}>Or a registry reference</label>
      <input
        id={id}
        value={reference}
        onChange={(e) => setReference(e.target.value)}
        placeholder="registry.example.com/models/detector:1.0.0"
        size={48}
      />
      <button type="submit" className="btn" disabled={busy || !reference.trim()}>
        Open reference
      </button>
      <PlainHttp value={plainHttp} onChange={setPlainHttp} />
    </form>
  );
}
