import { describe, expect, it } from 'vitest';
import { DocumentError, ManifestError } from '../../../src-main/errors.js';
import {
  checkLicense,
  diffManifests,
  parseMetricsCsv,
  parseMetricsJson,
  parseModelCard,
  validateDocument,
  type Manifest,
  parseManifestText,
  serializeManifest,
} from '../../../src-main/manifest/index.js';

import { clone, completeManifest } from './helpers.js';
import { rng } from '../../fixtures/rng.js';

const SPICE = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '\\',
  '\n',
  'null',
  '-1',
  '1e999',
  '"__proto__"',
  '\u0000',
  '\ud800',
  'ü',
];

function mutateText(text: string, r: () => number): string {
  const n = 1 + Math.floor(r() * 4);
  let s = text;
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * s.length);
    switch (Math.floor(r() * 5)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << Math.floor(r() * 7))) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + SPICE[Math.floor(r() * SPICE.length)]! + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
        break;
      case 3:
        s = s.slice(0, at);
        break;
      default: {
        const from = Math.floor(r() * s.length);
        s = s.slice(0, at) + s.slice(from, from + 40) + s.slice(at);
      }
    }
  }
  return s;
}

const VALUES: unknown[] = [
  null,
  [],
  {},
  '',
  'x',
  -1,
  0,
  1.5,
  1e308,
  true,
  [null],
  { a: 1 },
  ['a', 'b'],
  '../../etc/passwd',
  'LicenseRef-',
  'MIT OR',
  [[[[[]]]]],
];

/** Replaces a random node of the document with a random value. */
function mutateTree(doc: unknown, r: () => number): unknown {
  const copy = clone(doc);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(copy, []);
  const p = paths[Math.floor(r() * paths.length)]!;
  const value = VALUES[Math.floor(r() * VALUES.length)];
  if (p.length === 0) return value;
  let cur = copy as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  if (r() < 0.2) Reflect.deleteProperty(cur, p.at(-1)!);
  else cur[p.at(-1)!] = value;
  return copy;
}

describe('fuzz: manifest text and structure', () => {
  const base = serializeManifest(completeManifest());
  it('mutated text is either a ManifestError (DocumentError for text that does not parse) or a document that validates and diffs without throwing (600 cases)', () => {
    const r = rng(1);
    let parsed = 0;
    for (let i = 0; i < 600; i++) {
      const text = mutateText(base, r);
      let doc: Manifest;
      try {
        doc = parseManifestText(text, 'fuzz.json');
      } catch (e) {
        expect(e instanceof ManifestError || e instanceof DocumentError, text).toBe(true);
        expect((e as ManifestError).where).toMatch(/^fuzz\.json(:\d+:\d+)?$/);
        continue;
      }
      parsed++;
      const rep = validateDocument(doc);
      expect(Array.isArray(rep.errors)).toBe(true);
      expect(() => diffManifests(completeManifest(), doc)).not.toThrow();
      expect(() => serializeManifest(doc)).not.toThrow();
    }
    expect(parsed).toBeGreaterThan(20);
  });
  it('randomly replaced subtrees yield findings, never exceptions (600 cases)', () => {
    const r = rng(2);
    let invalid = 0;
    for (let i = 0; i < 600; i++) {
      const doc = mutateTree(completeManifest(), r);
      const rep = validateDocument(doc);
      if (!rep.valid) invalid++;
      for (const f of [...rep.errors, ...rep.warnings]) expect(typeof f.pointer).toBe('string');
      expect(() => diffManifests(doc as Manifest, completeManifest())).not.toThrow();
      expect(() => checkLicense(doc as Manifest)).not.toThrow();
    }
    expect(invalid).toBeGreaterThan(100);
  });
});

describe('fuzz: metrics parsers', () => {
  const seeds = {
    json: '[{"name":"accuracy","value":0.91,"dataset":"imagenet","split":"val"},{"name":"latency","value":"12","unit":"ms"}]',
    csv: 'name,value,unit,dataset,split,hardware\naccuracy,0.91,,"imagenet, 2012",val,\n"lat ""p50""",12,ms,,,rpi5\n',
    card: '---\nlicense: mit\nmodel-index:\n- name: m\n  results:\n  - task: {type: x}\n    dataset: {type: d, name: D, split: test}\n    metrics:\n    - {type: acc, value: 0.5}\n---\n',
  };
  const parsers = {
    json: parseMetricsJson,
    csv: parseMetricsCsv,
    card: (t: string, f: string) => parseModelCard(t, f).metrics,
  };
  for (const kind of ['json', 'csv', 'card'] as const) {
    it(`${kind}: mutated input gives metrics or a located ManifestError or DocumentError (400 cases)`, () => {
      const r = rng(kind.length * 7);
      for (let i = 0; i < 400; i++) {
        const text = mutateText(seeds[kind], r);
        try {
          const metrics = parsers[kind](text, 'm');
          for (const m of metrics) {
            expect(typeof m.name).toBe('string');
            expect(['number', 'string']).toContain(typeof m.value);
          }
        } catch (e) {
          expect(e instanceof ManifestError || e instanceof DocumentError, text).toBe(true);
          expect((e as ManifestError).where).toMatch(/^m/);
        }
      }
    });
  }
});
