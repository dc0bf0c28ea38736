/**
 * Rollouts in the Platform view: start one (channel, phases, failure threshold, device selector,
 * allow warnings — the options of `fleetpack rollout create`), and for each rollout its progress
 * per phase, the devices declined before anything shipped grouped by reason with the fix, the
 * devices that failed or rolled back with their reasons, and pause / resume / abort, each after a
 * confirmation. Live: polled every 2 s while a rollout can still change, backing off on errors,
 * never while the page is hidden.
 */
import { useId, useState } from 'react';
import type {
  PlatformOverview,
  RolloutAction,
  RolloutCounts,
  RolloutsView,
  RolloutView,
} from '../../src-main/studio/contract';
import { Bar, ErrorNote, Note } from '../components/common';
import { useStudio } from '../store';
import { usePoll } from './poll';

const LIVE_MS = 2000;
const IDLE_MS = 10_000;

const COLUMNS: { key: keyof RolloutCounts; label: string }[] = [
  { key: 'installed', label: 'Installed' },
  { key: 'installing', label: 'Installing' },
  { key: 'pending', label: 'Pending' },
  { key: 'failed', label: 'Failed' },
  { key: 'rolledBack', label: 'Rolled back' },
];

const STATE_TAG: Record<RolloutView['state'], string> = {
  active: 'changed',
  paused: 'warning',
  halted: 'declined',
  aborted: 'declined',
  completed: 'compatible',
};

function live(v: RolloutsView | undefined): boolean {
  return !!v?.available && v.rollouts.some((r) => r.state === 'active' || r.state === 'paused' || r.state === 'halted');
}

const rolloutsEvery = () => (live(useStudio.getState().rollouts) ? LIVE_MS : IDLE_MS);
const rolloutsFailed = () => !!useStudio.getState().rolloutsError;

const CONFIRM: Record<RolloutAction, (r: RolloutView) => string> = {
  pause: (r) =>
    `Pause the rollout of ${r.model} ${r.version} on ${r.channel}? Devices not updated yet get nothing until you resume it.`,
  resume: (r) =>
    r.state === 'halted'
      ? `Resume the halted rollout of ${r.model} ${r.version}? The failures so far are accepted; the threshold (${r.maxFailures}%) counts new ones only.`
      : `Resume the rollout of ${r.model} ${r.version} on ${r.channel}? Devices of the started phases get it again.`,
  abort: (r) =>
    `Abort the rollout of ${r.model} ${r.version} on ${r.channel}? No further device gets it from this rollout, and an aborted rollout cannot be resumed (start a new one). Devices that installed it keep running it.`,
};

const VERB: Record<RolloutAction, string> = { pause: 'Pause', resume: 'Resume', abort: 'Abort' };

function Actions({ r }: { r: RolloutView }) {
  const act = useStudio((s) => s.rolloutAction);
  const busy = useStudio((s) => s.rolloutBusy);
  const [asked, setAsking] = useState<RolloutAction | undefined>();
  // A state that no longer allows the action (another user, or the rollout moved on) drops the question.
  const asking = asked && r.actions.includes(asked) ? asked : undefined;
  if (asking)
    return (
      <div className="confirm" role="group" aria-label={`${VERB[asking]} rollout?`} data-testid="rollout-confirm">
        <p>{CONFIRM[asking](r)}</p>
        <div className="actions">
          <button
            type="button"
            className="btn primary"
            disabled={busy}
            onClick={() => void act(r.id, asking).then(() => setAsking(undefined))}
          >
            Confirm {asking}
          </button>
          <button type="button" className="btn" onClick={() => setAsking(undefined)}>
            Keep it as it is
          </button>
        </div>
      </div>
    );
  if (r.actions.length === 0) return null;
  return (
    <div className="actions">
      {r.actions.map((a) => (
        <button
          key={a}
          type="button"
          className="btn"
          onClick={() => setAsking(a)}
          aria-label={`${VERB[a]} the rollout of ${r.model} ${r.version} on ${r.channel}…`}
        >
          {VERB[a]}…
        </button>
      ))}
    </div>
  );
}

function Rollout({ r }: { r: RolloutView }) {
  const finished = (c: RolloutCounts) => c.installed + c.failed + c.rolledBack;
  return (
    <article
      className="rollout"
      aria-label={`Rollout of ${r.model} ${r.version} on ${r.channel}`}
      data-testid="rollout"
      data-id={r.id}
      data-state={r.state}
    >
      <h3>
        {r.model} {r.version} on {r.channel}{' '}
        <span className={`tag tag-${STATE_TAG[r.state]}`} data-testid="rollout-state">
          {r.state}
        </span>
      </h3>
      <p className="muted">
        <code>{r.id}</code> · started by {r.createdBy} at {new Date(r.createdAt).toLocaleString()} ·{' '}
        {r.selector ? (
          <>
            devices <code>{r.selector}</code>
          </>
        ) : (
          'every device of the channel'
        )}{' '}
        · halts above {r.maxFailures}% failed · next phase at {r.advanceAt}% healthy
        {r.allowWarnings ? ' · warnings allowed' : ''}
      </p>
      {r.stateReason ? <p data-testid="rollout-reason">{r.stateReason}</p> : null}
      <div className="table-wrap">
        <table data-testid="rollout-phases">
          <caption>Progress by phase</caption>
          <thead>
            <tr>
              <th scope="col">Phase</th>
              <th scope="col">Devices</th>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col">
                  {c.label}
                </th>
              ))}
              <th scope="col">Progress</th>
            </tr>
          </thead>
          <tbody>
            {r.phases.map((p) => (
              <tr key={p.index} data-phase={p.index + 1}>
                <th scope="row">
                  {p.index + 1} ({p.percent}%)
                  {p.started ? (p.index === r.phase ? ' · current' : '') : ' · not started'}
                </th>
                <td>{p.devices}</td>
                {COLUMNS.map((c) => (
                  <td key={c.key}>{p.counts[c.key]}</td>
                ))}
                <td>
                  <Bar done={finished(p.counts)} total={p.devices} label={`Phase ${p.index + 1}`} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="rollout-totals">
              <th scope="row">All phases</th>
              <td data-testid="rollout-devices">{r.totals.devices - r.totals.declined}</td>
              {COLUMNS.map((c) => (
                <td key={c.key} data-testid={`rollout-${c.key}`}>
                  {r.totals[c.key]}
                </td>
              ))}
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <h4>
        Declined before anything shipped: <span data-testid="rollout-declined">{r.totals.declined}</span>
      </h4>
      {r.declines.length ? (
        <ol className="reasons" data-testid="rollout-declines">
          {r.declines.map((d) => (
            <li key={d.code + d.severity}>
              <span className={`tag tag-${d.severity === 'declined' ? 'declined' : 'warning'}`}>{d.severity}</span>{' '}
              <code>{d.code}</code> {d.message} <strong>({d.devices})</strong>
              {d.fix ? <div className="muted">Fix: {d.fix}</div> : null}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No device in scope was declined.</p>
      )}
      {r.problems.length ? (
        <div className="table-wrap">
          <table data-testid="rollout-problems">
            <caption>Failures and rollbacks</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Phase</th>
                <th scope="col">State</th>
                <th scope="col">Reason the device reported</th>
              </tr>
            </thead>
            <tbody>
              {r.problems.map((p) => (
                <tr key={p.device}>
                  <td>
                    <code>{p.device}</code>
                  </td>
                  <td>{p.phase === null ? '—' : p.phase + 1}</td>
                  <td>
                    <span className="tag tag-declined">{p.state}</span>
                  </td>
                  <td>{p.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Actions r={r} />
    </article>
  );
}

/** Starts a rollout of what a channel points at; the platform previews and declines first. */
function StartRollout({ overview }: { overview: PlatformOverview }) {
  const start = useStudio((s) => s.startRollout);
  const busy = useStudio((s) => s.rolloutBusy);
  const pointers = overview.channels;
  const models = [...new Set(pointers.map((p) => p.model))];
  const [model, setModel] = useState(models[0] ?? '');
  const [channel, setChannel] = useState('');
  const [phases, setPhases] = useState('');
  const [maxFailures, setMaxFailures] = useState('');
  const [advanceAt, setAdvanceAt] = useState('');
  const [devices, setDevices] = useState('');
  const [allowWarnings, setAllowWarnings] = useState(false);
  const ids = { model: useId(), channel: useId(), phases: useId(), max: useId(), adv: useId(), dev: useId() };
  const m = models.includes(model) ? model : (models[0] ?? '');
  const onModel = pointers.filter((p) => p.model === m);
  const ch = onModel.find((p) => p.channel === channel) ?? onModel[0];
  if (models.length === 0)
    return <p className="muted">Nothing to roll out yet: a rollout ships what a channel points at.</p>;
  return (
    <form
      className="rollout-form"
      aria-label="Start a rollout"
      onSubmit={(e) => {
        e.preventDefault();
        if (!ch) return;
        void start({
          model: m,
          version: ch.version,
          channel: ch.channel,
          ...(phases.trim() ? { phases } : {}),
          ...(maxFailures.trim() ? { maxFailures } : {}),
          ...(advanceAt.trim() ? { advanceAt } : {}),
          ...(devices.trim() ? { devices } : {}),
          ...(allowWarnings ? { allowWarnings } : {}),
        });
      }}
    >
      <h3>Start a rollout</h3>
      <div className="inline-form">
        <label htmlFor={ids.model}>Model</label>
        <select id={ids.model} value={m} onChange={(e) => setModel(e.target.value)}>
          {models.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
        <label htmlFor={ids.channel}>Rollout channel</label>
        <select id={ids.channel} value={ch?.channel ?? ''} onChange={(e) => setChannel(e.target.value)}>
          {onModel.map((p) => (
            <option key={p.channel} value={p.channel}>
              {p.channel} ({p.version})
            </option>
          ))}
        </select>
      </div>
      <div className="inline-form">
        <label htmlFor={ids.phases}>Phases</label>
        <input
          id={ids.phases}
          value={phases}
          onChange={(e) => setPhases(e.target.value)}
          placeholder="100%"
          size={14}
          aria-describedby={`${ids.phases}-help`}
        />
        <label htmlFor={ids.max}>Halt above % failed</label>
        <input
          id={ids.max}
          value={maxFailures}
          onChange={(e) => setMaxFailures(e.target.value)}
          placeholder="100%"
          size={5}
        />
        <label htmlFor={ids.adv}>Next phase at % healthy</label>
        <input
          id={ids.adv}
          value={advanceAt}
          onChange={(e) => setAdvanceAt(e.target.value)}
          placeholder="100%"
          size={5}
        />
      </div>
      <p className="muted" id={`${ids.phases}-help`}>
        Phases are cumulative shares of the devices that fit, e.g. 1%,10%,100%.
      </p>
      <div className="inline-form">
        <label htmlFor={ids.dev}>Devices (optional)</label>
        <input
          id={ids.dev}
          value={devices}
          onChange={(e) => setDevices(e.target.value)}
          placeholder="label=site-a,profile=…"
          size={30}
        />
        <label className="radio">
          <input type="checkbox" checked={allowWarnings} onChange={(e) => setAllowWarnings(e.target.checked)} /> Ship
          where a check cannot tell (allow warnings)
        </label>
      </div>
      <p className="muted">
        Before anything ships the platform previews {m} {ch?.version ?? ''} against the devices of{' '}
        {ch?.channel ?? 'the channel'} and declines each device that does not fit.
      </p>
      <button type="submit" className="btn primary" disabled={busy || !ch}>
        Start rollout of {m} {ch?.version ?? ''} on {ch?.channel ?? '…'}
      </button>
    </form>
  );
}

export function RolloutsSection({ overview }: { overview: PlatformOverview }) {
  const view = useStudio((s) => s.rollouts);
  const error = useStudio((s) => s.rolloutsError);
  const actionError = useStudio((s) => s.rolloutError);
  const at = useStudio((s) => s.rolloutsAt);
  const load = useStudio((s) => s.loadRollouts);
  usePoll(load, true, rolloutsEvery, rolloutsFailed);
  return (
    <section className="card" aria-label="Rollouts">
      <div className="card-head">
        <h2>Rollouts</h2>
      </div>
      <StartRollout overview={overview} />
      <ErrorNote error={actionError} title={actionError ? 'The platform refused' : undefined} />
      {error ? (
        <ErrorNote error={error} title="The platform did not answer about rollouts; retrying with a growing delay" />
      ) : null}
      {!view ? (
        <p role="status">Asking the platform for its rollouts…</p>
      ) : !view.available ? (
        <Note kind="warn">
          <span data-testid="rollouts-unavailable">{view.reason}</span>
          {view.hint ? <span className="muted"> {view.hint}</span> : null}
        </Note>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            Updated {at ? new Date(at).toLocaleTimeString() : '—'} (every {(live(view) ? LIVE_MS : IDLE_MS) / 1000} s
            while this view is visible).
          </p>
          {view.rollouts.length === 0 ? <Note kind="info">No rollouts yet.</Note> : null}
          {view.rollouts.map((r) => (
            <Rollout key={r.id} r={r} />
          ))}
          {view.more ? (
            <p className="muted">
              {view.more} older rollout(s) not shown: <code>fleetpack rollout list</code>.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
