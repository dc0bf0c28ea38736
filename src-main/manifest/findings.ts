import { cliWords, type NextStep } from '../next-steps.js';

/** One problem found in a manifest: where (JSON pointer), what, what to do, and a stable code. */
export interface Finding {
  pointer: string;
  message: string;
  /** What to do, as the CLI says it. */
  hint: string;
  code: string;
  /** The same step by name, for a surface that words it its own way (the Studio). */
  next?: NextStep;
}

/** A hint given as words, or as a named step (worded for the CLI here, kept for the others). */
export function hinted(hint: string | NextStep): { hint: string; next?: NextStep } {
  return typeof hint === 'string' ? { hint } : { hint: cliWords(hint), next: hint };
}

export interface ValidationReport {
  /** True when there are no errors (warnings allowed). */
  valid: boolean;
  errors: Finding[];
  warnings: Finding[];
}

/** Collects errors and warnings in the order they are found. */
export class Findings {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  error(code: string, pointer: string, message: string, hint: string | NextStep = ''): void {
    this.errors.push({ pointer, message, code, ...hinted(hint) });
  }
  warn(code: string, pointer: string, message: string, hint: string | NextStep = ''): void {
    this.warnings.push({ pointer, message, code, ...hinted(hint) });
  }
  add(other: { errors: Finding[]; warnings: Finding[] }): void {
    this.errors.push(...other.errors);
    this.warnings.push(...other.warnings);
  }
  report(): ValidationReport {
    return { valid: this.errors.length === 0, errors: this.errors, warnings: this.warnings };
  }
}
