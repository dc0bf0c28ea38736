/**
 * Device inventory import: JSON (an array, or {"devices": [...]}), NDJSON (one device a line) and
 * CSV (a header row with the columns below, ';' inside list cells). Each row gives a device id,
 * channel, a profile id and/or explicit facts; explicit facts override the profile's. A bad row
 * is reported as {line, message} and skipped — never silently.
 *
 * Cells: empty = not stated (the profile's fact, else unknown); `none` = known not installed.
 * Devices with the same profile and explicit facts share one facts object and key, which is what
 * lets the preview decide once per group.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FleetError, throwIfAborted } from '../errors.js';
import { type Catalog, defaultCatalog, validateFacts } from './catalog.js';
import {
  type Accelerator,
  type Device,
  type DeviceFacts,
  type Runtimes,
  acceleratorMatches,
  factsKey,
  mergeFacts,
  normalizeArch,
} from './facts.js';
import { parseDotted } from '../manifest/index.js';

export type InventoryFormat = 'json' | 'ndjson' | 'csv';

export interface InventoryError {
  /** 1-based line in the file (for JSON: the line where the device's object starts). */
  line: number;
  message: string;
}

export interface Inventory {
  format: InventoryFormat;
  devices: Device[];
  errors: InventoryError[];
  /** Data lines read (devices + bad rows). */
  rows: number;
}

/** CSV columns, in the documented order. Lists inside a cell are ';' separated. */
export const CSV_COLUMNS = [
  'id',
  'channel',
  'profile',
  'arch',
  'memory_mib',
  'accelerators',
  'compute_capability',
  'gpu_model',
  'dla_cores',
  'onnxruntime',
  'execution_providers',
  'tensorrt',
  'cuda',
  'cudnn',
  'tflite',
  'delegates',
  'tflite_custom_ops',
  'libedgetpu',
  'hailort',
  'labels',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** JSON / NDJSON may also use camelCase keys. */
const KEY_ALIASES: Record<string, Column> = {
  memoryMiB: 'memory_mib',
  memory: 'memory_mib',
  computeCapability: 'compute_capability',
  gpuModel: 'gpu_model',
  dlaCores: 'dla_cores',
  executionProviders: 'execution_providers',
  tfliteCustomOps: 'tflite_custom_ops',
  litert: 'tflite',
  deviceId: 'id',
  device_id: 'id',
};

/** Same list as the facts schema's cpu.abi enum. */
const KNOWN_ARCHES = new Set(['aarch64', 'x86_64', 'armv7l', 'armv6l', 'i686', 'riscv64']);
const ACCELERATOR_TOKENS: Record<string, Accelerator> = {
  gpu: { kind: 'gpu', vendor: 'nvidia' },
  dla: { kind: 'dla', vendor: 'nvidia', count: 1 },
  edgetpu: { kind: 'edgetpu', vendor: 'google', count: 1 },
  hailo8: { kind: 'npu', vendor: 'hailo', arch: 'hailo8' },
  hailo8l: { kind: 'npu', vendor: 'hailo', arch: 'hailo8l' },
  hailo10h: { kind: 'npu', vendor: 'hailo', arch: 'hailo10h' },
};
const NONE = new Set(['none', 'no', 'absent']);

class RowError extends Error {}

type Cell = unknown;

/** Turns rows into devices, sharing facts objects between rows with the same facts. */
export class DeviceBuilder {
  readonly devices: Device[] = [];
  readonly errors: InventoryError[] = [];
  rows = 0;
  private readonly ids = new Set<string>();
  private readonly factsCache = new Map<string, { facts: DeviceFacts; key: string }>();

  constructor(private readonly catalog: Catalog) {}

  /** Adds one row; `cells` maps column → value, `cacheKey` (optional) identifies its fact cells. */
  add(line: number, cells: Partial<Record<Column, Cell>> & { facts?: unknown }, cacheKey?: string): void {
    this.rows++;
    try {
      this.devices.push(this.build(line, cells, cacheKey));
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      this.errors.push({ line, message: e.message });
    }
  }

  error(line: number, message: string): void {
    this.rows++;
    this.errors.push({ line, message });
  }

  result(format: InventoryFormat): Inventory {
    return { format, devices: this.devices, errors: this.errors, rows: this.rows };
  }

  private build(line: number, c: Partial<Record<Column, Cell>> & { facts?: unknown }, cacheKey?: string): Device {
    const id = str(c.id, 'id');
    if (!id) throw new RowError('missing device id');
    if (this.ids.has(id)) throw new RowError(`duplicate device id "${id}" (first occurrence kept)`);
    const channel = str(c.channel, 'channel');
    const profile = str(c.profile, 'profile');
    let explicit: Explicit | undefined;
    let key: string;
    if (cacheKey !== undefined) key = `${profile ?? ''}\u0001${cacheKey}`;
    else {
      explicit = explicitFacts(c);
      key = `${profile ?? ''}\u0001${JSON.stringify(explicit)}`;
    }
    let shared = this.factsCache.get(key);
    if (!shared) {
      // Only on a cache miss: a hit means this profile and these cells were accepted before.
      if (profile && !this.catalog.has(profile)) throw new RowError(`unknown hardware profile "${profile}"`);
      explicit ??= explicitFacts(c);
      const base = profile ? this.catalog.resolve(profile).facts : {};
      const facts = Object.freeze(mergeWithAccelerators(base, explicit));
      shared = { facts, key: factsKey(facts) };
      this.factsCache.set(key, shared);
    }
    const labels = labelsOf(c.labels);
    this.ids.add(id);
    const d: Device = { id, facts: shared.facts, factsKey: shared.key, line };
    if (channel) d.channel = channel;
    if (profile) d.profile = profile;
    if (labels.length) d.labels = labels;
    return d;
  }
}

function str(v: Cell, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new RowError(`${what} must be text`);
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function list(v: Cell, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => str(x, what) ?? '').filter((x) => x !== '');
  const s = str(v, what);
  if (s === undefined) return undefined;
  if (NONE.has(s.toLowerCase())) return [];
  return s
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function version(v: Cell, what: string): { version: string } | null | undefined {
  const s = str(v, what);
  if (s === undefined) return undefined;
  if (NONE.has(s.toLowerCase())) return null;
  if (!parseDotted(s)) throw new RowError(`${what} "${s}" is not a version (expected e.g. 1.17.3, or none)`);
  return { version: s };
}

function positiveInt(v: Cell, what: string): number | undefined {
  const s = str(v, what);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new RowError(`${what} "${s}" is not a whole number`);
  return n;
}

function labelsOf(v: Cell): string[] {
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).map(([k, x]) => `${k}=${String(x)}`);
  return list(v, 'labels') ?? [];
}

interface Explicit {
  facts: DeviceFacts;
  /** Accelerator tokens from the accelerators cell, merged with the profile's details. */
  accelerators?: string[];
  gpu?: { computeCapability?: string; model?: string };
  dlaCores?: number;
}

function explicitFacts(c: Partial<Record<Column, Cell>> & { facts?: unknown }): Explicit {
  const facts: DeviceFacts = {};
  const arch = str(c.arch, 'arch');
  if (arch !== undefined) {
    const a = normalizeArch(arch);
    if (!KNOWN_ARCHES.has(a))
      throw new RowError(`arch "${arch}" is not a CPU architecture (aarch64, x86_64, armv7l, …)`);
    facts.cpu = { abi: a };
  }
  const mem = positiveInt(c.memory_mib, 'memory_mib');
  if (mem !== undefined) {
    if (mem === 0) throw new RowError('memory_mib must be greater than 0');
    facts.memoryMiB = mem;
  }
  const runtimes: Runtimes = {};
  const simple: [keyof Runtimes, Column][] = [
    ['tensorrt', 'tensorrt'],
    ['cuda', 'cuda'],
    ['cudnn', 'cudnn'],
    ['libedgetpu', 'libedgetpu'],
    ['hailort', 'hailort'],
  ];
  for (const [name, col] of simple) {
    const v = version(c[col], col);
    if (v !== undefined) runtimes[name] = v;
  }
  const ort = version(c.onnxruntime, 'onnxruntime');
  const eps = list(c.execution_providers, 'execution_providers');
  if (ort === null && eps?.length) throw new RowError('execution_providers given but onnxruntime is none');
  if (ort !== undefined)
    runtimes.onnxruntime = ort === null ? null : { ...ort, ...(eps ? { executionProviders: eps } : {}) };
  else if (eps) throw new RowError('execution_providers given without an onnxruntime version');
  const tfl = version(c.tflite, 'tflite');
  const delegates = list(c.delegates, 'delegates')?.map((d) => d.toLowerCase());
  const customOps = list(c.tflite_custom_ops, 'tflite_custom_ops');
  if (tfl !== undefined)
    runtimes.tflite =
      tfl === null ? null : { ...tfl, ...(delegates ? { delegates } : {}), ...(customOps ? { customOps } : {}) };
  else if (delegates || customOps) throw new RowError('delegates / tflite_custom_ops given without a tflite version');
  if (Object.keys(runtimes).length) facts.runtimes = runtimes;
  const out: Explicit = { facts };
  const acc = list(c.accelerators, 'accelerators');
  if (acc) {
    const bad = acc.filter((t) => !(t.toLowerCase() in ACCELERATOR_TOKENS));
    if (bad.length)
      throw new RowError(`unknown accelerator "${bad[0]}" (use ${Object.keys(ACCELERATOR_TOKENS).join(', ')})`);
    out.accelerators = acc.map((t) => t.toLowerCase());
  }
  const cc = str(c.compute_capability, 'compute_capability');
  if (cc !== undefined && !/^\d+\.\d+$/.test(cc)) throw new RowError(`compute_capability "${cc}" must look like 8.7`);
  const model = str(c.gpu_model, 'gpu_model');
  if (cc !== undefined || model !== undefined)
    out.gpu = { ...(cc ? { computeCapability: cc } : {}), ...(model ? { model } : {}) };
  const dla = positiveInt(c.dla_cores, 'dla_cores');
  if (dla !== undefined) out.dlaCores = dla;
  if (c.facts !== undefined) {
    if (typeof c.facts !== 'object' || c.facts === null || Array.isArray(c.facts))
      throw new RowError('facts must be an object');
    const problems = validateFacts(c.facts);
    if (problems.length) throw new RowError(`facts${problems[0]!.replace(/^\/ /, ' ')}`);
    out.facts = mergeFacts(out.facts, c.facts);
  }
  return out;
}

/** Profile facts, then explicit facts; accelerator tokens keep the profile's details for that kind. */
function mergeWithAccelerators(base: DeviceFacts, e: Explicit): DeviceFacts {
  let accs: Accelerator[] | undefined = base.accelerators;
  if (e.accelerators) {
    accs = e.accelerators.map((t) => {
      const fromProfile = base.accelerators?.find((a) => acceleratorMatches(a, t));
      return fromProfile ?? ACCELERATOR_TOKENS[t]!;
    });
  }
  if (e.gpu) {
    const list = accs ? [...accs] : [];
    const i = list.findIndex((a) => a.kind === 'gpu');
    list[i === -1 ? list.length : i] = { ...(i === -1 ? ACCELERATOR_TOKENS.gpu! : list[i]!), ...e.gpu };
    accs = list;
  }
  if (e.dlaCores !== undefined) {
    const list = (accs ?? []).filter((a) => a.kind !== 'dla');
    const prev = accs?.find((a) => a.kind === 'dla');
    if (e.dlaCores > 0) list.push({ ...(prev ?? ACCELERATOR_TOKENS.dla!), count: e.dlaCores });
    accs = list;
  }
  const merged = mergeFacts(base, e.facts);
  return accs === base.accelerators || e.facts.accelerators !== undefined ? merged : { ...merged, accelerators: accs! };
}

// ---------------------------------------------------------------- formats

/** Splits one CSV line (RFC 4180 quotes; a field may not span lines). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new RowError('unterminated quoted field');
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      if (i >= line.length) return out;
      if (line[i] !== ',') throw new RowError('text after a closing quote');
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma === -1) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** Parses CSV lines as they come (so a million-row file is never held whole). */
export class CsvParser {
  private columns: Column[] | undefined;
  private factCols: number[] = [];
  constructor(
    private readonly b: DeviceBuilder,
    private readonly where: string,
  ) {}

  line(text: string, n: number): void {
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() === '' || t.startsWith('#')) return;
    if (!this.columns) return this.header(t, n);
    let cells: string[];
    try {
      cells = splitCsvLine(t);
    } catch (e) {
      return this.b.error(n, (e as Error).message);
    }
    if (cells.length !== this.columns.length)
      return this.b.error(n, `expected ${this.columns.length} cells, found ${cells.length}`);
    const rec: Partial<Record<Column, string>> = {};
    for (let i = 0; i < cells.length; i++) rec[this.columns[i]!] = cells[i];
    let key = '';
    for (const i of this.factCols) key += `${cells[i]}\u0001`;
    this.b.add(n, rec, key);
  }

  private header(t: string, n: number): void {
    let raw: string[];
    try {
      raw = splitCsvLine(t);
    } catch (e) {
      throw new FleetError('INVENTORY_BAD_HEADER', `The CSV header cannot be read: ${(e as Error).message}`, {
        where: `${this.where}:${n}`,
        hint: `Columns: ${CSV_COLUMNS.join(',')}`,
      });
    }
    const names = raw.map((h) => h.trim().toLowerCase().replace(/-/g, '_'));
    const cols: Column[] = [];
    for (const h of names) {
      const c = (CSV_COLUMNS as readonly string[]).includes(h) ? (h as Column) : KEY_ALIASES[h];
      if (!c)
        throw new FleetError('INVENTORY_BAD_HEADER', `Unknown CSV column "${h}"`, {
          where: `${this.where}:${n}`,
          hint: `Columns: ${CSV_COLUMNS.join(',')}`,
        });
      cols.push(c);
    }
    if (!cols.includes('id'))
      throw new FleetError('INVENTORY_BAD_HEADER', 'The CSV header has no "id" column', {
        where: `${this.where}:${n}`,
        hint: `Columns: ${CSV_COLUMNS.join(',')}`,
      });
    this.columns = cols;
    this.factCols = cols
      .map((c, i) => (c === 'id' || c === 'channel' || c === 'labels' ? -1 : i))
      .filter((i) => i >= 0);
  }
}

function normalizeRecord(rec: Record<string, unknown>): Partial<Record<Column, unknown>> & { facts?: unknown } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    const col = k === 'facts' ? 'facts' : (CSV_COLUMNS as readonly string[]).includes(k) ? k : KEY_ALIASES[k];
    if (!col) throw new RowError(`unknown field "${k}"`);
    out[col] = v;
  }
  return out;
}

function addRecord(b: DeviceBuilder, line: number, rec: unknown): void {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
    return b.error(line, 'a device must be a JSON object');
  let r;
  try {
    r = normalizeRecord(rec as Record<string, unknown>);
  } catch (e) {
    return b.error(line, (e as Error).message);
  }
  b.add(line, r);
}

export function ndjsonLine(b: DeviceBuilder, text: string, n: number): void {
  if (text.trim() === '') return;
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch (e) {
    return b.error(n, `not valid JSON: ${(e as Error).message}`);
  }
  addRecord(b, n, rec);
}

/** Start lines of the elements of the device array (top-level array, or the "devices" array). */
function elementLines(text: string, nested: boolean): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inTarget = false;
  let expectValue = false;
  let lastString = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (inTarget && depth === (nested ? 2 : 1) && expectValue) {
        lines.push(line);
        expectValue = false;
      }
      lastString = text.slice(i + 1, j);
      for (let k = i; k < j; k++) if (text[k] === '\n') line++;
      i = j;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') continue;
    const level = nested ? 2 : 1;
    if (inTarget && depth === level && expectValue && ch !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (ch === '[' || ch === '{') {
      depth++;
      if (ch === '[' && depth === level && (!nested || lastString === 'devices')) {
        inTarget = true;
        expectValue = true;
      }
    } else if (ch === ']' || ch === '}') {
      if (depth === level && inTarget) inTarget = false;
      depth--;
    } else if (ch === ',' && inTarget && depth === level) expectValue = true;
  }
  return lines;
}

export function parseJsonInventory(b: DeviceBuilder, text: string, where: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FleetError('INVENTORY_NOT_JSON', `The inventory is not valid JSON: ${(e as Error).message}`, {
      where,
      hint: 'Fix the JSON, or use NDJSON (one device per line) so one bad line does not stop the import.',
    });
  }
  const nested = !Array.isArray(doc);
  const items = Array.isArray(doc) ? doc : (doc as { devices?: unknown })?.devices;
  if (!Array.isArray(items))
    throw new FleetError(
      'INVENTORY_SHAPE',
      'A JSON inventory must be an array of devices or an object with a "devices" array',
      { where },
    );
  const lines = elementLines(text, nested);
  items.forEach((rec, i) => addRecord(b, lines[i] ?? 0, rec));
}

export function detectFormat(path: string, head: string): InventoryFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') return 'json';
  const t = head.trimStart();
  if (t.startsWith('[')) return 'json';
  if (t.startsWith('{')) {
    const first = t.split('\n', 1)[0]!;
    try {
      JSON.parse(first);
      return 'ndjson';
    } catch {
      return 'json';
    }
  }
  return 'csv';
}

/** Parses inventory text already in memory. */
export function parseInventory(
  text: string,
  format: InventoryFormat,
  catalog: Catalog = defaultCatalog(),
  where = 'inventory',
): Inventory {
  const b = new DeviceBuilder(catalog);
  if (format === 'json') parseJsonInventory(b, text, where);
  else {
    const csv = format === 'csv' ? new CsvParser(b, where) : undefined;
    let n = 0;
    for (const line of text.split('\n')) {
      n++;
      if (csv) csv.line(line, n);
      else ndjsonLine(b, line, n);
    }
  }
  return b.result(format);
}

/** JSON inventories are parsed whole; past this size use NDJSON or CSV, which stream. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

export interface ImportOptions {
  format?: InventoryFormat;
  signal?: AbortSignal;
}

/** Imports an inventory file. CSV and NDJSON are streamed line by line. */
export async function importInventory(
  path: string,
  catalog: Catalog = defaultCatalog(),
  opts: ImportOptions = {},
): Promise<Inventory> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
    size = s.size;
  } catch (e) {
    throw new FleetError('INVENTORY_UNREADABLE', `Cannot read the inventory: ${(e as Error).message}`, {
      where: path,
      hint: 'Pass a JSON, NDJSON or CSV file with --fleet.',
      cause: e,
    });
  }
  const b = new DeviceBuilder(catalog);
  let format = opts.format;
  let csv: CsvParser | undefined;
  let jsonText = '';
  let carry = '';
  let n = 0;
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<string>) {
    throwIfAborted(opts.signal);
    if (format === undefined) format = detectFormat(path, chunk);
    if (format === 'json') {
      if (size > MAX_JSON_BYTES)
        throw new FleetError('INVENTORY_TOO_LARGE', `JSON inventories are read whole and this one is ${size} bytes`, {
          where: path,
          hint: 'Use NDJSON or CSV for large fleets: they stream.',
        });
      jsonText += chunk;
      continue;
    }
    csv ??= format === 'csv' ? new CsvParser(b, path) : undefined;
    const text = carry + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      n++;
      const line = text.slice(start, nl);
      if (csv) csv.line(line, n);
      else ndjsonLine(b, line, n);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  format ??= detectFormat(path, '');
  if (format === 'json') parseJsonInventory(b, jsonText, path);
  else if (carry !== '') {
    n++;
    if (format === 'csv') (csv ?? new CsvParser(b, path)).line(carry, n);
    else ndjsonLine(b, carry, n);
  }
  return b.result(format);
}
