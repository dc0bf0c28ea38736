/**
 * A compatibility rule is data: an id, which models it applies to, a table of reason codes (each
 * with a severity, a sentence and a fix hint, both filled from parameters) and a small check that
 * emits codes. Adding a rule means adding a table entry and a check, nothing else.
 */
import type { DeviceFacts } from '../facts.js';
import type { ModelNeeds } from '../needs.js';
import { cliWords, type NextStep } from '../../next-steps.js';

/** 'info' never changes a verdict; 'warning' makes it 'warning'; 'declined' declines the device. */
export type RuleSeverity = 'info' | 'warning' | 'declined';
export type Verdict = 'compatible' | 'warning' | 'declined';

export type Params = Record<string, string | number>;

export interface ReasonSpec {
  severity: RuleSeverity;
  /** A human sentence about this device. */
  sentence: (p: Params) => string;
  /** What would fix it: words, or a named step each surface words its own way. */
  fix: (p: Params) => string | NextStep;
}

export interface Reason {
  code: string;
  severity: RuleSeverity;
  /** Rule id that produced it. */
  rule: string;
  message: string;
  /** What would fix it, as the CLI says it. */
  fix: string;
  /** The fix as a named step, when it is one (the Studio words it for itself). */
  next?: NextStep;
}

export interface Rule {
  id: string;
  title: string;
  reasons: Readonly<Record<string, ReasonSpec>>;
  applies(n: ModelNeeds): boolean;
  check(n: ModelNeeds, f: DeviceFacts): Reason[];
}

export type Emit<C extends string> = (code: C, params?: Params) => void;

export function defineRule<C extends string>(def: {
  id: string;
  title: string;
  reasons: Record<C, ReasonSpec>;
  applies: (n: ModelNeeds) => boolean;
  check: (n: ModelNeeds, f: DeviceFacts, emit: Emit<C>) => void;
}): Rule {
  return {
    id: def.id,
    title: def.title,
    reasons: def.reasons,
    applies: def.applies,
    check(n, f) {
      const out: Reason[] = [];
      def.check(n, f, (code, params = {}) => {
        const spec = def.reasons[code];
        const fix = spec.fix(params);
        out.push({
          code,
          severity: spec.severity,
          rule: def.id,
          message: spec.sentence(params),
          ...(typeof fix === 'string' ? { fix } : { fix: cliWords(fix), next: fix }),
        });
      });
      return out;
    },
  };
}

const RANK: Record<RuleSeverity, number> = { info: 0, warning: 1, declined: 2 };

/** The verdict a set of reasons gives. */
export function verdictOf(reasons: readonly Reason[]): Verdict {
  let worst = 0;
  for (const r of reasons) worst = Math.max(worst, RANK[r.severity]);
  return worst === 2 ? 'declined' : worst === 1 ? 'warning' : 'compatible';
}
