import { useEffect, useState, type ReactNode } from 'react';
import type { PreviewReport, Verdict } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { ErrorNote, FileButton, Note, Section } from '../components/common';
import { VerdictGroups, type GroupFilter, type LoadDevices } from '../components/VerdictGroups';
import { useStudio } from '../store';
import type { PreviewSubject } from '../store/compat';

const VERDICTS: Verdict[] = ['compatible', 'warning', 'declined'];
const LABEL: Record<Verdict, string> = { compatible: 'Compatible', warning: 'Warning', declined: 'Declined' };

/** A collapsed list with its count in the summary; the items are rendered only once it is opened. */
function Collapsed({ summary, testId, children }: { summary: string; testId?: string; children: () => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details data-testid={testId} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open ? children() : null}
    </details>
  );
}

/** Stacked bars per profile, plain CSS: each segment's width is its share of the profile's devices. */
function Chart({
  report,
  onPick,
  picked,
}: {
  report: PreviewReport;
  onPick: (profile: string, v?: Verdict) => void;
  picked?: string | undefined;
}) {
  return (
    <div className="chart" role="list" aria-label="Devices by profile and verdict">
      {report.byProfile.map((p) => {
        const total = p.compatible + p.warning + p.declined;
        return (
          <div key={p.profile} role="listitem" className={`chart-row${picked === p.profile ? ' picked' : ''}`}>
            <button
              type="button"
              className="linkish chart-label"
              onClick={() => onPick(p.profile)}
              aria-label={`${p.profile}: ${p.compatible} compatible, ${p.warning} warning, ${p.declined} declined — show devices`}
            >
              {p.profile}
            </button>
            <div className="chart-bar" aria-hidden="true">
              {VERDICTS.map((v) =>
                p[v] > 0 ? (
                  <span
                    key={v}
                    className={`seg seg-${v}`}
                    style={{ width: `${(p[v] / total) * 100}%` }}
                    title={`${LABEL[v]}: ${p[v]}`}
                    onClick={() => onPick(p.profile, v)}
                  >
                    {p[v]}
                  </span>
                ) : null,
              )}
            </div>
            <span className="chart-total">{total}</span>
          </div>
        );
      })}
    </div>
  );
}

/**
 * The verdicts of a preview: totals, the chart by profile, the reasons (most devices first) with
 * their fix, and the devices. No device in scope is a warning, never a pass. The Compatibility step
 * shows it for an inventory file, the Publish step for the platform's own devices.
 */
export function VerdictView({
  report,
  emptyHint = 'Choose another channel or load an inventory with devices.',
  loadDevices,
}: {
  report: PreviewReport;
  /** What to do when no device is in scope. */
  emptyHint?: string;
  /** Lists more of a group's devices (the Compatibility step's inventory); without it the rest are counted. */
  loadDevices?: LoadDevices;
}) {
  const [pick, setPick] = useState<GroupFilter>({});
  return (
    <>
      <Section title="Verdicts">
        <div className="totals" data-testid="compat-totals">
          {VERDICTS.map((v) => (
            <button key={v} type="button" className={`total total-${v}`} onClick={() => setPick({ verdict: v })}>
              <span className="total-n">{report.totals[v]}</span> {LABEL[v]}
            </button>
          ))}
        </div>
        {report.total === 0 ? (
          <Note kind="warn">
            <span data-testid="no-device-in-scope">No device in scope</span>: nothing was checked, so this is not a
            pass. {emptyHint}
          </Note>
        ) : report.totals.declined > 0 ? (
          <Note kind="warn">{report.totals.declined} device(s) would decline this model. See the reasons below.</Note>
        ) : report.totals.warning > 0 ? (
          <Note kind="warn">
            No device in scope would decline, but for {report.totals.warning} device(s) some check cannot tell or warns.
            See the reasons below.
          </Note>
        ) : (
          <Note kind="ok">No device in scope would decline this model.</Note>
        )}
        <Chart
          report={report}
          picked={pick.profile}
          onPick={(profile, verdict) => setPick({ profile, ...(verdict ? { verdict } : {}) })}
        />
        <p className="legend" aria-hidden="true">
          {VERDICTS.map((v) => (
            <span key={v}>
              <span className={`swatch seg-${v}`} /> {LABEL[v]}
            </span>
          ))}
        </p>
      </Section>
      <Section title="Reasons, most devices first">
        {report.reasons.length === 0 && report.total > 0 ? (
          <p className="muted">No reasons: every device is compatible.</p>
        ) : null}
        <ol className="reasons">
          {report.reasons.map((r) => (
            <li key={r.code + r.verdict}>
              <button type="button" className="linkish" onClick={() => setPick({ reason: r.code })}>
                <span className={`tag tag-${r.verdict}`}>{r.verdict}</span> {r.message} <strong>({r.devices})</strong>
              </button>
              {r.hint ? <div className="muted">Fix: {r.hint}</div> : null}
            </li>
          ))}
        </ol>
      </Section>
      <Section
        title={`Groups of identical devices${pick.profile ? ` · ${pick.profile}` : ''}${pick.verdict ? ` · ${pick.verdict}` : ''}${pick.reason ? ` · ${pick.reason}` : ''}`}
        actions={
          pick.profile || pick.verdict || pick.reason ? (
            <button type="button" className="btn small" onClick={() => setPick({})}>
              Show all
            </button>
          ) : null
        }
      >
        <VerdictGroups
          key={JSON.stringify(pick)}
          report={report}
          filter={pick}
          {...(loadDevices ? { loadDevices } : {})}
        />
      </Section>
    </>
  );
}

export function CompatView({ subject }: { subject: PreviewSubject }) {
  const inventory = useStudio((s) => s.inventory);
  const report = useStudio((s) => s.previews[subject]);
  const error = useStudio((s) => s.compatError);
  const busy = useStudio((s) => s.compatBusy);
  const load = useStudio((s) => s.loadInventory);
  const run = useStudio((s) => s.runPreview);
  const channel = useStudio((s) => s.channel);
  // On every visit: the manifest may have changed since the last preview (targets, requirements),
  // and an inventory handed over by an example has no preview yet. A stale verdict is never shown.
  useEffect(() => {
    if (useStudio.getState().inventory) void run(subject);
  }, [run, subject]);
  return (
    <>
      <Section
        title="Device inventory"
        actions={
          <FileButton
            label="Load inventory…"
            accept=".json,.ndjson,.jsonl,.csv"
            testId="inventory-input"
            disabled={busy}
            onFiles={(f) => void load(f[0]!, subject)}
          />
        }
      >
        <ErrorNote error={error} />
        {inventory ? (
          <>
            <p data-testid="inventory-summary">
              <strong>{inventory.name}</strong>: {inventory.devices} device{inventory.devices === 1 ? '' : 's'}
              {inventory.unreadableDevices
                ? `, ${inventory.unreadableDevices} with facts that cannot be read (cannot tell)`
                : ''}
              {inventory.skippedRows
                ? `, ${inventory.skippedRows} row${inventory.skippedRows === 1 ? '' : 's'} without a device id skipped`
                : ''}
              .
            </p>
            {inventory.unreadable.length ? (
              <Collapsed
                testId="inventory-unreadable"
                summary={`Facts that cannot be read (${inventory.unreadableDevices} device${inventory.unreadableDevices === 1 ? '' : 's'}; they stay in scope as “cannot tell”)`}
              >
                {() => (
                  <ul className="issues">
                    {inventory.unreadable.map((r, i) => (
                      <li key={i}>
                        line {r.line} ({r.id}), {r.field}: {r.message}
                      </li>
                    ))}
                  </ul>
                )}
              </Collapsed>
            ) : null}
            {inventory.badRows.length ? (
              <Collapsed testId="inventory-skipped" summary={`Skipped rows (${inventory.skippedRows}): not devices`}>
                {() => (
                  <>
                    <ul className="issues">
                      {inventory.badRows.map((r) => (
                        <li key={r.line}>
                          line {r.line}: {r.message}
                        </li>
                      ))}
                    </ul>
                    {inventory.skippedRows > inventory.badRows.length ? (
                      <p className="muted">
                        The first {inventory.badRows.length} are listed of {inventory.skippedRows}.
                      </p>
                    ) : null}
                  </>
                )}
              </Collapsed>
            ) : null}
            {inventory.channels.length > 0 ? (
              <p>
                <label htmlFor="compat-channel">Channel </label>
                <select id="compat-channel" value={channel} onChange={(e) => void run(subject, e.target.value)}>
                  <option value="">all channels</option>
                  {inventory.channels.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </p>
            ) : null}
          </>
        ) : (
          <p className="muted">
            Load an exported inventory (JSON, NDJSON or CSV) to see which devices would accept this model, and why not.
          </p>
        )}
      </Section>
      {report ? (
        <VerdictView
          report={report}
          loadDevices={async (group, offset) => {
            const r = await getClient().call('groupDevices', { group, offset, ...(channel ? { channel } : {}) });
            return r.ok ? r.value : undefined;
          }}
        />
      ) : null}
    </>
  );
}

export function CompatPanel() {
  const mstate = useStudio((s) => s.mstate);
  const report = useStudio((s) => s.previews.draft);
  const goTo = useStudio((s) => s.goTo);
  if (!mstate) return <Note kind="info">Open a model first.</Note>;
  return (
    <>
      <CompatView subject="draft" />
      {report ? (
        <button type="button" className="btn primary" onClick={() => goTo('package')}>
          Continue to package
        </button>
      ) : null}
    </>
  );
}
