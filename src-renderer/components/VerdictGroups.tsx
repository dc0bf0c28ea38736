/**
 * A compatibility preview as groups of identical devices (the fleet domain's groups, received
 * through the contract; never regrouped here): one card per group with its verdict, its device
 * count and its reasons once; the device ids behind a disclosure, rendered only when opened (the
 * report's first ones, then more pages when the caller can fetch them).
 * Renders groups, never devices, and at most a page of groups at a time, so a fleet of thousands
 * stays a short page. Takes any PreviewReport (Build, Review, a platform's preview).
 */
import { useState } from 'react';
import type { GroupDevices as DevicePage, PreviewReport, Verdict, VerdictGroup } from '../../src-main/studio/contract';

/** Groups shown before "Show more groups". */
const GROUP_PAGE = 50;

/** Fetches a page of a group's device ids from `offset` (undefined: could not). */
export type LoadDevices = (group: string, offset: number) => Promise<DevicePage | undefined>;

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

function GroupDevices({ group, load }: { group: VerdictGroup; load?: LoadDevices | undefined }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  // What was listed, for this group object: a new preview's group (same id, maybe other devices)
  // starts again from its own first ids.
  const fresh = { of: group, ids: group.sample, stale: false };
  const [listed, setListed] = useState(fresh);
  const { ids, stale } = listed.of === group ? listed : fresh;
  const unlisted = group.devices - ids.length;
  const more = async () => {
    if (!load) return;
    setBusy(true);
    const page = await load(group.id, ids.length);
    setBusy(false);
    // Another inventory or channel since this preview: its groups are not these.
    if (!page || page.total !== group.devices || page.offset !== ids.length) setListed({ of: group, ids, stale: true });
    else setListed({ of: group, ids: [...ids, ...page.ids], stale: false });
  };
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{group.devices === 1 ? 'Show the device' : `Show the ${plural(group.devices, 'device')}`}</summary>
      {open ? (
        <>
          <ul className="device-ids" data-testid="group-devices">
            {ids.map((id) => (
              <li key={id}>
                <code>{id}</code>
              </li>
            ))}
          </ul>
          {unlisted > 0 ? (
            <p className="muted">
              {n(ids.length)} of {n(group.devices)} listed.{' '}
              {load && !stale ? (
                <button type="button" className="btn small" disabled={busy} onClick={() => void more()}>
                  List more devices
                </button>
              ) : null}
            </p>
          ) : null}
          {stale ? (
            <p className="muted" role="status">
              The inventory or channel changed since this preview: preview again to list this group.
            </p>
          ) : null}
        </>
      ) : null}
    </details>
  );
}

export function VerdictGroups({
  report,
  filter = {},
  loadDevices,
}: {
  report: PreviewReport;
  filter?: GroupFilter;
  /** Lists more of a group's devices than the report's first ones (without it, the rest are counted). */
  loadDevices?: LoadDevices;
}) {
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
            <GroupDevices group={g} load={loadDevices} />
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
