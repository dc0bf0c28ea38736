/** Links manifest problems (JSON pointers) to form fields by id. */
export const fieldId = (pointer: string): string => `mf:${pointer}`;

/** Focuses the field for a pointer, or the nearest enclosing one that exists. */
export function focusPointer(pointer: string): void {
  let p = pointer;
  for (;;) {
    const el = document.getElementById(fieldId(p));
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.focus();
      return;
    }
    if (p === '') return;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

export function parseNumbers(text: string): number[] | undefined {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  const nums = parts.map(Number);
  return nums.every((n) => Number.isFinite(n)) ? nums : undefined;
}

/** A form edit: a field set to `undefined` is cleared (a manifest never holds `undefined` values). */
export type Patch<T> = { [K in keyof T]?: T[K] | undefined };

/** `base` with `patch` applied; keys whose value ends up `undefined` are dropped. */
export function patched<T extends object>(base: T, patch: Patch<T>): T {
  return Object.fromEntries(Object.entries({ ...base, ...patch }).filter(([, v]) => v !== undefined)) as T;
}
