import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { errnoOf, ManifestError } from '../errors.js';
import { decodeUtf8, lineColumn, parseJson } from '../json.js';
import type { CardLicense } from './license.js';
import type { Metric } from './types.js';

/** Largest metrics file read (results tables and model cards are small). */
export const MAX_METRICS_BYTES = 8 * 1024 * 1024;
/** Most metrics one import may produce. */
export const MAX_METRICS = 10_000;

export type MetricsFormat = 'json' | 'csv' | 'model-card';

export interface MetricsImport {
  format: MetricsFormat;
  metrics: Metric[];
  /** From a model card: its `license` (a hub id or SPDX id), `license_name`, `license_link`. */
  license?: CardLicense;
}

const FIELDS = ['name', 'value', 'unit', 'dataset', 'split', 'hardware'] as const;
type Field = (typeof FIELDS)[number];

function fail(code: string, message: string, where: string, hint: string): never {
  throw new ManifestError(code, message, { where, hint });
}

function checkCount(n: number, where: string): void {
  if (n > MAX_METRICS)
    fail(
      'TOO_MANY_METRICS',
      `More than ${MAX_METRICS} metrics`,
      where,
      'Import a summary: the manifest keeps headline results, not raw logs.',
    );
}

/** A metric value: finite numbers stay numbers; numeric text becomes a number; other text is kept. */
function toValue(v: unknown): number | string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) && Number.isFinite(n) ? n : t;
}

function metricFrom(o: Record<string, unknown>, where: string): Metric {
  for (const k of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(k))
      fail('BAD_METRIC', `Unknown metric field "${k}"`, where, `A metric has ${FIELDS.join(', ')}.`);
  }
  if (typeof o.name !== 'string' || !o.name.trim())
    fail('BAD_METRIC', 'A metric needs a non-empty "name"', where, 'e.g. { "name": "accuracy", "value": 0.91 }');
  const value = toValue(o.value);
  if (value === undefined)
    fail('BAD_METRIC', `Metric "${o.name}" needs a "value" (a number or text)`, where, 'e.g. "value": 0.91');
  const m: Metric = { name: o.name.trim(), value };
  for (const k of ['unit', 'dataset', 'split', 'hardware'] as const) {
    const v = o[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number')
      fail('BAD_METRIC', `Metric "${m.name}": "${k}" must be text`, where, `Write "${k}" as a string.`);
    m[k] = String(v).trim();
  }
  return m;
}

/** JSON results: an array of metric objects, `{ "metrics": [...] }`, or a `{ name: value }` map. */
export function parseMetricsJson(text: string, file = '<metrics.json>'): Metric[] {
  const doc = parseJson(text, { file });
  const list = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && Array.isArray((doc as { metrics?: unknown }).metrics)
      ? (doc as { metrics: unknown[] }).metrics
      : undefined;
  if (list) {
    checkCount(list.length, file);
    return list.map((item, i) => {
      const where = `${file}#/${Array.isArray(doc) ? '' : 'metrics/'}${i}`;
      if (!item || typeof item !== 'object' || Array.isArray(item))
        fail('BAD_METRIC', `Metric ${i} is not an object`, where, 'Each entry is { "name": …, "value": … }.');
      return metricFrom(item as Record<string, unknown>, where);
    });
  }
  if (doc && typeof doc === 'object') {
    const entries = Object.entries(doc as Record<string, unknown>);
    checkCount(entries.length, file);
    return entries.map(([name, v]) => {
      const value = toValue(v);
      if (value === undefined)
        fail(
          'BAD_METRIC',
          `Metric "${name}" must be a number or text`,
          `${file}#/${name}`,
          'A { name: value } map holds plain values, e.g. { "accuracy": 0.91 }.',
        );
      return { name, value };
    });
  }
  return fail(
    'BAD_METRICS_FILE',
    'The metrics JSON must be an array of metrics or a { name: value } object',
    file,
    'e.g. [{ "name": "accuracy", "value": 0.91, "dataset": "imagenet", "split": "val" }]',
  );
}

/** RFC 4180 records with the physical line each starts on. Quoted fields may hold commas, quotes ("") and newlines. */
function csvRecords(text: string, file: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n)
            fail(
              'MALFORMED_CSV',
              `Unterminated quoted field starting on line ${start}`,
              `${file}:${start}`,
              'Close the quote; a quote inside a field is written "".',
            );
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          fail(
            'MALFORMED_CSV',
            `Text after a closing quote on line ${line}`,
            `${file}:${line}`,
            'Quote the whole field, e.g. "a, b".',
          );
        }
      } else {
        const from = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        field += text.slice(from, i);
      }
      fields.push(field);
      field = '';
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    if (!(fields.length === 1 && fields[0]!.trim() === '')) out.push({ line: start, fields });
    if (out.length > MAX_METRICS + 1) checkCount(out.length, file);
  }
  return out;
}

/** CSV results with a header row naming columns from name,value,unit,dataset,split,hardware. */
export function parseMetricsCsv(text: string, file = '<metrics.csv>'): Metric[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows = csvRecords(src, file);
  if (!rows.length)
    fail('BAD_METRICS_FILE', 'The CSV file is empty', file, `The first row names the columns: ${FIELDS.join(',')}`);
  const header = rows[0]!.fields.map((h) => h.trim().toLowerCase());
  header.forEach((h) => {
    if (!(FIELDS as readonly string[]).includes(h))
      fail(
        'BAD_CSV_HEADER',
        `Unknown column "${h}" in the header`,
        `${file}:1`,
        `Columns: ${FIELDS.join(', ')} (name and value are required).`,
      );
  });
  if (new Set(header).size !== header.length)
    fail('BAD_CSV_HEADER', 'A column is named twice in the header', `${file}:1`, 'Name each column once.');
  for (const need of ['name', 'value'])
    if (!header.includes(need))
      fail(
        'BAD_CSV_HEADER',
        `The header has no "${need}" column`,
        `${file}:1`,
        `Columns: ${FIELDS.join(', ')} (name and value are required).`,
      );
  return rows.slice(1).map(({ line, fields }) => {
    if (fields.length !== header.length)
      fail(
        'MALFORMED_CSV',
        `Line ${line} has ${fields.length} field(s); the header has ${header.length}`,
        `${file}:${line}`,
        'Quote fields that contain commas.',
      );
    const o: Partial<Record<Field, string>> = {};
    header.forEach((h, k) => (o[h as Field] = fields[k]!));
    return metricFrom(o, `${file}:${line}`);
  });
}

/** The YAML front matter of a model card (README.md), with the line it starts on. */
function frontMatter(text: string, file: string): { yaml: string; firstLine: number } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const m = /^---[ \t]*\r?\n/.exec(src);
  if (!m) {
    if (/\.(ya?ml)$/i.test(file)) return { yaml: src, firstLine: 1 };
    fail(
      'NO_FRONT_MATTER',
      'The model card has no YAML front matter',
      `${file}:1`,
      'A Hugging Face model card starts with a "---" line, its metadata, and another "---" line.',
    );
  }
  const rest = src.slice(m[0].length);
  const end = /^(---|\.\.\.)[ \t]*$/m.exec(rest);
  if (!end)
    fail(
      'NO_FRONT_MATTER',
      'The YAML front matter is not closed',
      `${file}:1`,
      'End the metadata block with a "---" line.',
    );
  return { yaml: rest.slice(0, end.index), firstLine: 2 };
}

/**
 * Metrics from a Hugging Face model card's `model-index` (README.md front matter, or a YAML file):
 * each results[].metrics[] becomes a Metric with the dataset name (and config) and split.
 */
export function parseModelCard(text: string, file = '<README.md>'): MetricsImport {
  const { yaml, firstLine } = frontMatter(text, file);
  // Nodes are walked, never expanded with toJS, so alias bombs cost nothing; aliases are simply not followed.
  const doc = parseDocument(yaml, { prettyErrors: false, uniqueKeys: true, strict: true });
  const at = (node: YamlNode | null | undefined) => {
    const off = node?.range?.[0] ?? 0;
    return `${file}:${lineColumn(yaml, off).line + firstLine - 1}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = (e.linePos?.[0]?.line ?? 1) + firstLine - 1;
    fail(
      'MALFORMED_YAML',
      `Malformed YAML in the model card at line ${line}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      `${file}:${line}`,
      'Fix the YAML syntax (indentation and brackets are the usual cause).',
    );
  }
  const root = doc.contents;
  if (!isMap(root))
    fail(
      'BAD_MODEL_CARD',
      'The model card metadata is not a YAML mapping',
      at(root),
      'The front matter holds keys such as license: and model-index:.',
    );
  const str = (v: unknown) =>
    isScalar(v) && (typeof v.value === 'string' || typeof v.value === 'number') ? String(v.value) : undefined;
  const license = {
    id: str(root.get('license', true)),
    name: str(root.get('license_name', true)),
    link: str(root.get('license_link', true)),
  };
  const index = root.get('model-index', true) as YamlNode | undefined;
  const metrics: Metric[] = [];
  if (index === undefined)
    fail(
      'NO_MODEL_INDEX',
      'The model card has no model-index',
      at(root),
      'Add a model-index with results (https://huggingface.co/docs/hub/model-cards#evaluation-results), or import a JSON/CSV results file.',
    );
  if (!isSeq(index))
    fail(
      'BAD_MODEL_CARD',
      'model-index must be a list',
      at(index),
      'model-index: [ { name, results: [ { task, dataset, metrics } ] } ]',
    );
  for (const entry of index.items) {
    if (!isMap(entry))
      fail(
        'BAD_MODEL_CARD',
        'A model-index entry must be a mapping',
        at(entry as YamlNode),
        'Each entry has name and results.',
      );
    const results = entry.get('results', true) as YamlNode | undefined;
    if (!isSeq(results))
      fail(
        'BAD_MODEL_CARD',
        'model-index results must be a list',
        at(results ?? entry),
        'results: [ { task, dataset, metrics } ]',
      );
    for (const r of results.items) {
      if (!isMap(r))
        fail(
          'BAD_MODEL_CARD',
          'A result must be a mapping',
          at(r as YamlNode),
          'Each result has task, dataset and metrics.',
        );
      const ds = r.get('dataset', true);
      const dsName = isMap(ds) ? (str(ds.get('name', true)) ?? str(ds.get('type', true))) : undefined;
      const dsConfig = isMap(ds) ? str(ds.get('config', true)) : undefined;
      const split = isMap(ds) ? str(ds.get('split', true)) : undefined;
      const list = r.get('metrics', true) as YamlNode | undefined;
      if (!isSeq(list))
        fail(
          'BAD_MODEL_CARD',
          'A result needs a metrics list',
          at(list ?? r),
          'metrics: [ { type: accuracy, value: 0.91 } ]',
        );
      for (const mNode of list.items) {
        if (!isMap(mNode))
          fail(
            'BAD_MODEL_CARD',
            'A metric must be a mapping',
            at(mNode as YamlNode),
            'e.g. { type: accuracy, value: 0.91 }',
          );
        const name = str(mNode.get('name', true)) ?? str(mNode.get('type', true));
        const valueNode = mNode.get('value', true);
        const value = isScalar(valueNode) ? toValue(valueNode.value) : undefined;
        if (!name)
          fail('BAD_MODEL_CARD', 'A metric needs a type or name', at(mNode), 'e.g. { type: accuracy, value: 0.91 }');
        if (value === undefined)
          fail('BAD_MODEL_CARD', `Metric "${name}" needs a value`, at(mNode), 'e.g. value: 0.91');
        metrics.push({
          name,
          value,
          ...(dsName ? { dataset: dsConfig ? `${dsName}/${dsConfig}` : dsName } : {}),
          ...(split ? { split } : {}),
        });
        checkCount(metrics.length, file);
      }
    }
  }
  const lic = Object.fromEntries(
    Object.entries(license).filter(([, v]) => v !== undefined),
  ) as MetricsImport['license'];
  return { format: 'model-card', metrics, ...(lic && Object.keys(lic).length ? { license: lic } : {}) };
}

/** Picks the parser by extension, falling back to content (front matter → card, { or [ → JSON, else CSV). */
export function detectMetricsFormat(file: string, text: string): MetricsFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.md' || ext === '.yaml' || ext === '.yml') return 'model-card';
  const head = text.replace(/^\ufeff/, '').trimStart();
  if (head.startsWith('---')) return 'model-card';
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  return 'csv';
}

/** Parses metrics text in the given (or detected) format. */
export function parseMetrics(
  text: string,
  file: string,
  format: MetricsFormat = detectMetricsFormat(file, text),
): MetricsImport {
  if (format === 'json') return { format, metrics: parseMetricsJson(text, file) };
  if (format === 'csv') return { format, metrics: parseMetricsCsv(text, file) };
  return parseModelCard(text, file);
}

/** Reads a metrics file (JSON, CSV or a model card) with a size cap. */
export async function importMetrics(path: string, format?: MetricsFormat): Promise<MetricsImport> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new ManifestError('METRICS_NOT_FOUND', `Cannot read metrics file ${path} (${errnoOf(e) ?? 'error'})`, {
      where: path,
      hint: 'Check the --metrics path.',
      cause: e,
    });
  });
  let bytes: Buffer;
  try {
    const st = await fh.stat();
    if (st.size > MAX_METRICS_BYTES)
      fail(
        'METRICS_TOO_LARGE',
        `${path} is ${st.size} bytes; a metrics file may be at most ${MAX_METRICS_BYTES}`,
        path,
        'Import a summary of the results.',
      );
    const buf = Buffer.alloc(Math.min(st.size, MAX_METRICS_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    bytes = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  return parseMetrics(decodeUtf8(bytes, path), path, format);
}

/** Adds imported metrics, replacing any with the same name, dataset, split and hardware. */
export function mergeMetrics(existing: Metric[] | undefined, incoming: Metric[]): Metric[] {
  const key = (m: Metric) => JSON.stringify([m.name, m.dataset ?? null, m.split ?? null, m.hardware ?? null]);
  const byKey = new Map((existing ?? []).map((m) => [key(m), m]));
  for (const m of incoming) byKey.set(key(m), m);
  return [...byKey.values()];
}
