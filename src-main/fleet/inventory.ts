/**
 * Device inventory import: JSON (an array, or {"devices": [...]}), NDJSON (one device a line) and
 * CSV (a header row with the columns of inventory-rows.ts, ';' inside list cells). Each row gives
 * a device id, channel, a profile id and/or explicit facts; explicit facts override the profile's.
 *
 * Every row with an id is a device in scope. Facts that cannot be read make it "cannot tell"
 * (listed in `unreadable` by line and field), never absent; only rows without an id (and repeats
 * of an id already seen) are skipped, and they are counted and listed in `errors`.
 *
 * Devices are stored by column (ids in one byte table, typed arrays for the rest) and rows with
 * the same profile and fact cells share one kind, so a million-row file costs about as much as
 * splitting it once; `devices` builds Device objects only when asked for.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FleetError, throwIfAborted } from '../errors.js';
import { grow, hashBytes } from './byte-table.js';
import { IdColumn } from './id-column.js';
import { type Catalog, defaultCatalog } from './catalog.js';
import type { Device, UnreadableFact } from './facts.js';
import { type Cells, type DeviceKind, KindBuilder, cellText, labelsOf } from './inventory-rows.js';
import { CsvReader, JsonReader, NdjsonReader, type RecordReader } from './inventory-scan.js';

export { CSV_COLUMNS } from './inventory-rows.js';

export type InventoryFormat = 'json' | 'ndjson' | 'csv';

/** A row that is not a device: no id could be read, or its id repeats an earlier row's. */
export interface InventoryError {
  /** 1-based line in the file (for JSON: the line where the device's object starts). */
  line: number;
  message: string;
}

/** A device kept in scope although some fact it states cannot be read. */
export interface InventoryWarning extends UnreadableFact {
  line: number;
  id: string;
}

/** Rows listed per kind of problem; the counts stay exact past it. */
export const MAX_LISTED_ROWS = 10_000;

/** The imported fleet. */
export class Inventory {
  constructor(
    readonly format: InventoryFormat,
    private readonly cols: Columns,
    /** Data rows read: devices + skipped rows. */
    readonly rows: number,
    /** Rows that are not devices (first MAX_LISTED_ROWS); `skippedRows` counts them all. */
    readonly errors: InventoryError[],
    readonly skippedRows: number,
    /** Facts that cannot be read, per device row (first MAX_LISTED_ROWS); `unreadableDevices` counts devices. */
    readonly unreadable: InventoryWarning[],
    readonly unreadableDevices: number,
  ) {}

  private materialized: Device[] | undefined;

  /** Number of devices. */
  get size(): number {
    return this.cols.ids.size;
  }

  /** The distinct device kinds (profile + facts); `kindOf(i)` indexes into it. */
  get kinds(): readonly DeviceKind[] {
    return this.cols.kinds;
  }

  kindOf(i: number): number {
    return this.cols.kind[i]!;
  }

  /** Channel names by index (0 = none); `channelOf(i)` indexes into it. */
  get channelNames(): readonly (string | undefined)[] {
    return this.cols.channels;
  }

  channelOf(i: number): number {
    return this.cols.channel[i]!;
  }

  id(i: number): string {
    return this.cols.ids.text(i);
  }

  line(i: number): number {
    return this.cols.line[i]!;
  }

  /** Device i as an object. */
  device(i: number): Device {
    const c = this.cols;
    const kind = c.kinds[c.kind[i]!]!;
    const d: Device = { id: c.ids.text(i), facts: kind.facts, factsKey: kind.factsKey, line: c.line[i]! };
    const channel = c.channels[c.channel[i]!];
    if (channel !== undefined) d.channel = channel;
    if (kind.profile !== undefined) d.profile = kind.profile;
    const labels = c.labelSets[c.labels[i]!]!;
    if (labels.length) d.labels = labels;
    return d;
  }

  /** Every device as an object, in inventory order (built on first use). */
  get devices(): readonly Device[] {
    if (!this.materialized) {
      this.materialized = new Array<Device>(this.size);
      for (let i = 0; i < this.size; i++) this.materialized[i] = this.device(i);
    }
    return this.materialized;
  }
}

/** The column store the readers fill. */
interface Columns {
  ids: IdColumn;
  kind: Uint32Array;
  channel: Uint32Array;
  labels: Uint32Array;
  line: Uint32Array;
  kinds: DeviceKind[];
  channels: (string | undefined)[];
  labelSets: string[][];
}

/** Collects rows into columns; the readers call it, the fast ones with byte ranges. */
export class InventoryBuilder {
  readonly rowKinds: KindBuilder;
  rows = 0;
  private readonly cols: Columns = {
    ids: new IdColumn(),
    kind: new Uint32Array(1024),
    channel: new Uint32Array(1024),
    labels: new Uint32Array(1024),
    line: new Uint32Array(1024),
    kinds: [],
    channels: [undefined],
    labelSets: [[]],
  };
  private readonly kindIndex = new Map<DeviceKind, number>();
  private readonly channelIndex = new Map<string, number>();
  private readonly labelIndex = new Map<string, number>();
  private readonly errors: InventoryError[] = [];
  private skipped = 0;
  private readonly unreadable: InventoryWarning[] = [];
  private unreadableDevices = 0;
  private scratch = Buffer.allocUnsafe(256);

  constructor(catalog: Catalog) {
    this.rowKinds = new KindBuilder(catalog);
  }

  kindIndexOf(kind: DeviceKind): number {
    let i = this.kindIndex.get(kind);
    if (i === undefined) {
      i = this.cols.kinds.push(kind) - 1;
      this.kindIndex.set(kind, i);
    }
    return i;
  }

  channelIndexOf(channel: string | undefined): number {
    if (channel === undefined) return 0;
    let i = this.channelIndex.get(channel);
    if (i === undefined) {
      i = this.cols.channels.push(channel) - 1;
      this.channelIndex.set(channel, i);
    }
    return i;
  }

  labelsIndexOf(labels: string[]): number {
    if (labels.length === 0) return 0;
    const key = labels.join('\u0000');
    let i = this.labelIndex.get(key);
    if (i === undefined) {
      i = this.cols.labelSets.push(Object.freeze(labels) as string[]) - 1;
      this.labelIndex.set(key, i);
    }
    return i;
  }

  /** A row that is not a device. */
  skip(line: number, message: string): void {
    this.rows++;
    this.skipped++;
    if (this.errors.length < MAX_LISTED_ROWS) this.errors.push({ line, message });
  }

  /**
   * Adds the device whose id is buf[start, end) (trimmed, not empty; h = hashBytes of it). A row
   * that repeats an earlier id is taken out again when the import ends (result()).
   */
  device(
    line: number,
    buf: Uint8Array,
    start: number,
    end: number,
    h: number,
    kind: number,
    channel: number,
    labels: number,
  ): void {
    this.rows++;
    const c = this.cols;
    const i = c.ids.append(buf, start, end, h);
    if (i === c.kind.length) {
      const n = i * 2;
      c.kind = grow(c.kind, n);
      c.channel = grow(c.channel, n);
      c.labels = grow(c.labels, n);
      c.line = grow(c.line, n);
    }
    c.kind[i] = kind;
    c.channel[i] = channel;
    c.labels[i] = labels;
    c.line[i] = line;
    const bad = c.kinds[kind]!.facts.unreadable;
    if (bad) {
      this.unreadableDevices++;
      for (const u of bad)
        if (this.unreadable.length < MAX_LISTED_ROWS) this.unreadable.push({ line, id: c.ids.text(i), ...u });
    }
  }

  /** Takes rows whose id repeats an earlier row's out of the devices: they are skipped rows. */
  private dropRepeats(): void {
    const c = this.cols;
    const repeats = c.ids.duplicates();
    if (repeats.length === 0) return;
    const n = c.ids.size;
    const keep = new Uint8Array(n).fill(1);
    const dropped = new Set<number>();
    for (const [i, first] of repeats) {
      keep[i] = 0;
      dropped.add(c.line[i]!);
      this.skipped++;
      if (c.kinds[c.kind[i]!]!.facts.unreadable) this.unreadableDevices--;
      this.errors.push({
        line: c.line[i]!,
        message: `duplicate device id "${c.ids.text(first)}" (first occurrence kept)`,
      });
    }
    this.errors.sort((a, b) => a.line - b.line);
    this.errors.length = Math.min(this.errors.length, MAX_LISTED_ROWS);
    const unreadable = this.unreadable.filter((u) => !dropped.has(u.line));
    this.unreadable.length = 0;
    this.unreadable.push(...unreadable);
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      c.kind[w] = c.kind[i]!;
      c.channel[w] = c.channel[i]!;
      c.labels[w] = c.labels[i]!;
      c.line[w] = c.line[i]!;
      w++;
    }
    c.ids.compact(keep);
  }

  /**
   * The slow path: a row already decoded into cells (quoted CSV, JSON with nested values or
   * escapes). `extra` lists facts of the row that could not be matched to a column.
   */
  record(line: number, cells: Cells, extra: UnreadableFact[] = []): void {
    let id: string | undefined;
    try {
      id = cellText(cells.id, 'id');
    } catch {
      return this.skip(line, 'the device id must be text');
    }
    if (id === undefined) return this.skip(line, 'missing device id');
    let channel: string | undefined;
    try {
      channel = cellText(cells.channel, 'channel');
    } catch {
      extra = [...extra, { field: 'channel', message: 'channel must be text' }];
    }
    const kind = this.kindIndexOf(this.rowKinds.kind(cells, undefined, extra));
    const bytes = this.textBytes(id);
    const labels = this.labelsIndexOf(labelsOf(cells.labels));
    const h = hashBytes(bytes, 0, bytes.length);
    this.device(line, bytes, 0, bytes.length, h, kind, this.channelIndexOf(channel), labels);
  }

  /** A row whose id is known but whose cells cannot be matched to the columns. */
  unmatched(line: number, id: string, message: string): void {
    const bytes = this.textBytes(id);
    const kind = this.kindIndexOf(this.rowKinds.unreadableRow(message));
    this.device(line, bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length), kind, 0, 0);
  }

  private textBytes(s: string): Buffer {
    const n = Buffer.byteLength(s);
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(n * 2);
    this.scratch.write(s, 0, 'utf8');
    return this.scratch.subarray(0, n);
  }

  result(format: InventoryFormat): Inventory {
    this.dropRepeats();
    return new Inventory(
      format,
      this.cols,
      this.rows,
      this.errors,
      this.skipped,
      this.unreadable,
      this.unreadableDevices,
    );
  }
}

/** Picks the format from the extension, else from the first bytes. */
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

function readerFor(format: InventoryFormat, b: InventoryBuilder, where: string): RecordReader {
  return format === 'csv'
    ? new CsvReader(b, where)
    : format === 'ndjson'
      ? new NdjsonReader(b)
      : new JsonReader(b, where);
}

/** Parses inventory text already in memory. */
export function parseInventory(
  text: string,
  format: InventoryFormat,
  catalog: Catalog = defaultCatalog(),
  where = 'inventory',
): Inventory {
  const b = new InventoryBuilder(catalog);
  const r = readerFor(format, b, where);
  r.push(Buffer.from(text, 'utf8'));
  r.end();
  return b.result(format);
}

export interface ImportOptions {
  format?: InventoryFormat;
  signal?: AbortSignal;
}

/** Imports an inventory file, streamed in 1 MiB chunks whatever its format. */
export async function importInventory(
  path: string,
  catalog: Catalog = defaultCatalog(),
  opts: ImportOptions = {},
): Promise<Inventory> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (e) {
    throw new FleetError('INVENTORY_UNREADABLE', `Cannot read the inventory: ${(e as Error).message}`, {
      where: path,
      hint: 'Pass a JSON, NDJSON or CSV file with --fleet.',
      cause: e,
    });
  }
  const b = new InventoryBuilder(catalog);
  let format = opts.format;
  let reader: RecordReader | undefined;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    throwIfAborted(opts.signal);
    if (format === undefined) format = detectFormat(path, chunk.toString('utf8', 0, Math.min(chunk.length, 4096)));
    reader ??= readerFor(format, b, path);
    reader.push(chunk);
  }
  format ??= detectFormat(path, '');
  (reader ?? readerFor(format, b, path)).end();
  return b.result(format);
}
