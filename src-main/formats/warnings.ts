/**
 * The warnings a format reader collects, shared by every reader: each code + message once
 * (looked up in a set, so a file that repeats a problem 80,000 times costs 80,000 lookups, not a
 * scan each), at most MAX_WARNINGS listed; past that, one last entry says how many were left out.
 */
import type { ModelWarning } from './types.js';

export const MAX_WARNINGS = 100;
/** Distinct warnings remembered (to count those left out once each); past it, counts are "at least". */
const MAX_SEEN = 100_000;

export class Warnings {
  private readonly list: ModelWarning[] = [];
  private readonly seen = new Set<string>();
  private leftOut = 0;
  private atLeast = false;

  constructor(private readonly max = MAX_WARNINGS) {}

  /** Adds a warning (an arrow function, so decoders can be handed `warnings.add`). */
  readonly add = (code: string, message: string, step?: Pick<ModelWarning, 'hint' | 'next'>): void => {
    const key = `${code}\u0000${message}`;
    if (this.seen.has(key)) return;
    if (this.seen.size < MAX_SEEN) this.seen.add(key);
    else this.atLeast = true;
    if (this.list.length >= this.max) this.leftOut++;
    else this.list.push({ code, message, ...step });
  };

  /** The warnings, ending with WARNINGS_LEFT_OUT when some were not listed. */
  result(): ModelWarning[] {
    if (this.leftOut === 0) return [...this.list];
    return [
      ...this.list,
      {
        code: 'WARNINGS_LEFT_OUT',
        message: `${this.atLeast ? 'at least ' : ''}${this.leftOut} more warning${this.leftOut === 1 ? '' : 's'} not listed (only the first ${this.max} are)`,
      },
    ];
  }
}

/** A fixed list of warnings through the same rules (each once, capped). */
export function collectWarnings(warnings: readonly ModelWarning[]): ModelWarning[] {
  const w = new Warnings();
  for (const { code, message, ...step } of warnings) w.add(code, message, step);
  return w.result();
}
