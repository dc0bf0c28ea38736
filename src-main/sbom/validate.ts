/**
 * validate = detect → official schema for that version (all errors, JSON pointers) → semantic
 * checks → NTIA minimum elements. Works on a file or an already parsed document.
 */
import type { ErrorObject } from './schemas.js';
import { throwIfAborted } from '../errors.js';
import { isKnownVersion, semanticChecks } from './checks.js';
import { readSbom, type ReadOptions } from './detect.js';
import { ntiaReport } from './ntia.js';
import { cycloneDxValidator, schemaErrorMessage, spdx2Validator } from './schemas.js';
import { validateSpdx3 } from './spdx.js';
import type { ParsedSbom, SbomIssue, SbomValidation } from './types.js';

/** Issues kept per document; past this only a count is kept (bounded memory on hostile input). */
export const MAX_ISSUES = 10_000;

export async function validateSbomFile(
  file: string,
  opts: ReadOptions = {},
): Promise<SbomValidation & { parsed: ParsedSbom }> {
  const parsed = await readSbom(file, opts);
  throwIfAborted(opts.signal);
  return { ...validateParsed(parsed), parsed };
}

export function validateParsed(p: ParsedSbom): SbomValidation {
  const { schema, issues: schemaIssues } = schemaCheck(p);
  const all = [...schemaIssues, ...p.notes, ...semanticChecks(p)];
  const truncated = Math.max(0, all.length - MAX_ISSUES);
  const issues = truncated ? all.slice(0, MAX_ISSUES) : all;
  return {
    kind: { format: p.format, encoding: p.encoding, specVersion: p.specVersion },
    schema,
    valid: !all.some((i) => i.severity === 'error'),
    issues,
    truncated,
    ntia: ntiaReport(p),
  };
}

/** Schema validation only. */
export function schemaCheck(p: ParsedSbom): { schema: string; issues: SbomIssue[] } {
  if (!isKnownVersion(p)) return { schema: 'none (unknown version)', issues: [] };
  if (p.format === 'cyclonedx') {
    const v = cycloneDxValidator(p.specVersion, p.encoding === 'xml')!;
    const name = `CycloneDX ${p.specVersion} JSON schema${p.encoding === 'xml' ? ' (XML mapped to the JSON model)' : ''}`;
    return { schema: name, issues: v(p.data) ? [] : ajvIssues(v.errors ?? []) };
  }
  if (p.encoding === 'json-ld') {
    return { schema: `SPDX ${p.specVersion} JSON schema`, issues: validateSpdx3(p.data) };
  }
  const v = spdx2Validator(p.specVersion)!;
  const name = `SPDX ${p.specVersion} JSON schema${p.encoding === 'tag-value' ? ' (tag-value mapped to the JSON model)' : ''}`;
  return { schema: name, issues: v(p.data) ? [] : ajvIssues(v.errors ?? []) };
}

function ajvIssues(errors: ErrorObject[]): SbomIssue[] {
  return errors.map((e) => ({
    severity: 'error',
    code: 'SCHEMA',
    message: schemaErrorMessage(e),
    pointer: e.instancePath,
  }));
}
