/**
 * A compatibility preview as groups of identical devices (the fleet domain's groups, received
 * through the contract; never regrouped here): one card per group with its verdict, its device
 * count and its reasons once; the device ids behind a disclosure, rendered only when opened.
 * Renders groups, never devices, and at most a page of groups at a time, so a fleet of thousands
 * stays a short page. Takes any PreviewReport (Build, Review, a platform's preview).
 */
import { useState } from 'react';
import type { PreviewReport, Verdict, VerdictGroup } from '../../src-main/studio/contract';

/** Groups shown before "Show more groups". */
const GROUP_PAGE = 50;

/** Which groups to show: a profile, a verdict, a reason code (each optional). */
export interface GroupFilter {
  profile?: string | undefined;
  verdict?: Verdict | undefined;
  reason?: string | undefined;
}

const n = (x: number) => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

export function matchesFilter(g: VerdictGroup, f: GroupFilter): boolean {
  return (
    (!f.profile || g.profile === f.profile) &&
    (!f.verdict || g.verdict === f.verdict) &&
    (!f.reason || g.reasons.some((r) => r.code === f.reason))
  );
}

function GroupDevices({ group, sampleSize }: { group: VerdictGroup; sampleSize: number }) {
  const [open, setOpen] = useState(false);
  const unlisted = group.devices - group.sample.length;
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{group.devices === 1 ? 'Show the device' : `Show the ${plural(group.devices, 'device')}`}</summary>
      {open ? (
        <>
          <ul className="device-ids" data-testid="group-devices">
            {group.sample.map((id) => (
              <li key={id}>
                <code>{id}</code>
              </li>
            ))}
          </ul>
          {unlisted > 0 ? (
            <p className="muted">
              The first {n(sampleSize)} are listed; {plural(unlisted, 'more device')} of this group{' '}
              {unlisted === 1 ? 'has' : 'have'} the same facts and the same verdict.
            </p>
          ) : null}
        </>
      ) : null}
    </details>
  );
}

export function VerdictGroups({ report, filter = {} }: { report: PreviewReport; filter?: GroupFilter }) {
  const [shown, setShown] = useState(GROUP_PAGE);
  const groups = report.groups.filter((g) => matchesFilter(g, filter));
  const devices = groups.reduce((s, g) => s + g.devices, 0);
  return (
    <>
      <p className="muted" data-testid="groups-summary">
        {plural(devices, 'device')} in {plural(groups.length, 'group')} of identical devices (same profile and facts, so
        the same verdict).
      </p>
      <ul className="groups" aria-label="Groups of identical devices" data-testid="compat-groups">
        {groups.slice(0, shown).map((g) => (
          <li key={g.id} className={`group group-${g.verdict}`} data-testid="compat-group" data-verdict={g.verdict}>
            <div className="group-head">
              <span className={`tag tag-${g.verdict}`}>{g.verdict}</span>{' '}
              <strong className="group-count">{plural(g.devices, 'device')}</strong> · {g.profile}
            </div>
            {g.reasons.length ? (
              <ul className="group-reasons">
                {g.reasons.map((r, i) => (
                  <li key={i} data-code={r.code}>
                    {r.message}
                    {r.hint ? <span className="muted"> Fix: {r.hint}</span> : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted group-reasons">Every check passed.</p>
            )}
            <GroupDevices group={g} sampleSize={report.sampleSize} />
          </li>
        ))}
      </ul>
      {groups.length > shown ? (
        <button type="button" className="btn small" onClick={() => setShown((s) => s + GROUP_PAGE)}>
          Show more groups ({n(groups.length - shown)} not shown)
        </button>
      ) : null}
    </>
  );
}
