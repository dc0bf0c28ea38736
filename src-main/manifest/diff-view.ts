/**
 * A diff change for people: which field, in words, and its value before and after as text. An
 * object value (a tensor's preprocessing, its quantization) becomes one row per field that differs;
 * a missing value is "—", never `null` or raw JSON.
 */
import type { Change } from './diff.js';
import { isObj, showShape } from './guards.js';
import { resolvePointer, splitPointer } from './pointer.js';

export interface ChangeRow {
  /** e.g. "input images › preprocessing › mean", "metric latency_p50 › value". */
  field: string;
  /** Whether the field appears, goes away, or changes. */
  kind: 'added' | 'removed' | 'changed';
  before: string;
  after: string;
}

/** What a missing value reads as. */
export const NOTHING = '—';

/** Lists whose entries are named (shown by name rather than position). */
const NAMED_LISTS: Record<string, string> = {
  inputs: 'input',
  outputs: 'output',
  metrics: 'metric',
  files: 'file',
  licenseRef: 'license entry',
  authors: 'author',
};

/** "colorOrder" → "color order", "minMemoryMiB" → "min memory MiB". */
function words(key: string): string {
  return key
    .split(/(?=[A-Z][a-z])/)
    .map((w, i) => (/^[A-Z][a-z]+$/.test(w) || i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w))
    .join(' ');
}

function isShape(key: string | undefined, v: unknown): boolean {
  return key === 'shape' && (v === null || Array.isArray(v));
}

function isTensor(v: unknown): v is { name: string; dtype: string; shape: unknown } {
  return isObj(v) && typeof v.name === 'string' && typeof v.dtype === 'string' && 'shape' in v;
}

/** One value as text: numbers and names as they are, lists joined, unknown dims "?", a tensor as dtype and shape. */
export function showValue(v: unknown, key?: string): string {
  if (v === undefined || v === null) return isShape(key, v) ? 'unknown rank' : NOTHING;
  if (isShape(key, v)) return showShape(v as never);
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isTensor(v)) return `${v.dtype} ${showShape(Array.isArray(v.shape) ? v.shape : null)}`;
  if (Array.isArray(v)) return v.length ? v.map((x) => (x === null ? '?' : showValue(x))).join(', ') : 'none';
  if (isObj(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (typeof v.name === 'string') return v.name;
    return entries.length ? entries.map(([k, x]) => `${words(k)} ${showValue(x, k)}`).join(' · ') : 'none';
  }
  return typeof v === 'bigint' ? v.toString() : NOTHING; // JSON holds nothing else
}

/** The field a pointer names, in words; entries of named lists by their name (from the manifest that has them). */
export function fieldName(pointer: string, manifests: unknown[]): string {
  const parts = splitPointer(pointer);
  const out: string[] = [];
  parts.forEach((p, i) => {
    const list = NAMED_LISTS[parts[i - 1] ?? ''];
    if (list && /^\d+$/.test(p)) {
      const at = '/' + parts.slice(0, i + 1).join('/');
      const entry = manifests.map((m) => resolvePointer(m, at)).find(isObj);
      const name = entry && (entry.name ?? entry.path ?? entry.id);
      out[out.length - 1] = `${list} ${typeof name === 'string' ? name : `#${Number(p) + 1}`}`;
      return;
    }
    out.push(words(p));
  });
  return out.join(' › ') || 'manifest';
}

function kindOf(before: unknown, after: unknown): ChangeRow['kind'] {
  return before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
}

/** The rows of one change: a row per differing field of an object value, else one row. */
export function changeRows(c: Change, before: unknown, after: unknown): ChangeRow[] {
  // Added entries are indexed in the newer manifest, removed ones in the older.
  const field = fieldName(c.pointer, c.code === 'REMOVED' ? [before, after] : [after, before]);
  const b = c.before;
  const a = c.after;
  const objects = (isObj(b) || b === undefined) && (isObj(a) || a === undefined) && !isTensor(a) && !isTensor(b);
  if (objects && (isObj(a) || isObj(b))) {
    const bo = isObj(b) ? b : {};
    const ao = isObj(a) ? a : {};
    const keys = [...new Set([...Object.keys(bo), ...Object.keys(ao)])].filter((k) => k !== 'guessed');
    const rows = keys
      .filter((k) => JSON.stringify(bo[k]) !== JSON.stringify(ao[k]))
      .map((k) => ({
        field: `${field} › ${words(k)}`,
        kind: kindOf(bo[k], ao[k]),
        before: showValue(bo[k], k),
        after: showValue(ao[k], k),
      }));
    if (rows.length) return rows;
  }
  const key = splitPointer(c.pointer).at(-1);
  const noValues = b === undefined && a === undefined;
  return [
    {
      field,
      kind: noValues ? (c.code === 'ADDED' ? 'added' : c.code === 'REMOVED' ? 'removed' : 'changed') : kindOf(b, a),
      before: showValue(b, key),
      after: showValue(a, key),
    },
  ];
}
