import { resolvePointer } from './pointer.js';
import type { Manifest } from './types.js';

function isFilled(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * Whether a `todo` pointer is still open. A `…/guessed` entry stays open while guesses remain
 * (a reviewer confirms them by emptying the list); any other pointer while its value is empty.
 */
export function isTodoOpen(manifest: Manifest, ptr: string): boolean {
  const v = resolvePointer(manifest, ptr);
  if (ptr.endsWith('/guessed')) return isFilled(v);
  return !isFilled(v);
}

/** The manifest with `todo` reduced to the entries still open (and dropped when none are). */
export function refreshTodo(manifest: Manifest): Manifest {
  const open = (manifest.todo ?? []).filter((p) => typeof p === 'string' && isTodoOpen(manifest, p));
  const { todo: _old, ...rest } = manifest;
  return open.length ? { ...rest, todo: open } : rest;
}
