/**
 * The cap on reported issues, in one place. Past the cap issues are only counted, and the schema
 * checks stop working (an error-dense document costs no more than a valid one of the same size).
 */
import type { SbomIssue, IssueSeverity } from './types.js';

/** Issues kept per document; past this only a count is kept (bounded memory on hostile input). */
export const MAX_ISSUES = 10_000;

export class IssueList {
  readonly list: SbomIssue[] = [];
  /** Issues found past the cap and not kept. */
  dropped = 0;
  /** How many of those were errors (the verdict needs them even when they are not listed). */
  droppedErrors = 0;
  constructor(readonly cap = MAX_ISSUES) {}

  push(issue: SbomIssue): void {
    if (this.list.length < this.cap) this.list.push(issue);
    else {
      this.dropped++;
      if (issue.severity === 'error') this.droppedErrors++;
    }
  }

  add(severity: IssueSeverity, code: string, message: string, pointer: string): void {
    this.push({ severity, code, message, pointer });
  }

  /** True once the cap is reached: checks that can stop early do. A method, not a getter: it changes as issues arrive. */
  isFull(): boolean {
    return this.list.length >= this.cap;
  }
}
