import type { Dim } from '../formats/index.js';

/** Manifests arrive untrusted: these read them without assuming their shape. */
export const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** `v` if it is a list, else an empty one. */
export const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** `[batch, 3, 224, 224]`, unknown dims as `?`. */
export function showShape(s: Dim[] | null | undefined): string {
  return Array.isArray(s) ? `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]` : 'unknown rank';
}
