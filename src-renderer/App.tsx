import { useEffect, type ReactElement } from 'react';
import iconUrl from '../resources/icon.svg';
import { getClient } from './api/client';
import { Note } from './components/common';
import { CompatPanel } from './panels/CompatPanel';
import { ManifestPanel } from './panels/ManifestPanel';
import { ModelPanel } from './panels/ModelPanel';
import { PackagePanel } from './panels/PackagePanel';
import { PublishPanel } from './panels/PublishPanel';
import { PlatformView } from './platform/PlatformView';
import { ReviewPanel } from './panels/ReviewPanel';
import { SbomPanel } from './panels/SbomPanel';
import { SignPanel } from './panels/SignPanel';
import { STEPS, stepState, useStudio, type StepId } from './store';
import { subscribeJobs } from './store/jobs';

const PANELS: Record<StepId, () => ReactElement> = {
  model: ModelPanel,
  manifest: ManifestPanel,
  sbom: SbomPanel,
  sign: SignPanel,
  compat: CompatPanel,
  package: PackagePanel,
  publish: PublishPanel,
};

const STATE_TEXT = { done: 'done', attention: 'needs attention', todo: 'not started' } as const;
const STATE_ICON = { done: '✓', attention: '!', todo: '' } as const;

function Rail() {
  const step = useStudio((s) => s.step);
  const mode = useStudio((s) => s.mode);
  const goTo = useStudio((s) => s.goTo);
  const states = useStudio((s) => STEPS.map((x) => stepState(s, x.id)).join(','));
  const list = states.split(',') as (keyof typeof STATE_TEXT)[];
  return (
    <nav className="rail" aria-label="Steps">
      <ol>
        {STEPS.map((x, i) => {
          const st = list[i]!;
          const current = mode === 'build' && step === x.id;
          return (
            <li key={x.id}>
              <button
                type="button"
                className={`step step-${st}${current ? ' current' : ''}`}
                aria-current={current ? 'step' : undefined}
                onClick={() => goTo(x.id)}
                data-testid={`step-${x.id}`}
                data-state={st}
              >
                <span className="step-icon" aria-hidden="true">
                  {STATE_ICON[st] || i + 1}
                </span>
                <span className="step-label">{x.label}</span>
                <span className="sr-only"> — {STATE_TEXT[st]}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

export function App() {
  const mode = useStudio((s) => s.mode);
  const step = useStudio((s) => s.step);
  const setMode = useStudio((s) => s.setMode);
  const openModelRef = useStudio((s) => s.openModelRef);
  const openPackageFolder = useStudio((s) => s.openPackageFolder);
  const Panel = PANELS[step];

  useEffect(() => {
    subscribeJobs();
    return getClient().onMenu((m) => {
      if (m.action === 'open-package') void openPackageFolder(m.folder);
      else void openModelRef(m.file);
    });
  }, [openModelRef, openPackageFolder]);

  // Files dropped anywhere outside the drop zone must not navigate the page away.
  useEffect(() => {
    const stop = (e: DragEvent) => e.preventDefault();
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);

  return (
    <div className="app">
      <header className="top">
        <h1>
          <img src={iconUrl} alt="" width={28} height={28} /> Fleetpack Studio
        </h1>
        <div className="modes" role="group" aria-label="Mode">
          <button
            type="button"
            className={`btn${mode === 'build' ? ' on' : ''}`}
            aria-pressed={mode === 'build'}
            onClick={() => setMode('build')}
          >
            Build a package
          </button>
          <button
            type="button"
            className={`btn${mode === 'review' ? ' on' : ''}`}
            aria-pressed={mode === 'review'}
            onClick={() => setMode('review')}
            data-testid="mode-review"
          >
            Review a package
          </button>
          <button
            type="button"
            className={`btn${mode === 'platform' ? ' on' : ''}`}
            aria-pressed={mode === 'platform'}
            onClick={() => setMode('platform')}
            data-testid="mode-platform"
          >
            Platform
          </button>
        </div>
      </header>
      <div className="body">
        {mode === 'build' ? <Rail /> : null}
        <main className="panel" id="main">
          {mode === 'build' ? (
            <>
              <h2 className="panel-title">{STEPS.find((s) => s.id === step)?.label}</h2>
              <Panel />
            </>
          ) : mode === 'review' ? (
            <ReviewPanel />
          ) : (
            <PlatformView />
          )}
        </main>
      </div>
      <noscript>
        <Note kind="error">Fleetpack Studio needs JavaScript.</Note>
      </noscript>
    </div>
  );
}
