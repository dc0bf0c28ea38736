/**
 * The compatibility preview: which devices in scope would accept or decline the model, and why.
 * Devices are grouped by (profile, identical facts) and each group is decided once, so a million
 * devices over fifty kinds of hardware cost fifty rule evaluations. The result is plain JSON:
 * the CLI prints it and the Studio renders it.
 */
import { requireValidManifest, type Manifest } from '../manifest/index.js';
import type { NextStep } from '../next-steps.js';
import { type Catalog, defaultCatalog } from './catalog.js';
import { type Device, type DeviceFacts, factsKey } from './facts.js';
import { Inventory, type InventoryError, type InventoryWarning } from './inventory.js';
import { type ModelNeeds, modelNeeds } from './needs.js';
import { type Reason, type Rule, type RuleSeverity, type Verdict, evaluate, rulesFor } from './rules/index.js';

export interface PreviewOptions {
  /** Only devices on this release channel; undefined = every device. */
  channel?: string;
  /** Device ids listed per group (default 5). */
  sample?: number;
  catalog?: Catalog;
  /** 'grouped' (default) decides once per group; 'per-device' evaluates every device (the benchmark's peer). */
  strategy?: 'grouped' | 'per-device';
}

export interface VerdictCounts {
  compatible: number;
  warning: number;
  declined: number;
}

export interface PreviewGroup {
  /** Short stable id of the group (hash of profile + facts). */
  id: string;
  profile: string | null;
  verdict: Verdict;
  reasons: Reason[];
  devices: number;
  /** The first device ids of the group, in inventory order. */
  sample: string[];
  facts: DeviceFacts;
}

export interface ReasonTotal {
  code: string;
  severity: RuleSeverity;
  rule: string;
  /** Devices that have this reason. */
  devices: number;
  /** The sentence and fix for the largest group with it. */
  message: string;
  fix: string;
  next?: NextStep;
}

export interface PreviewResult {
  model: { name: string; version: string; format: string; sizeBytes: number; buildProfiles: string[] };
  scope: { channel: string | null; devices: number; outOfScope: number };
  totals: VerdictCounts;
  /** True when some device is in scope and none would decline (an empty scope checked nothing). */
  ok: boolean;
  byProfile: ({ profile: string | null; total: number } & VerdictCounts)[];
  byReason: ReasonTotal[];
  /** Declined groups first, then warning, then compatible; larger groups first. */
  groups: PreviewGroup[];
  rules: { id: string; title: string }[];
  /** Rows the inventory import skipped (no id, or a repeated id), when an Inventory was passed. */
  inventoryErrors: InventoryError[];
  /** Devices kept in scope whose stated facts could not be read, by line and field. */
  inventoryUnreadable: InventoryWarning[];
  /** Exact counts behind those lists (which stop at MAX_LISTED_ROWS); null for a plain device list. */
  inventory: { rows: number; skippedRows: number; unreadableDevices: number } | null;
}

interface Acc {
  profile: string | undefined;
  facts: DeviceFacts;
  key: string;
  devices: number;
  sample: string[];
  counts?: VerdictCounts;
  evaluation?: { verdict: Verdict; reasons: Reason[] };
}

const VERDICT_ORDER: Record<Verdict, number> = { declined: 0, warning: 1, compatible: 2 };

/** FNV-1a, 32 bit, as 8 hex digits: a short id for a group key. */
function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The id of the group of devices with this profile and these facts (PreviewGroup.id). */
function groupId(profile: string | undefined | null, key: string): string {
  return shortHash(`${profile ?? ''}\u0000${key}`);
}

/** Decides every device in scope. Pure apart from reading the built-in catalog once. */
export function preview(
  manifest: Manifest,
  inventory: Inventory | readonly Device[],
  options: PreviewOptions = {},
): PreviewResult {
  const catalog = options.catalog ?? defaultCatalog();
  const needs = modelNeeds(manifest, catalog);
  return previewNeeds(needs, inventory, options);
}

/**
 * The preview as `fleetpack compat` and the Studio run it: an invalid manifest is refused
 * (ManifestError MANIFEST_INVALID, `where` = `options.where`) before any device is looked at.
 */
export function checkedPreview(
  manifest: Manifest,
  inventory: Inventory | readonly Device[],
  options: PreviewOptions & { where?: string } = {},
): PreviewResult {
  const { where, ...rest } = options;
  requireValidManifest(manifest, where);
  return preview(manifest, inventory, rest);
}

/** The preview for already derived model needs (lets callers reuse them across channels). */
export function previewNeeds(
  needs: ModelNeeds,
  inventory: Inventory | readonly Device[],
  options: PreviewOptions = {},
): PreviewResult {
  const rules = rulesFor(needs);
  const sampleN = options.sample ?? 5;
  const perDevice = options.strategy === 'per-device';
  const channel = options.channel;
  // factsKey → profile → group; two-level so no key string is built per device.
  const byKey = new Map<string, Map<string | undefined, Acc>>();
  const order: Acc[] = [];
  const groupOf = (profile: string | undefined, facts: DeviceFacts, key: string): Acc => {
    let byProfile = byKey.get(key);
    if (!byProfile) byKey.set(key, (byProfile = new Map<string | undefined, Acc>()));
    let g = byProfile.get(profile);
    if (!g) {
      g = { profile, facts, key, devices: 0, sample: [] };
      byProfile.set(profile, g);
      order.push(g);
    }
    return g;
  };
  const count = (g: Acc, id: () => string): void => {
    g.devices++;
    if (g.sample.length < sampleN) g.sample.push(id());
    if (perDevice) {
      // The naive peer: every device evaluated on its own.
      const e = evaluate(needs, g.facts, rules);
      g.evaluation = e;
      (g.counts ??= { compatible: 0, warning: 0, declined: 0 })[e.verdict]++;
    }
  };
  let inScope = 0;
  let total: number;
  if (inventory instanceof Inventory) {
    // Column store: one group lookup per device kind, not per device.
    total = inventory.size;
    const groups = inventory.kinds.map((k) => groupOf(k.profile, k.facts, k.factsKey));
    const wanted = inventory.channelNames.map((c) => channel === undefined || c === channel);
    for (let i = 0; i < total; i++) {
      if (!wanted[inventory.channelOf(i)]) continue;
      inScope++;
      count(groups[inventory.kindOf(i)]!, () => inventory.id(i));
    }
  } else {
    const devices = inventory;
    total = devices.length;
    for (let i = 0; i < total; i++) {
      const d = devices[i]!;
      if (channel !== undefined && d.channel !== channel) continue;
      inScope++;
      count(groupOf(d.profile, d.facts, d.factsKey ?? factsKey(d.facts)), () => d.id);
    }
  }
  for (const g of order) g.evaluation ??= evaluate(needs, g.facts, rules);
  return summarize(
    needs,
    rules,
    order.filter((g) => g.devices > 0),
    inScope,
    total - inScope,
    channel,
    inventory instanceof Inventory ? inventory : undefined,
  );
}

function summarize(
  needs: ModelNeeds,
  rules: Rule[],
  groups: Acc[],
  inScope: number,
  outOfScope: number,
  channel: string | undefined,
  inventory: Inventory | undefined,
): PreviewResult {
  const totals: VerdictCounts = { compatible: 0, warning: 0, declined: 0 };
  const profiles = new Map<string | null, { profile: string | null; total: number } & VerdictCounts>();
  const reasons = new Map<string, ReasonTotal & { best: number }>();
  for (const g of groups) {
    const e = g.evaluation!;
    const counts = g.counts ?? { compatible: 0, warning: 0, declined: 0, [e.verdict]: g.devices };
    const p = profiles.get(g.profile ?? null) ?? {
      profile: g.profile ?? null,
      total: 0,
      compatible: 0,
      warning: 0,
      declined: 0,
    };
    profiles.set(g.profile ?? null, p);
    for (const v of ['compatible', 'warning', 'declined'] as const) {
      totals[v] += counts[v];
      p[v] += counts[v];
    }
    p.total += g.devices;
    const codes = new Set<string>();
    for (const r of e.reasons) {
      if (codes.has(r.code)) continue; // a device counts once per code
      codes.add(r.code);
      const t = reasons.get(r.code);
      if (!t)
        reasons.set(r.code, {
          code: r.code,
          severity: r.severity,
          rule: r.rule,
          devices: g.devices,
          message: r.message,
          fix: r.fix,
          ...(r.next ? { next: r.next } : {}),
          best: g.devices,
        });
      else {
        t.devices += g.devices;
        if (g.devices > t.best) Object.assign(t, { message: r.message, fix: r.fix, next: r.next, best: g.devices });
      }
    }
  }
  const sevRank: Record<RuleSeverity, number> = { declined: 0, warning: 1, info: 2 };
  return {
    model: {
      name: needs.name,
      version: needs.version,
      format: needs.format,
      sizeBytes: needs.sizeBytes,
      buildProfiles: needs.buildProfiles,
    },
    scope: { channel: channel ?? null, devices: inScope, outOfScope },
    totals,
    ok: inScope > 0 && totals.declined === 0,
    byProfile: [...profiles.values()].sort(
      (a, b) => b.total - a.total || String(a.profile).localeCompare(String(b.profile)),
    ),
    byReason: [...reasons.values()]
      .sort(
        (a, b) => sevRank[a.severity] - sevRank[b.severity] || b.devices - a.devices || a.code.localeCompare(b.code),
      )
      .map(({ best: _best, ...r }) => r),
    groups: groups
      .map((g) => ({
        id: groupId(g.profile, g.key),
        profile: g.profile ?? null,
        verdict: g.evaluation!.verdict,
        reasons: g.evaluation!.reasons,
        devices: g.devices,
        sample: g.sample,
        facts: g.facts,
      }))
      .sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || b.devices - a.devices),
    rules: rules.map((r) => ({ id: r.id, title: r.title })),
    inventoryErrors: inventory?.errors ?? [],
    inventoryUnreadable: inventory?.unreadable ?? [],
    inventory: inventory
      ? { rows: inventory.rows, skippedRows: inventory.skippedRows, unreadableDevices: inventory.unreadableDevices }
      : null,
  };
}

/**
 * The device ids of one group of a preview (by PreviewGroup.id, over the same inventory and
 * channel), in inventory order, `limit` from `offset`; `total` counts the whole group. The groups
 * are the preview's own (same key, same id): this lists their members, it does not regroup.
 */
export function groupMembers(
  inventory: Inventory | readonly Device[],
  id: string,
  options: { channel?: string; offset?: number; limit?: number } = {},
): { ids: string[]; total: number } {
  const { channel } = options;
  const from = Math.max(0, options.offset ?? 0);
  const to = from + Math.max(0, options.limit ?? 100);
  const ids: string[] = [];
  let total = 0;
  const take = (device: () => string) => {
    if (total >= from && total < to) ids.push(device());
    total++;
  };
  if (inventory instanceof Inventory) {
    const inGroup = inventory.kinds.map((k) => groupId(k.profile, k.factsKey) === id);
    const wanted = inventory.channelNames.map((c) => channel === undefined || c === channel);
    for (let i = 0; i < inventory.size; i++)
      if (inGroup[inventory.kindOf(i)] && wanted[inventory.channelOf(i)]) take(() => inventory.id(i));
  } else {
    for (const d of inventory)
      if (
        (channel === undefined || d.channel === channel) &&
        groupId(d.profile, d.factsKey ?? factsKey(d.facts)) === id
      )
        take(() => d.id);
  }
  return { ids, total };
}

/** Release channels in an inventory with their device counts (for a channel picker), busiest first. */
export function channelsOf(inventory: Inventory | readonly Device[]): { channel: string | null; devices: number }[] {
  const counts = new Map<string | null, number>();
  if (inventory instanceof Inventory) {
    const perIndex = new Array<number>(inventory.channelNames.length).fill(0);
    for (let i = 0; i < inventory.size; i++) perIndex[inventory.channelOf(i)]!++;
    inventory.channelNames.forEach((c, k) => {
      if (perIndex[k]) counts.set(c ?? null, (counts.get(c ?? null) ?? 0) + perIndex[k]);
    });
  } else for (const d of inventory) counts.set(d.channel ?? null, (counts.get(d.channel ?? null) ?? 0) + 1);
  return [...counts].map(([channel, n]) => ({ channel, devices: n })).sort((a, b) => b.devices - a.devices);
}
