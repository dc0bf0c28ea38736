import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  importMetrics,
  mergeMetrics,
  parseMetricsCsv,
  parseMetricsJson,
  parseModelCard,
  validateDocument,
} from '../../../src-main/manifest/index.js';
import { completeManifest } from './helpers.js';
import { tempDir } from '../../fixtures/temp.js';

describe('metrics from JSON', () => {
  it('reads an array of metric objects, numeric text becoming numbers', () => {
    expect(
      parseMetricsJson(
        '[{"name":"accuracy","value":0.91,"dataset":"imagenet","split":"val"},{"name":"latency-p95","value":"14.2","unit":"ms","hardware":"rpi5"},{"name":"grade","value":"A"}]',
      ),
    ).toEqual([
      { name: 'accuracy', value: 0.91, dataset: 'imagenet', split: 'val' },
      { name: 'latency-p95', value: 14.2, unit: 'ms', hardware: 'rpi5' },
      { name: 'grade', value: 'A' },
    ]);
  });
  it('reads a { name: value } map and a { metrics: [...] } wrapper', () => {
    expect(parseMetricsJson('{"top1": 76.1, "top5": "93.0"}')).toEqual([
      { name: 'top1', value: 76.1 },
      { name: 'top5', value: 93 },
    ]);
    expect(parseMetricsJson('{"metrics": [{"name": "mAP", "value": 0.5}]}')).toEqual([{ name: 'mAP', value: 0.5 }]);
  });
  it.each([
    ['[{"value": 1}]', /needs a non-empty "name"/, /#\/0$/],
    ['[{"name": "a"}]', /needs a "value"/, /#\/0$/],
    ['[{"name": "a", "value": 1, "colour": "x"}]', /Unknown metric field "colour"/, /#\/0$/],
    ['{"a": {"b": 1}}', /must be a number or text/, /#\/a$/],
    ['[1]', /not an object/, /#\/0$/],
    ['"x"', /must be an array/, /m\.json$/],
    ['[{"name": "a",\n "value": }]', /line 2, column 11/, /m\.json:2:11$/],
  ])('refuses %s clearly', (text, msg, where) => {
    expect(() => parseMetricsJson(text, 'm.json')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(msg), where: expect.stringMatching(where) }),
    );
  });
});

describe('metrics from CSV', () => {
  it('reads the header columns in any order, quoted fields with commas, quotes and newlines, CRLF', () => {
    const csv =
      'value,Name,unit,dataset,split,hardware\r\n0.91,accuracy,,"imagenet, 2012",val,\r\n12.5,"latency ""p50""",ms,,,"Jetson\nOrin"\r\n\r\n';
    expect(parseMetricsCsv(csv)).toEqual([
      { name: 'accuracy', value: 0.91, dataset: 'imagenet, 2012', split: 'val' },
      { name: 'latency "p50"', value: 12.5, unit: 'ms', hardware: 'Jetson\nOrin' },
    ]);
  });
  it.each([
    ['', /empty/, /:?m\.csv$/],
    ['name,score\na,1\n', /Unknown column "score"/, /m\.csv:1$/],
    ['name,unit\na,ms\n', /no "value" column/, /m\.csv:1$/],
    ['name,value\na,1\nb,2,3\n', /Line 3 has 3 field/, /m\.csv:3$/],
    ['name,value\na,1\n"b,2\n', /Unterminated quoted field starting on line 3/, /m\.csv:3$/],
    ['name,value\n"a"x,1\n', /Text after a closing quote on line 2/, /m\.csv:2$/],
    ['name,value\na,\n', /needs a "value"/, /m\.csv:2$/],
  ])('refuses %j with the line', (text, msg, where) => {
    expect(() => parseMetricsCsv(text, 'm.csv')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(msg), where: expect.stringMatching(where) }),
    );
  });
});

const CARD = `---
license: llama2
library_name: transformers
model-index:
- name: tiny-detector
  results:
  - task:
      type: object-detection
    dataset:
      type: coco
      name: COCO 2017
      split: val
    metrics:
    - type: map
      value: 37.4
      name: mAP
    - type: map_50
      value: 56.8
  - task:
      type: automatic-speech-recognition
    dataset:
      type: common_voice
      name: Common Voice
      config: fr
      split: test
    metrics:
    - type: wer
      value: 20.90
---
# Tiny detector
`;

describe('metrics from a Hugging Face model card', () => {
  it('maps model-index results to metrics with dataset (and config) and split, and returns the card license', () => {
    expect(parseModelCard(CARD)).toEqual({
      format: 'model-card',
      metrics: [
        { name: 'mAP', value: 37.4, dataset: 'COCO 2017', split: 'val' },
        { name: 'map_50', value: 56.8, dataset: 'COCO 2017', split: 'val' },
        { name: 'wer', value: 20.9, dataset: 'Common Voice/fr', split: 'test' },
      ],
      license: { id: 'llama2' },
    });
  });
  it.each([
    ['# no front matter\n', 'NO_FRONT_MATTER', /:1$/],
    ['---\nlicense: mit\n', 'NO_FRONT_MATTER', /:1$/],
    ['---\nlicense: mit\n---\n', 'NO_MODEL_INDEX', /:2$/],
    ['---\nlicense: mit\nmodel-index: [a, b\n---\n', 'MALFORMED_YAML', /:\d+$/],
    ['---\nmodel-index:\n- name: x\n  results:\n  - metrics:\n    - type: acc\n---\n', 'BAD_MODEL_CARD', /:6$/],
    ['---\nmodel-index: 3\n---\n', 'BAD_MODEL_CARD', /:2$/],
    ['---\na: 1\na: 2\n---\n', 'MALFORMED_YAML', /:\d+$/],
  ])('refuses a broken card %#', (text, code, where) => {
    expect(() => parseModelCard(text, 'README.md')).toThrow(
      expect.objectContaining({ code, where: expect.stringMatching(where) }),
    );
  });
  it('does not expand YAML alias bombs', () => {
    const bomb =
      '---\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nmodel-index: *c\n---\n';
    expect(() => parseModelCard(bomb, 'README.md')).toThrow(expect.objectContaining({ code: 'BAD_MODEL_CARD' }));
  });
});

describe('importMetrics', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('fp-metrics-');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  it('detects the format from the extension and content, and the result validates', async () => {
    await writeFile(join(dir, 'r.json'), '{"acc": 0.9}');
    await writeFile(join(dir, 'r.csv'), 'name,value\nacc,0.9\n');
    await writeFile(join(dir, 'README.md'), CARD);
    await writeFile(join(dir, 'results'), 'name,value\nf1,0.8\n');
    expect((await importMetrics(join(dir, 'r.json'))).format).toBe('json');
    expect((await importMetrics(join(dir, 'r.csv'))).metrics).toEqual([{ name: 'acc', value: 0.9 }]);
    const card = await importMetrics(join(dir, 'README.md'));
    expect(card.metrics.length).toBe(3);
    expect((await importMetrics(join(dir, 'results'))).format).toBe('csv');
    const m = completeManifest();
    m.metrics = mergeMetrics(m.metrics, card.metrics);
    expect(validateDocument(m).valid).toBe(true);
  });
  it('reports a missing file', async () => {
    await expect(importMetrics(join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'METRICS_NOT_FOUND' });
  });
  it('merges by name, dataset, split and hardware', () => {
    expect(
      mergeMetrics(
        [
          { name: 'a', value: 1 },
          { name: 'a', value: 2, split: 'test' },
        ],
        [{ name: 'a', value: 3 }],
      ),
    ).toEqual([
      { name: 'a', value: 3 },
      { name: 'a', value: 2, split: 'test' },
    ]);
  });
});
