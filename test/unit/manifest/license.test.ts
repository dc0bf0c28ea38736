import { describe, expect, it } from 'vitest';
import {
  analyzeLicense,
  checkLicense,
  HUB_LICENSES,
  licenseFromInputs,
  normalizeLicenseCase,
  suggestLicense,
} from '../../../src-main/manifest/index.js';

const codes = (r: { errors: { code: string }[]; warnings: { code: string }[] }) => ({
  errors: r.errors.map((e) => e.code),
  warnings: r.warnings.map((w) => w.code),
});

describe('license expressions', () => {
  it.each([
    'MIT',
    'Apache-2.0',
    'MIT OR Apache-2.0',
    '(MIT AND BSD-3-Clause) OR Apache-2.0',
    'GPL-2.0-only WITH Classpath-exception-2.0',
    'GPL-2.0-or-later',
    'CC-BY-4.0',
  ])('accepts %s as written', (expr) => {
    expect(checkLicense({ license: expr })).toMatchObject({ errors: [], warnings: [] });
  });
  it.each([
    'Apache 2',
    'MIT AND',
    'MIT OR OR BSD',
    '(MIT',
    'NOASSERTION',
    'Foo-License',
    'GPL-2.0-only WITH Made-Up-Exception',
  ])('rejects %s with an error', (expr) => {
    const r = checkLicense({ license: expr });
    expect(codes(r).errors).toEqual(['LICENSE_INVALID']);
    expect(r.errors[0]!.hint.length).toBeGreaterThan(10);
  });
  it('normalizes case as a warning with the canonical form, never rewriting it', () => {
    const m = { license: 'apache-2.0 or mit' };
    const r = checkLicense(m);
    expect(codes(r)).toEqual({ errors: [], warnings: ['LICENSE_CASE'] });
    expect(r.warnings[0]!.hint).toBe('Write "Apache-2.0 OR MIT".');
    expect(m.license).toBe('apache-2.0 or mit');
    expect(normalizeLicenseCase('gpl-2.0-only with classpath-exception-2.0')).toBe(
      'GPL-2.0-only WITH Classpath-exception-2.0',
    );
    expect(normalizeLicenseCase('( mit  AND licenseref-Foo )')).toBe('(MIT AND LicenseRef-Foo)');
  });
  it('flags deprecated ids without picking -only or -or-later', () => {
    const r = checkLicense({ license: 'GPL-3.0' });
    expect(codes(r)).toEqual({ errors: [], warnings: ['LICENSE_DEPRECATED'] });
    expect(r.warnings[0]!.hint).toMatch(/GPL-3\.0-only.*GPL-3\.0-or-later/);
  });
  it('requires a licenseRef entry with url or text for a LicenseRef, and warns about unused entries', () => {
    expect(codes(checkLicense({ license: 'LicenseRef-acme' }))).toEqual({
      errors: ['LICENSE_REF_MISSING'],
      warnings: [],
    });
    expect(
      checkLicense({
        license: 'LicenseRef-acme',
        licenseRef: [{ id: 'LicenseRef-acme', url: 'https://acme.example/license' }],
      }),
    ).toMatchObject({ errors: [], warnings: [] });
    const caseDiff = checkLicense({ license: 'LicenseRef-acme', licenseRef: [{ id: 'LicenseRef-ACME', text: 'x' }] });
    expect(caseDiff.errors[0]!.hint).toMatch(/differs only in case/);
    expect(codes(checkLicense({ license: 'MIT', licenseRef: [{ id: 'LicenseRef-x', text: 't' }] }))).toEqual({
      errors: [],
      warnings: ['LICENSE_REF_UNUSED'],
    });
  });
  it('missing license is a warning', () => {
    expect(codes(checkLicense({}))).toEqual({ errors: [], warnings: ['LICENSE_MISSING'] });
  });
  it('flags non-commercial and vague licenses', () => {
    expect(codes(checkLicense({ license: 'cc-by-nc-4.0' })).warnings).toEqual(['LICENSE_CASE', 'LICENSE_RESTRICTED']);
    expect(
      codes(
        checkLicense({
          license: 'LicenseRef-openrail',
          licenseRef: [{ id: 'LicenseRef-openrail', url: 'https://x.example' }],
        }),
      ).warnings,
    ).toEqual(['LICENSE_VAGUE']);
  });
});

describe('model-hub license ids', () => {
  it.each([
    ['llama2', 'LicenseRef-llama2', true],
    ['llama3', 'LicenseRef-llama3', true],
    ['gemma', 'LicenseRef-gemma', true],
    ['openrail', 'LicenseRef-openrail', false],
    ['openrail++', 'LicenseRef-openrail-plus-plus', false],
    ['bigscience-openrail-m', 'LicenseRef-bigscience-openrail-m', true],
    ['creativeml-openrail-m', 'LicenseRef-creativeml-openrail-m', true],
    ['apple-ascl', 'LicenseRef-apple-ascl', false],
    ['llama3.1', 'LicenseRef-llama3.1', true],
  ])('%s is an error whose hint names %s; suggestLicense maps it visibly', (hubId, ref, hasUrl) => {
    const r = checkLicense({ license: hubId });
    expect(r.errors[0]).toMatchObject({
      code: 'LICENSE_INVALID',
      message: expect.stringContaining('model-hub license id'),
    });
    expect(r.errors[0]!.hint).toContain(ref);
    const s = suggestLicense(hubId)!;
    expect(s.license).toBe(ref);
    expect(s.notes[0]).toContain(ref);
    expect(s.licenseRef.length).toBe(hasUrl ? 1 : 0);
    if (hasUrl) expect(checkLicense({ license: s.license, licenseRef: s.licenseRef }).errors).toEqual([]);
    else
      expect(codes(checkLicense({ license: s.license, licenseRef: s.licenseRef })).errors).toEqual([
        'LICENSE_REF_MISSING',
      ]);
    expect(analyzeLicense(ref).valid).toBe(true);
  });
  it('maps hub ids that are SPDX ids modulo case by case normalization, reported', () => {
    expect(suggestLicense('cc-by-nc-4.0')).toEqual({
      license: 'CC-BY-NC-4.0',
      licenseRef: [],
      notes: ['"cc-by-nc-4.0" recorded in canonical form as "CC-BY-NC-4.0"'],
    });
    expect(suggestLicense('Apache-2.0')).toEqual({ license: 'Apache-2.0', licenseRef: [], notes: [] });
    const mixed = suggestLicense('apache-2.0 or llama2')!;
    expect(mixed.license).toBe('Apache-2.0 OR LicenseRef-llama2');
    // Both the case change and the hub mapping are reported.
    expect(mixed.notes).toEqual([
      '"apache-2.0 or llama2" recorded in canonical form as "Apache-2.0 OR llama2"',
      expect.stringContaining('recorded as LicenseRef-llama2'),
    ]);
  });
  it.each([
    ['c-uda', /C-UDA-1\.0/],
    ['odbl', /ODbL-1\.0/],
    ['gpl', /family/],
    ['other', /not a license/],
    ['unknown', /not a license/],
  ])('%s is refused with advice', (id, advice) => {
    const r = checkLicense({ license: id });
    expect(r.errors[0]!.code).toBe('LICENSE_INVALID');
    expect(`${r.errors[0]!.message} ${r.errors[0]!.hint}`).toMatch(advice);
    expect(suggestLicense(id)).toBeUndefined();
  });
  it('every hub LicenseRef is a valid SPDX LicenseRef', () => {
    for (const h of HUB_LICENSES.values()) expect(analyzeLicense(h.ref).valid, h.ref).toBe(true);
  });
});

// issue 13: `init` mapped a model card's license to a LicenseRef in the CLI while the Studio only
// warned; the choice is one domain rule both call.
describe('licenseFromInputs', () => {
  it('takes a model card license with a link and no SPDX id as LicenseRef-<name> with that link', () => {
    expect(
      licenseFromInputs({ card: { id: 'other', name: 'Acme Model License', link: 'https://acme.example/license' } }),
    ).toEqual({
      license: 'LicenseRef-Acme-Model-License',
      licenseRef: [
        { id: 'LicenseRef-Acme-Model-License', url: 'https://acme.example/license', name: 'Acme Model License' },
      ],
      notes: ['license from the model card recorded as LicenseRef-Acme-Model-License with its link'],
    });
  });
  it('maps a card id that is SPDX or a hub id, and says it came from the card', () => {
    const r = licenseFromInputs({ card: { id: 'mit' } });
    expect(r.license).toBe('MIT');
    expect(r.notes[0]).toBe('license "mit" taken from the model card');
  });
  it('lets a given license win over the card, and refuses an invalid one where it was given', () => {
    expect(licenseFromInputs({ given: 'Apache-2.0', card: { id: 'mit' } }).license).toBe('Apache-2.0');
    expect(() => licenseFromInputs({ given: 'not a licence (', givenAt: 'License field' })).toThrow(
      expect.objectContaining({ code: 'LICENSE_INVALID', where: 'License field' }),
    );
  });
  it('records nothing for an unusable card license without a link, and says so', () => {
    expect(licenseFromInputs({ card: { id: 'other' } })).toEqual({
      licenseRef: [],
      notes: ['the model card\'s license "other" is not usable as-is; set --license'],
    });
    expect(licenseFromInputs({})).toEqual({ licenseRef: [], notes: [] });
  });
});
