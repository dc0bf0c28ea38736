/** One problem found in a manifest: where (JSON pointer), what, what to do, and a stable code. */
export interface Finding {
  pointer: string;
  message: string;
  hint: string;
  code: string;
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
  error(code: string, pointer: string, message: string, hint = ''): void {
    this.errors.push({ pointer, message, hint, code });
  }
  warn(code: string, pointer: string, message: string, hint = ''): void {
    this.warnings.push({ pointer, message, hint, code });
  }
  add(other: { errors: Finding[]; warnings: Finding[] }): void {
    this.errors.push(...other.errors);
    this.warnings.push(...other.warnings);
  }
  report(): ValidationReport {
    return { valid: this.errors.length === 0, errors: this.errors, warnings: this.warnings };
  }
}
