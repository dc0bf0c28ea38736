/**
 * validate = detect → official schema for that version (errors with JSON pointers, or line and
 * column for XML) → semantic checks → NTIA minimum elements. Works on a file or a parsed document.
 * At most MAX_ISSUES issues are kept; the schema check stops there, so its cost is bounded by the
 * document's size whatever its errors.
 */
import { throwIfAborted } from '../errors.js';
import { isKnownVersion, semanticCheck } from './checks.js';
import { readSbom, type ReadOptions } from './detect.js';
import { IssueList, MAX_ISSUES } from './issues.js';
import { ntiaReport } from './ntia.js';
import { cycloneDxSchema, spdx2Schema } from './schemas.js';
import { validateSliced } from './sliced.js';
import { validateSpdx3 } from './spdx.js';
import type { ParsedSbom, SbomValidation, SchemaVerdict } from './types.js';

export { MAX_ISSUES };

export async function validateSbomFile(
  file: string,
  opts: ReadOptions = {},
): Promise<SbomValidation & { parsed: ParsedSbom }> {
  const parsed = await readSbom(file, opts);
  throwIfAborted(opts.signal);
  return { ...validateParsed(parsed), parsed };
}

export function validateParsed(p: ParsedSbom): SbomValidation {
  const schema = schemaCheck(p);
  const semantic = semanticCheck(p);
  const all = [...schema.issues, ...p.notes, ...semantic.list];
  const over = Math.max(0, all.length - MAX_ISSUES);
  return {
    kind: { format: p.format, encoding: p.encoding, specVersion: p.specVersion },
    schema: schema.schema,
    valid: !all.some((i) => i.severity === 'error') && schema.truncated === 0 && semantic.droppedErrors === 0,
    issues: over ? all.slice(0, MAX_ISSUES) : all,
    truncated: over + schema.truncated + semantic.dropped,
    stoppedAtCap: schema.stoppedAtCap === true,
    ntia: ntiaReport(p),
  };
}

/** Schema validation only (for CycloneDX XML: the XSD verdict found while parsing). */
export function schemaCheck(p: ParsedSbom, opts: { sliceAt?: number } = {}): SchemaVerdict {
  if (!isKnownVersion(p)) return { schema: 'none (unknown version)', issues: [], truncated: 0 };
  if (p.format === 'cyclonedx' && p.encoding === 'xml') {
    if (p.xsd) return p.xsd;
    // never green without a verdict
    return {
      schema: `CycloneDX ${p.specVersion} XSD (not run)`,
      issues: [
        { severity: 'error', code: 'XSD_NOT_RUN', message: 'This XML was not checked against its XSD', pointer: '' },
      ],
      truncated: 0,
    };
  }
  const issues = new IssueList();
  if (p.encoding === 'json-ld') {
    validateSpdx3(p.data, issues);
    return verdict(`SPDX ${p.specVersion} JSON schema`, issues);
  }
  const src = p.format === 'cyclonedx' ? cycloneDxSchema(p.specVersion)! : spdx2Schema(p.specVersion)!;
  validateSliced(src, p.data, issues, opts);
  const suffix = p.encoding === 'tag-value' ? ' (tag-value mapped to the JSON model)' : '';
  return verdict(src.name + suffix, issues);
}

const verdict = (schema: string, issues: IssueList): SchemaVerdict => ({
  schema,
  issues: issues.list,
  truncated: issues.dropped,
  ...(issues.isFull() ? { stoppedAtCap: true } : {}),
});
