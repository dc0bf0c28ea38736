/** Platforms: add one by URL and token (kept in the OS keychain), pick the active one, see its health and TUF root keys. */
import { useEffect, useId, useState } from 'react';
import type { PlatformStatus } from '../../src-main/studio/contract';
import { ErrorNote, Note, Section } from '../components/common';
import { useStudio } from '../store';

const HEALTH_KIND = {
  healthy: 'ok',
  'database down': 'error',
  unreachable: 'error',
  'token refused': 'error',
  'not checked': 'info',
} as const;

export function PlatformFacts({ p }: { p: PlatformStatus }) {
  return (
    <>
      <Note kind={HEALTH_KIND[p.health]}>
        <span data-testid="platform-health">
          {p.health === 'healthy' ? `Connected to ${p.name ?? p.url}` : `${p.url}: ${p.health}`}
        </span>
        {p.problem ? (
          <>
            {' '}
            — {p.problem.message}
            {p.problem.hint ? <span className="muted"> {p.problem.hint}</span> : null}
          </>
        ) : null}
      </Note>
      {p.health === 'healthy' ? (
        <dl className="facts" data-testid="platform-facts">
          <dt>Platform</dt>
          <dd>{p.name}</dd>
          <dt>URL</dt>
          <dd>
            <code>{p.url}</code>
          </dd>
          <dt>Signed in as</dt>
          <dd>{p.who ? `${p.who.name} (${p.who.role})` : '—'}</dd>
          <dt>TUF root</dt>
          <dd>
            version {p.rootVersion ?? '?'}, key id{p.rootKeyIds.length === 1 ? '' : 's'}{' '}
            {p.rootKeyIds.map((k) => (
              <code key={k} className="digest" data-testid="root-key-id">
                {k}
              </code>
            ))}
            <span className="muted"> — compare with the root your devices were provisioned with.</span>
          </dd>
        </dl>
      ) : null}
    </>
  );
}

export function ConnectSection({ compact = false }: { compact?: boolean }) {
  const platforms = useStudio((s) => s.platforms);
  const active = useStudio((s) => s.activePlatform);
  const error = useStudio((s) => s.platformError);
  const busy = useStudio((s) => s.platformBusy);
  const load = useStudio((s) => s.loadPlatforms);
  const add = useStudio((s) => s.addPlatform);
  const use = useStudio((s) => s.usePlatform);
  const remove = useStudio((s) => s.removePlatform);
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const urlId = useId();
  const tokenId = useId();
  useEffect(() => {
    void load();
  }, [load]);
  const others = platforms.filter((p) => !active || p.url !== active.url);
  return (
    <Section title="Platform">
      {active ? <PlatformFacts p={active} /> : <p className="muted">No platform connected.</p>}
      {others.length > 0 ? (
        <ul className="checklist" aria-label="Saved platforms">
          {others.map((p) => (
            <li key={p.url}>
              <code>{p.url}</code>{' '}
              <button type="button" className="btn" onClick={() => void use(p.url)} disabled={busy}>
                Connect
              </button>{' '}
              <button type="button" className="btn" onClick={() => void remove(p.url)} disabled={busy}>
                Forget
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {active && !compact ? (
        <div className="actions">
          <button type="button" className="btn" onClick={() => void use(active.url)} disabled={busy}>
            Check connection
          </button>
          <button type="button" className="btn" onClick={() => void remove(active.url)} disabled={busy}>
            Forget this platform
          </button>
        </div>
      ) : null}
      <details open={!active}>
        <summary>Add a platform</summary>
        <form
          className="inline-form"
          aria-label="Add a platform"
          onSubmit={(e) => {
            e.preventDefault();
            const t = token;
            // The token leaves the page once, to the keychain; the field is cleared either way.
            setToken('');
            void add(url.trim(), t.trim()).then((ok) => {
              if (ok) setUrl('');
            });
          }}
        >
          <label htmlFor={urlId}>Platform URL</label>
          <input
            id={urlId}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="http://127.0.0.1:8440"
            size={32}
            autoComplete="url"
          />
          <label htmlFor={tokenId}>Token</label>
          <input
            id={tokenId}
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="fpt_…"
            size={32}
            autoComplete="off"
          />
          <button type="submit" className="btn primary" disabled={busy || !url.trim() || !token.trim()}>
            Sign in
          </button>
        </form>
        <p className="muted">
          The token is checked with the platform and kept in this computer’s keychain; it is never shown again.
        </p>
      </details>
      <ErrorNote error={error} title={error ? 'The platform could not be used' : undefined} />
    </Section>
  );
}
