import { ManifestError } from '../errors.js';
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

/**
 * Throws ManifestError MANIFEST_INVALID (naming the first errors) unless the document passes
 * validateDocument: for operations that must not run on an invalid manifest (the fleet preview).
 */
export function requireValidManifest(doc: unknown, where?: string): void {
  const report = validateDocument(doc);
  if (report.valid) return;
  const first = report.errors
    .slice(0, 3)
    .map((e) => `${e.pointer || '/'}: ${e.message}`)
    .join('; ');
  throw new ManifestError(
    'MANIFEST_INVALID',
    `The manifest is not valid (${report.errors.length} error(s)): ${first}`,
    {
      ...(where === undefined ? {} : { where }),
      hint: 'Run `fleetpack validate` on the package and fix the manifest first.',
    },
  );
}
