/**
 * Byte-level inventory readers. Each takes the file in chunks and finds its records (CSV and
 * NDJSON lines, the elements of a JSON array) without decoding them to strings: a plain record's
 * cells are looked up by their bytes (device id, fact cells, channel, labels), and only a
 * combination never seen before is decoded and given to inventory-rows.ts. Anything unusual
 * (CSV quotes, JSON escapes, nested values, unknown keys) takes the slow path, which decodes the
 * record and applies the same rules, so both paths give the same inventory.
 */
import { FleetError } from '../errors.js';
import { ByteTable, FNV_PRIME, Interner, hashBytes } from './byte-table.js';
import type { UnreadableFact } from './facts.js';
import type { InventoryBuilder } from './inventory.js';
import {
  CSV_COLUMNS,
  type Cells,
  type Column,
  IDENTITY_COLUMNS,
  KEY_ALIASES,
  cellText,
  columnOf,
  labelsOf,
} from './inventory-rows.js';

export interface RecordReader {
  push(chunk: Buffer): void;
  /** The input ended; reads what is left. */
  end(): void;
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;
const HASH = 35;
/** Separates cells in a kind key (never in UTF-8 text a cell would hold unquoted). */
const SEP = 0x1f;

const isBlank = (c: number) => c === SPACE || c === TAB || c === CR || c === NL;

/** Lines of a stream of chunks: calls `line(buf, start, end)` for each, '\n' and a final '\r' removed. */
class LineSplitter {
  private carry: Buffer | undefined;

  constructor(private readonly line: (buf: Buffer, start: number, end: number) => void) {}

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.carry) {
      // Only the line that straddles the chunks is copied, not the whole chunk.
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = undefined;
      this.line(line, 0, line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length);
      pos = nl + 1;
    }
    for (let nl = chunk.indexOf(NL, pos); nl !== -1; nl = chunk.indexOf(NL, pos)) {
      this.line(chunk, pos, nl > pos && chunk[nl - 1] === CR ? nl - 1 : nl);
      pos = nl + 1;
    }
    if (pos < chunk.length) this.carry = chunk.subarray(pos);
  }

  end(): void {
    const c = this.carry;
    this.carry = undefined;
    if (c) this.line(c, 0, c.length > 0 && c[c.length - 1] === CR ? c.length - 1 : c.length);
  }
}

/** A reader whose records are lines: numbers them (n) and passes on those that are not blank. */
abstract class LineReader implements RecordReader {
  protected n = 0;
  private readonly lines = new LineSplitter((buf, s, e) => {
    this.n++;
    let i = s;
    while (i < e && isBlank(buf[i]!)) i++;
    if (i < e) this.record(buf, s, e);
  });

  push(chunk: Buffer): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
  }

  /** A non-blank line: bytes [s, e) of buf, line number n. */
  protected abstract record(buf: Buffer, s: number, e: number): void;
}

/**
 * buf[s, e) as a latin1 string: one character per byte, so equal strings mean equal bytes (V8
 * hashes and compares such strings natively, faster than a byte loop). latin1Slice skips
 * toString's argument handling; it is Buffer's own method behind toString('latin1').
 */
const latin1: (buf: Buffer, s: number, e: number) => string =
  typeof (Buffer.prototype as { latin1Slice?: unknown }).latin1Slice === 'function'
    ? (buf, s, e) => (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e)
    : (buf, s, e) => latin1(buf, s, e);

/** Trimming spaces and tabs off a cell's byte range, from either side. */
function trimStart(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  return s;
}
function trimEnd(buf: Uint8Array, s: number, e: number): number {
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  return e;
}

/**
 * The next position of one byte value in a buffer at or after a position, found with the native
 * indexOf and reused while the reader moves forward (so a file without quotes costs one search).
 */
class NextByte {
  private buf: Uint8Array | undefined;
  private at = Infinity;

  constructor(private readonly byte: number) {}

  from(buf: Buffer, pos: number): number {
    if (buf !== this.buf || this.at < pos) {
      const i = buf.indexOf(this.byte, pos);
      this.at = i === -1 ? Infinity : i;
      this.buf = buf;
    }
    return this.at;
  }
}

/**
 * Byte ranges → numbers, through a small direct-mapped cache in front of a Map: the cache is
 * indexed by a hash of a few sampled bytes and checked by comparing the whole range, so the
 * usual row (a kind already seen) costs no string, no full hash and no allocation.
 */
class RangeCache {
  private readonly keys = new Array<Buffer | undefined>(1024);
  private readonly values = new Int32Array(1024);
  private readonly map = new Map<string, number>();

  get(buf: Buffer, s: number, e: number): number {
    const n = e - s;
    let h = Math.imul(n, 0x9e3779b1);
    if (n > 0) {
      h = Math.imul(h ^ buf[s]!, FNV_PRIME);
      h = Math.imul(h ^ buf[e - 1]!, FNV_PRIME);
      h = Math.imul(h ^ buf[s + (n >> 1)]!, FNV_PRIME);
      h = Math.imul(h ^ buf[s + (n >> 2)]!, FNV_PRIME);
      h = Math.imul(h ^ buf[e - 1 - (n >> 2)]!, FNV_PRIME);
      h = Math.imul(h ^ buf[s + (n >> 3)]!, FNV_PRIME);
      h = Math.imul(h ^ buf[e - 1 - (n >> 3)]!, FNV_PRIME);
    }
    const slot = (h ^ (h >>> 15)) & 1023;
    const k = this.keys[slot];
    // Buffer#compare is a native memcmp: cheaper than a byte loop past a few dozen bytes.
    if (k !== undefined && k.length === n && buf.compare(k, 0, n, s, e) === 0) return this.values[slot]!;
    const v = this.map.get(latin1(buf, s, e));
    if (v === undefined) return -1;
    this.keys[slot] = Buffer.from(buf.subarray(s, e));
    this.values[slot] = v;
    return v;
  }

  set(buf: Buffer, s: number, e: number, v: number): void {
    this.map.set(latin1(buf, s, e), v);
  }
}

/** Channel and labels cells → the builder's indexes, by their bytes (decoded once per distinct cell). */
class IdentityCells {
  private readonly channels = new Interner();
  private readonly labelSets = new Interner();

  channel(b: InventoryBuilder, buf: Buffer, s: number, e: number): number {
    const h = hashBytes(buf, s, e);
    let v = this.channels.get(buf, s, e, h);
    if (v === -1) {
      v = b.channelIndexOf(cellText(buf.toString('utf8', s, e), 'channel'));
      this.channels.set(buf, s, e, h, v);
    }
    return v;
  }

  labels(b: InventoryBuilder, buf: Buffer, s: number, e: number): number {
    const h = hashBytes(buf, s, e);
    let v = this.labelSets.get(buf, s, e, h);
    if (v === -1) {
      v = b.labelsIndexOf(labelsOf(buf.toString('utf8', s, e)));
      this.labelSets.set(buf, s, e, h, v);
    }
    return v;
  }
}

// ---------------------------------------------------------------- CSV

/**
 * Splits one CSV line (RFC 4180 quotes; a field may not span lines). A quoting problem does not
 * lose the row: the cell holds what follows the problem and `bad` says which cell and why.
 */
export function splitCsvLine(line: string): { cells: string[]; bad?: { cell: number; message: string } } {
  if (!line.includes('"')) return { cells: line.split(',') };
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) {
          cells.push(v + line.slice(i));
          return { cells, bad: { cell: cells.length - 1, message: 'unterminated quoted field' } };
        }
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(v);
      if (i >= line.length) return { cells };
      if (line[i] !== ',') {
        const comma = line.indexOf(',', i);
        cells[cells.length - 1] = v + (comma === -1 ? line.slice(i) : line.slice(i, comma));
        const bad = { cell: cells.length - 1, message: 'text after a closing quote' };
        if (comma === -1) return { cells, bad };
        const rest = splitCsvLine(line.slice(comma + 1));
        return { cells: [...cells, ...rest.cells], bad };
      }
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma === -1) {
        cells.push(line.slice(i));
        return { cells };
      }
      cells.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

export class CsvReader extends LineReader {
  private columns: Column[] | undefined;
  private ncols = 0;
  private idCol = -1;
  private channelCol = -1;
  private labelsCol = -1;
  private factCols = new Int32Array(0);
  /** Cell k of the current line is bytes [starts[k], starts[k + 1] - 1). */
  private starts = new Int32Array(0);
  private readonly quote = new NextByte(QUOTE);
  private readonly sep = new NextByte(SEP);
  private factsContiguous = false;
  /** Fast-path caches: raw cell bytes → the builder's kind / channel / labels index. */
  private readonly kinds = new RangeCache();
  private readonly kindsByText = new Map<string, number>();
  private readonly identity = new IdentityCells();

  constructor(
    private readonly b: InventoryBuilder,
    private readonly where: string,
  ) {
    super();
  }

  protected record(buf: Buffer, s: number, e: number): void {
    if (buf[s] === HASH) return; // a comment line
    if (!this.columns) return this.header(buf.toString('utf8', s, e));
    if (this.quote.from(buf, s) < e || this.sep.from(buf, s) < e) return this.slow(buf.toString('utf8', s, e));
    const cols = this.ncols;
    const starts = this.starts;
    let count = 1;
    starts[0] = s;
    for (let c = buf.indexOf(COMMA, s); c !== -1 && c < e; c = buf.indexOf(COMMA, c + 1)) {
      if (count === cols) return this.slow(buf.toString('utf8', s, e));
      starts[count++] = c + 1;
    }
    if (count !== cols) return this.slow(buf.toString('utf8', s, e));
    starts[cols] = e + 1;
    const b = this.b;
    const idCol = this.idCol;
    const idS = trimStart(buf, starts[idCol]!, starts[idCol + 1]! - 1);
    const idE = trimEnd(buf, idS, starts[idCol + 1]! - 1);
    if (idS === idE) return b.skip(this.n, 'missing device id');
    // The kind: the fact cells' bytes, looked up whole (one range when the columns are adjacent).
    const facts = this.factCols;
    let kind: number;
    const from = facts.length ? starts[facts[0]!]! : s;
    const to = facts.length ? starts[facts[facts.length - 1]! + 1]! - 1 : s;
    let key: string | undefined;
    if (this.factsContiguous || facts.length === 0) kind = this.kinds.get(buf, from, to);
    else {
      key = '';
      for (let f = 0; f < facts.length; f++)
        key += latin1(buf, starts[facts[f]!]!, starts[facts[f]! + 1]! - 1) + '\u001f';
      kind = this.kindsByText.get(key) ?? -1;
    }
    if (kind === -1) {
      const cells: Cells = {};
      for (let f = 0; f < facts.length; f++) {
        const k = facts[f]!;
        cells[this.columns[k]!] = buf.toString('utf8', starts[k], starts[k + 1]! - 1);
      }
      kind = b.kindIndexOf(b.rowKinds.kind(cells));
      if (key === undefined) this.kinds.set(buf, from, to, kind);
      else this.kindsByText.set(key, kind);
    }
    const ch = this.channelCol;
    const lb = this.labelsCol;
    const channel = ch < 0 ? 0 : this.identity.channel(b, buf, starts[ch]!, starts[ch + 1]! - 1);
    const labels = lb < 0 ? 0 : this.identity.labels(b, buf, starts[lb]!, starts[lb + 1]! - 1);
    b.device(this.n, buf, idS, idE, hashBytes(buf, idS, idE), kind, channel, labels);
  }

  /** A line with quotes or the wrong number of cells: split as text. */
  private slow(text: string): void {
    const cols = this.columns!;
    const { cells, bad } = splitCsvLine(text);
    const id = cells[this.idCol]?.trim() ?? '';
    if (cells.length !== cols.length) {
      const message = `expected ${cols.length} cells, found ${cells.length}`;
      if (id === '' || (bad && bad.cell <= this.idCol)) return this.b.skip(this.n, message);
      return this.b.unmatched(this.n, id, message);
    }
    if (bad?.cell === this.idCol) return this.b.skip(this.n, `the device id cannot be read: ${bad.message}`);
    const rec: Cells = {};
    cells.forEach((c, k) => {
      if (k !== bad?.cell) rec[cols[k]!] = c;
    });
    const extra: UnreadableFact[] = bad ? [{ field: cols[bad.cell]!, message: bad.message }] : [];
    this.b.record(this.n, rec, extra);
  }

  private header(t: string): void {
    const hint = `Columns: ${CSV_COLUMNS.join(',')}`;
    const where = `${this.where}:${this.n}`;
    const { cells, bad } = splitCsvLine(t);
    if (bad)
      throw new FleetError('INVENTORY_BAD_HEADER', `The CSV header cannot be read: ${bad.message}`, { where, hint });
    const cols: Column[] = [];
    for (const raw of cells) {
      const h = raw.trim().toLowerCase().replace(/-/g, '_');
      const c = columnOf(h);
      if (!c) throw new FleetError('INVENTORY_BAD_HEADER', `Unknown CSV column "${h}"`, { where, hint });
      cols.push(c);
    }
    if (!cols.includes('id'))
      throw new FleetError('INVENTORY_BAD_HEADER', 'The CSV header has no "id" column', { where, hint });
    this.columns = cols;
    this.ncols = cols.length;
    this.idCol = cols.indexOf('id');
    this.channelCol = cols.indexOf('channel');
    this.labelsCol = cols.indexOf('labels');
    this.factCols = Int32Array.from(cols.map((c, i) => (IDENTITY_COLUMNS.has(c) ? -1 : i)).filter((i) => i >= 0));
    this.starts = new Int32Array(cols.length + 1);
    const f = this.factCols;
    this.factsContiguous = f.length > 0 && f[f.length - 1]! - f[0]! === f.length - 1;
  }
}

// ---------------------------------------------------------------- JSON records

/** JSON and NDJSON keys → columns, matched on bytes. */
const KEYS = new ByteTable();
const KEY_COLUMNS: Column[] = [];
for (const name of [...CSV_COLUMNS, ...Object.keys(KEY_ALIASES)]) {
  const bytes = Buffer.from(name, 'latin1');
  const h = hashBytes(bytes, 0, bytes.length);
  if (KEYS.find(bytes, 0, bytes.length, h) === -1) {
    KEYS.add(bytes, 0, bytes.length, h);
    KEY_COLUMNS.push(columnOf(name)!);
  }
}
const COLUMN_INDEX = new Map<Column, number>(CSV_COLUMNS.map((c, i) => [c, i]));
const FACT_COLUMNS = CSV_COLUMNS.map((c, i) => (IDENTITY_COLUMNS.has(c) ? -1 : i)).filter((i) => i >= 0);
const IS_FACT = CSV_COLUMNS.map((c) => !IDENTITY_COLUMNS.has(c));
const ID = COLUMN_INDEX.get('id')!;
const CHANNEL = COLUMN_INDEX.get('channel')!;
const LABELS = COLUMN_INDEX.get('labels')!;

/** parse() results besides an end offset. */
const FALLBACK = -1;
const INCOMPLETE = -2;

const enum Kind {
  Absent = 0,
  Str = 1,
  Token = 2,
}

/**
 * A flat JSON object (string, number, true/false/null values; known keys; no escapes) read from
 * bytes. Anything else gives FALLBACK and the caller decodes the record with JSON.parse.
 */
class FlatObject {
  readonly start = new Int32Array(CSV_COLUMNS.length);
  readonly end = new Int32Array(CSV_COLUMNS.length);
  readonly kind = new Uint8Array(CSV_COLUMNS.length);
  /** Bytes from the first fact key to the end of the last fact value: they decide the kind. */
  factsFrom = 0;
  factsTo = 0;
  /** Newlines crossed by the last parse (JSON documents count lines). */
  newlines = 0;
  /** The previous object's keys by position: records of one file list their keys alike. */
  private readonly seenKeys: Buffer[] = [];
  private readonly seenCols: number[] = [];
  /** Parses the object at buf[pos] ('{'); returns the offset after its '}', FALLBACK or INCOMPLETE. */
  parse(buf: Buffer, pos: number, limit: number): number {
    return this.scan(buf, pos, limit);
  }

  private scan(buf: Buffer, pos: number, limit: number): number {
    this.kind.fill(0);
    this.newlines = 0;
    this.factsFrom = -1;
    this.factsTo = -1;
    let i = this.ws(buf, pos + 1, limit);
    if (i >= limit) return INCOMPLETE;
    if (buf[i] === 125) return i + 1; // {}
    for (let ordinal = 0; ; ordinal++) {
      if (buf[i] !== QUOTE) return FALLBACK;
      const ks = i;
      let j = this.stringEnd(buf, i + 1, limit);
      if (j < 0) return j;
      const col = this.column(buf, ks + 1, j, ordinal);
      if (col < 0) return FALLBACK;
      i = j + 1;
      if (buf[i] !== 58) {
        i = this.ws(buf, i, limit);
        if (i >= limit) return INCOMPLETE;
        if (buf[i] !== 58) return FALLBACK; // ':'
      }
      i++;
      if (i < limit && isBlank(buf[i]!)) i = this.ws(buf, i, limit);
      if (i >= limit) return INCOMPLETE;
      const c0 = buf[i]!;
      if (c0 === QUOTE) {
        j = this.stringEnd(buf, i + 1, limit);
        if (j < 0) return j;
        this.kind[col] = Kind.Str;
        this.start[col] = i + 1;
        this.end[col] = j;
        i = j + 1;
      } else if (c0 === 123 || c0 === 91) {
        return FALLBACK; // nested: facts objects, lists, label maps
      } else {
        j = i;
        while (j < limit) {
          const c = buf[j]!;
          if (c === COMMA || c === 125 || isBlank(c)) break;
          j++;
        }
        if (j >= limit) return INCOMPLETE;
        if (j === i) return FALLBACK;
        this.kind[col] = Kind.Token;
        this.start[col] = i;
        this.end[col] = j;
        i = j;
      }
      if (IS_FACT[col]) {
        if (this.factsFrom < 0) this.factsFrom = ks;
        this.factsTo = i;
      }
      if (i < limit && isBlank(buf[i]!)) i = this.ws(buf, i, limit);
      if (i >= limit) return INCOMPLETE;
      const c1 = buf[i]!;
      if (c1 === 125) return i + 1;
      if (c1 !== COMMA) return FALLBACK;
      i++;
      if (i < limit && isBlank(buf[i]!)) i = this.ws(buf, i, limit);
      if (i >= limit) return INCOMPLETE;
    }
  }

  /**
   * The closing quote of a string whose text starts at i; FALLBACK for an escape (the record is
   * decoded instead) or a line break (not valid JSON: the slow path says so).
   */
  private stringEnd(buf: Buffer, i: number, limit: number): number {
    for (; i < limit; i++) {
      const c = buf[i]!;
      if (c === QUOTE) return i;
      if (c === BACKSLASH || c === NL) return FALLBACK;
    }
    return INCOMPLETE;
  }

  /** The column index of the key buf[s, e), or -1 for a key that is not a column. */
  private column(buf: Uint8Array, s: number, e: number, ordinal: number): number {
    const seen = this.seenKeys[ordinal];
    if (seen && seen.length === e - s) {
      let k = 0;
      while (k < seen.length && seen[k] === buf[s + k]) k++;
      if (k === seen.length) return this.seenCols[ordinal]!;
    }
    const entry = KEYS.find(buf, s, e, hashBytes(buf, s, e));
    if (entry === -1) return -1;
    const col = COLUMN_INDEX.get(KEY_COLUMNS[entry]!)!;
    this.seenKeys[ordinal] = Buffer.from(buf.subarray(s, e));
    this.seenCols[ordinal] = col;
    return col;
  }

  private ws(buf: Uint8Array, i: number, limit: number): number {
    while (i < limit) {
      const c = buf[i]!;
      if (c === NL) this.newlines++;
      else if (c !== SPACE && c !== TAB && c !== CR) break;
      i++;
    }
    return i;
  }
}

/** Adds the devices of JSON records: flat ones from their bytes, others decoded. */
class JsonRecords {
  private readonly flat = new FlatObject();
  /** Fast-path caches: raw bytes → the builder's kind / channel / labels index. */
  private readonly kinds = new RangeCache();
  private readonly identity = new IdentityCells();

  constructor(readonly b: InventoryBuilder) {}

  get newlines(): number {
    return this.flat.newlines;
  }

  /** Parses the flat record at buf[pos] ('{'); returns its end, FALLBACK or INCOMPLETE. Adds nothing. */
  parse(buf: Buffer, pos: number, limit: number): number {
    return this.flat.parse(buf, pos, limit);
  }

  /** Adds the record parse() just read; false when it must be decoded after all (slow path). */
  addParsed(buf: Buffer, line: number): boolean {
    const f = this.flat;
    const b = this.b;
    // Identity cells must be plain strings here; anything else is decoded.
    if (f.kind[ID] === Kind.Token || f.kind[CHANNEL] === Kind.Token || f.kind[LABELS] === Kind.Token) return false;
    if (f.kind[ID] === Kind.Absent) {
      b.skip(line, 'missing device id');
      return true;
    }
    const idS = trimStart(buf, f.start[ID]!, f.end[ID]!);
    const idE = trimEnd(buf, idS, f.end[ID]!);
    if (idS === idE) {
      b.skip(line, 'missing device id');
      return true;
    }
    const ks = f.factsFrom < 0 ? 0 : f.factsFrom;
    const ke = f.factsFrom < 0 ? 0 : f.factsTo;
    let kind = this.kinds.get(buf, ks, ke);
    if (kind === -1) {
      const cells: Cells = {};
      try {
        for (const c of FACT_COLUMNS) if (f.kind[c] !== Kind.Absent) cells[CSV_COLUMNS[c]!] = this.value(buf, c);
      } catch (e) {
        if (e instanceof SyntaxError) return false; // a token that is not JSON: the slow path says so
        throw e;
      }
      kind = b.kindIndexOf(b.rowKinds.kind(cells));
      this.kinds.set(buf, ks, ke, kind);
    }
    // Identity cells here are plain strings: their bytes are their text.
    const channel =
      f.kind[CHANNEL] === Kind.Absent ? 0 : this.identity.channel(b, buf, f.start[CHANNEL]!, f.end[CHANNEL]!);
    const labels = f.kind[LABELS] === Kind.Absent ? 0 : this.identity.labels(b, buf, f.start[LABELS]!, f.end[LABELS]!);
    b.device(line, buf, idS, idE, hashBytes(buf, idS, idE), kind, channel, labels);
    return true;
  }

  /** A decoded record (JSON.parse of the element or line). */
  record(line: number, rec: unknown): void {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
      return this.b.skip(line, 'a device must be a JSON object');
    const cells: Cells = {};
    const extra: UnreadableFact[] = [];
    for (const [k, v] of Object.entries(rec as Record<string, unknown>)) {
      const col = k === 'facts' ? 'facts' : columnOf(k);
      if (col) cells[col] = v;
      else extra.push({ field: k, message: `unknown field "${k}" (not an inventory column)` });
    }
    this.b.record(line, cells, extra);
  }

  private value(buf: Buffer, c: number): unknown {
    const text = buf.toString('utf8', this.flat.start[c], this.flat.end[c]);
    return this.flat.kind[c] === Kind.Str ? text : JSON.parse(text);
  }
}

export class NdjsonReader extends LineReader {
  private readonly records: JsonRecords;

  constructor(b: InventoryBuilder) {
    super();
    this.records = new JsonRecords(b);
  }

  protected record(buf: Buffer, s: number, e: number): void {
    let i = s;
    while (isBlank(buf[i]!)) i++;
    const r = this.records;
    if (buf[i] === 123) {
      let end = r.parse(buf, i, e);
      while (end >= 0 && end < e && isBlank(buf[end]!)) end++;
      if (end === e && r.addParsed(buf, this.n)) return;
    }
    let rec: unknown;
    try {
      rec = JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      return r.b.skip(this.n, `not valid JSON: ${(err as Error).message}`);
    }
    r.record(this.n, rec);
  }
}

/** Where the JSON document reader is, between tokens. */
const enum At {
  Start,
  ArrayFirst,
  ArrayValue,
  ArrayNext,
  ObjectFirst,
  ObjectKey,
  ObjectNext,
  Done,
}

/**
 * A JSON inventory, streamed: a top-level array of devices, or an object whose "devices" member
 * is that array (other members are checked to be JSON and otherwise ignored). Each element is read
 * whole (at most MAX_VALUE bytes); the document must be valid JSON, or the import stops with
 * INVENTORY_NOT_JSON naming the line.
 */
export class JsonReader implements RecordReader {
  private readonly records: JsonRecords;
  private carry: Buffer | undefined;
  private at: At = At.Start;
  private line = 1;
  private inObject = false;
  private sawDevices = false;
  private devicesKey = false;

  constructor(
    private readonly b: InventoryBuilder,
    private readonly where: string,
    private readonly maxValue = 64 * 1024 * 1024,
  ) {
    this.records = new JsonRecords(b);
  }

  push(chunk: Buffer): void {
    let from = 0;
    let carry = this.carry;
    if (carry) {
      // Join the unfinished value with as little of the chunk as it needs, not the whole chunk.
      for (let k = Math.min(chunk.length, 1 << 16); ; k = Math.min(chunk.length, k * 4)) {
        const joined = Buffer.concat([carry, chunk.subarray(0, k)]);
        const pos = this.run(joined, 0, false);
        if (pos >= carry.length) {
          from = pos - carry.length;
          break;
        }
        if (k === chunk.length) {
          this.carry = joined.subarray(pos);
          return this.checkCarry();
        }
        carry = carry.subarray(pos); // what run() read of it is done
      }
    }
    const pos = this.run(chunk, from, false);
    this.carry = pos < chunk.length ? chunk.subarray(pos) : undefined;
    this.checkCarry();
  }

  private checkCarry(): void {
    if (this.carry && this.carry.length > this.maxValue)
      throw new FleetError('INVENTORY_TOO_LARGE', `A JSON value at line ${this.line} is over ${this.maxValue} bytes`, {
        where: this.where,
        hint: 'One device is never that large; check the file, or use NDJSON or CSV.',
      });
  }

  end(): void {
    const buf = this.carry ?? Buffer.alloc(0);
    this.carry = undefined;
    this.run(buf, 0, true);
    if (this.at !== At.Done) this.fail(buf.length === 0 ? 'the file ends early' : 'the file ends inside a value');
    if (this.inObject && !this.sawDevices)
      throw new FleetError(
        'INVENTORY_SHAPE',
        'A JSON inventory must be an array of devices or an object with a "devices" array',
        { where: this.where },
      );
  }

  private fail(what: string): never {
    throw new FleetError('INVENTORY_NOT_JSON', `The inventory is not valid JSON: ${what} (line ${this.line})`, {
      where: `${this.where}:${this.line}`,
      hint: 'Fix the JSON, or use NDJSON (one device per line) so one bad line does not stop the import.',
    });
  }

  /** Skips whitespace, counting lines. */
  private ws(buf: Buffer, i: number): number {
    while (i < buf.length) {
      const c = buf[i]!;
      if (c === NL) this.line++;
      else if (c !== SPACE && c !== TAB && c !== CR) break;
      i++;
    }
    return i;
  }

  /** Reads buf from `pos` as far as the bytes allow; returns where the unread rest starts. */
  private run(buf: Buffer, pos: number, final: boolean): number {
    for (;;) {
      const i = this.ws(buf, pos);
      if (i >= buf.length) return i;
      const c = buf[i]!;
      const line = this.line;
      switch (this.at) {
        case At.Start:
          if (c === 91) this.at = At.ArrayFirst;
          else if (c === 123) {
            this.inObject = true;
            this.at = At.ObjectFirst;
          } else this.fail(`expected [ or { at the start, found ${show(c)}`);
          pos = i + 1;
          break;
        case At.ArrayFirst:
        case At.ArrayValue:
          if (c === 93 && this.at === At.ArrayFirst) {
            pos = i + 1;
            this.closeArray();
            break;
          }
          {
            const end = this.element(buf, i, final, line);
            if (end === INCOMPLETE) {
              this.line = line;
              return i;
            }
            pos = end;
            this.at = At.ArrayNext;
          }
          break;
        case At.ArrayNext:
          if (c === COMMA) this.at = At.ArrayValue;
          else if (c === 93) this.closeArray();
          else this.fail(`expected , or ] after a device, found ${show(c)}`);
          pos = i + 1;
          break;
        case At.ObjectFirst:
        case At.ObjectKey: {
          if (c === 125 && this.at === At.ObjectFirst) {
            this.at = At.Done;
            pos = i + 1;
            break;
          }
          if (c !== QUOTE) this.fail(`expected a member name, found ${show(c)}`);
          const end = skipValue(buf, i);
          if (end === INCOMPLETE) return final ? this.fail('the file ends inside a member name') : i;
          let j = this.ws(buf, end);
          if (j >= buf.length) {
            this.line = line;
            return final ? this.fail('the file ends after a member name') : i;
          }
          if (buf[j] !== 58) this.fail(`expected : after a member name, found ${show(buf[j]!)}`);
          j = this.ws(buf, j + 1);
          if (j >= buf.length) {
            this.line = line;
            return final ? this.fail('the file ends after a member name') : i;
          }
          const name = this.parse(buf, i, end) as string;
          if (name === 'devices') {
            if (this.sawDevices) this.fail('"devices" appears twice');
            if (buf[j] !== 91)
              throw new FleetError('INVENTORY_SHAPE', 'The "devices" member of a JSON inventory must be an array', {
                where: `${this.where}:${this.line}`,
              });
            this.sawDevices = true;
            this.devicesKey = true;
            this.at = At.ArrayFirst;
            pos = j + 1;
            break;
          }
          const vEnd = skipValue(buf, j);
          if (vEnd === INCOMPLETE) {
            this.line = line;
            return final ? this.fail('the file ends inside a value') : i;
          }
          this.countLines(buf, j, vEnd);
          this.parse(buf, j, vEnd); // other members are only checked to be JSON
          pos = vEnd;
          this.at = At.ObjectNext;
          break;
        }
        case At.ObjectNext:
          if (c === COMMA) this.at = At.ObjectKey;
          else if (c === 125) this.at = At.Done;
          else this.fail(`expected , or } in the top-level object, found ${show(c)}`);
          pos = i + 1;
          break;
        case At.Done:
          this.fail(`unexpected ${show(c)} after the end of the document`);
      }
    }
  }

  private closeArray(): void {
    if (this.devicesKey) {
      this.devicesKey = false;
      this.at = At.ObjectNext;
    } else this.at = At.Done;
  }

  /** One element of the device array at buf[i]; returns its end or INCOMPLETE. */
  private element(buf: Buffer, i: number, final: boolean, line: number): number {
    const r = this.records;
    if (buf[i] === 123) {
      const end = r.parse(buf, i, buf.length);
      if (end === INCOMPLETE && !final) return INCOMPLETE;
      if (end >= 0) {
        this.line += r.newlines;
        if (r.addParsed(buf, line)) return end;
        this.line = line;
      }
    }
    const end = skipValue(buf, i);
    if (end === INCOMPLETE) return final ? this.fail('the file ends inside a device') : INCOMPLETE;
    this.countLines(buf, i, end);
    r.record(line, this.parse(buf, i, end));
    return end;
  }

  private countLines(buf: Buffer, s: number, e: number): void {
    for (let k = buf.indexOf(NL, s); k !== -1 && k < e; k = buf.indexOf(NL, k + 1)) this.line++;
  }

  private parse(buf: Buffer, s: number, e: number): unknown {
    try {
      return JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      return this.fail((err as Error).message);
    }
  }
}

const show = (c: number) => (c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16)}`);

/**
 * The end of the JSON value starting at buf[i], found by its structure only (strings, nesting);
 * INCOMPLETE when the buffer ends first. JSON.parse of the range then checks it.
 */
function skipValue(buf: Buffer, i: number): number {
  const n = buf.length;
  const c0 = buf[i]!;
  if (c0 === QUOTE) {
    for (let j = i + 1; j < n; j++) {
      if (buf[j] === BACKSLASH) j++;
      else if (buf[j] === QUOTE) return j + 1;
    }
    return INCOMPLETE;
  }
  if (c0 !== 123 && c0 !== 91) {
    let j = i;
    while (j < n) {
      const t = buf[j]!;
      if (t === COMMA || t === 125 || t === 93 || isBlank(t)) return j === i ? i + 1 : j;
      j++;
    }
    return INCOMPLETE;
  }
  let depth = 0;
  for (let j = i; j < n; j++) {
    const c = buf[j]!;
    if (c === QUOTE) {
      j++;
      while (j < n && buf[j] !== QUOTE) j += buf[j] === BACKSLASH ? 2 : 1;
      if (j >= n) return INCOMPLETE;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return j + 1;
    }
  }
  return INCOMPLETE;
}
