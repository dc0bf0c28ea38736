/** RFC 6901 JSON pointers: build, split and resolve. */

export function escapeToken(t: string | number): string {
  return String(t).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => '/' + escapeToken(t)).join('');
}

export function splitPointer(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `ptr` in `doc`, or undefined when any step is missing. Own properties only. */
export function resolvePointer(doc: unknown, ptr: string): unknown {
  let cur: unknown = doc;
  for (const t of splitPointer(ptr)) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, t)) return undefined;
    cur = (cur as Record<string, unknown>)[t];
  }
  return cur;
}
