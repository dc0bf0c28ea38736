import { Findings, type ValidationReport } from './findings.js';
import { schemaFindings } from './schema-errors.js';
import { semanticFindings } from './semantics.js';

/** Schema and semantic checks on the document alone (no disk). Every problem at once. */
export function validateDocument(doc: unknown): ValidationReport {
  const f = new Findings();
  f.add(schemaFindings(doc));
  f.add(semanticFindings(doc));
  return f.report();
}
