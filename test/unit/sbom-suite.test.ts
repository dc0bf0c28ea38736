/**
 * The official CycloneDX schema test suite (vendored in test/fixtures/cyclonedx-suite, Apache-2.0):
 * every case of 1.2–1.7, JSON and XML, must come out as its name says. The exceptions are listed
 * with the reason; each is asserted too, so a change in behaviour shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentError, SbomError } from '../../src-main/errors.js';
import { parseSbom, validateParsed } from '../../src-main/sbom/index.js';
import { schemaCheck } from '../../src-main/sbom/validate.js';

const SUITE = join(import.meta.dirname, '../fixtures/cyclonedx-suite');
const VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];

/**
 * Cases named valid-* that fleetpack rejects, with the only error it reports. The schema cannot see
 * duplicate bom-refs; CycloneDX requires them unique ("bom-ref … MUST be unique within the BOM"),
 * and these two JSON files declare one twice (their XML twins do not).
 */
const EXCEPTIONS: Record<string, { code: string; reason: string }> = {
  '1.5/valid-formulation-1.5.json': {
    code: 'DUPLICATE_BOM_REF',
    reason: 'bom-ref "workspace-1" is declared in tasks[0].workspaces[0] and again in workflows[0].workspaces[0]',
  },
  '1.7/valid-citations-1.7.json': {
    code: 'DUPLICATE_BOM_REF',
    reason: 'bom-ref "workflow-1" is declared on formulation[0] and again on formulation[0].workflows[0]',
  },
};

const cases = VERSIONS.flatMap((v) =>
  readdirSync(join(SUITE, v))
    .filter((f) => /^(valid|invalid)-.*\.(json|xml)$/.test(f))
    .sort()
    .map((f) => ({ v, f, name: `${v}/${f}`, format: f.endsWith('.xml') ? 'xml' : 'json' })),
);

/** Valid, or the error codes that made it invalid (a typed input error counts as invalid). */
function verdict(text: string): { valid: boolean; codes: string[]; kind?: string } {
  try {
    const p = parseSbom(text);
    const r = validateParsed(p);
    return {
      valid: r.valid,
      codes: [...new Set(r.issues.filter((i) => i.severity === 'error').map((i) => i.code))],
      kind: `${p.encoding} ${p.specVersion}`,
    };
  } catch (e) {
    if (!(e instanceof SbomError || e instanceof DocumentError)) throw e;
    return { valid: false, codes: [e.code] };
  }
}

describe('CycloneDX specification test suite', () => {
  it('is all there: 357 JSON and 382 XML cases over 1.2–1.7', () => {
    expect(cases.filter((c) => c.format === 'json')).toHaveLength(357);
    expect(cases.filter((c) => c.format === 'xml')).toHaveLength(382);
  });

  it.each(cases)('$name', ({ v, f, name, format }) => {
    const r = verdict(readFileSync(join(SUITE, v, f), 'utf8'));
    const exception = EXCEPTIONS[name];
    if (exception) {
      expect(r).toMatchObject({ valid: false, codes: [exception.code] });
      return;
    }
    expect(r.valid, `${name}: ${r.codes.join(', ')}`).toBe(f.startsWith('valid-'));
    // the document is read as what it is (the few invalid-* that are not CycloneDX at all aside)
    if (r.kind) expect(r.kind).toBe(`${format} ${v}`);
  });

  it('XML errors come from the XSD with line and column', () => {
    const r = validateParsed(parseSbom(readFileSync(join(SUITE, '1.6', 'invalid-component-type-1.6.xml'), 'utf8')));
    expect(r.schema).toBe('CycloneDX 1.6 XSD');
    expect(r.issues[0]).toMatchObject({ code: 'SCHEMA', line: expect.any(Number), column: expect.any(Number) });
    expect(r.issues[0]!.message).toMatch(/attribute 'type'/);
  });

  it('checking big arrays item by item gives exactly the errors of checking them whole', () => {
    // every array sliced (sliceAt 1) against none sliced, over every JSON case
    let compared = 0;
    for (const c of cases.filter((x) => x.format === 'json')) {
      let p;
      try {
        p = parseSbom(readFileSync(join(SUITE, c.v, c.f), 'utf8'));
      } catch {
        continue;
      }
      const errors = (sliceAt: number) =>
        schemaCheck(p, { sliceAt })
          .issues.map((i) => `${i.pointer} ${i.message}`)
          .sort();
      expect(errors(1), c.name).toEqual(errors(Number.MAX_SAFE_INTEGER));
      compared++;
    }
    expect(compared).toBeGreaterThan(340);
  });
});
