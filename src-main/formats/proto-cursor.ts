/**
 * A forward cursor over the protobuf wire format of a file, reading through a bounded window.
 * The strict wire reader (protobuf.ts) decodes tags and varints inside the window;
 * length-delimited payloads that are not wanted (weights, node attributes) are skipped by moving
 * `pos`, without I/O. Every length is checked against the enclosing message's end before it is
 * trusted.
 */
import { FormatError, throwIfAborted } from '../errors.js';
import type { ModelFile } from './file.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './protobuf.js';

export { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, tagOf } from './protobuf.js';

/** Enough bytes for a tag and a length prefix (a varint may take 10 bytes). */
export const HEADER_BYTES = 20;

export interface CursorOptions {
  /** Window after a seek; small, because a seek usually lands on one small header. */
  minWindow?: number;
  /** Largest window; sequential reading doubles the window up to this. */
  maxWindow?: number;
  signal?: AbortSignal;
}

/** A skip shorter than this is cheaper to read through than to seek over (~ one read's latency). */
const READ_THROUGH_GAP = 64 * 1024;

const CORRUPT_HINT = 'The file is corrupt or not an ONNX model; re-export it.';
const TRUNCATED_HINT = 'The file is truncated (an interrupted copy or download?); re-export or re-download it.';

export class ProtoCursor {
  /** Absolute file offset of the next byte to decode. */
  pos = 0;
  /** I/O statistics, for tests and benchmarks. */
  reads = 0;
  bytesRead = 0;
  /** Offset of the last tag read, for errors about its field. */
  tagAt = 0;
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  private reader = new WireReader(this.buf);
  private window: number;
  private readonly minWindow: number;
  private readonly maxWindow: number;
  private readonly signal: AbortSignal | undefined;

  constructor(
    readonly file: ModelFile,
    options: CursorOptions = {},
  ) {
    this.minWindow = options.minWindow ?? 4096;
    this.maxWindow = options.maxWindow ?? 1024 * 1024;
    this.window = this.minWindow;
    this.signal = options.signal;
  }

  get size(): number {
    return this.file.size;
  }

  /** True when the window already holds min(n, limit - pos) bytes from pos. */
  has(n: number, limit: number): boolean {
    const want = Math.min(n, limit - this.pos);
    return this.pos >= this.bufStart && this.pos + want <= this.bufStart + this.buf.length;
  }

  /** Makes the window hold min(n, limit - pos, bytes left in the file) bytes from pos. */
  async ensure(n: number, limit: number): Promise<void> {
    if (this.has(n, limit)) return;
    throwIfAborted(this.signal);
    const bufEnd = this.bufStart + this.buf.length;
    // Reading on from (or just past) the end of the window: the region is dense, so widen the
    // window. After a long skip (a weight) start small again: the next header is tiny.
    const sequential = this.pos >= this.bufStart && this.pos - bufEnd <= READ_THROUGH_GAP;
    this.window = sequential ? Math.min(this.window * 2, this.maxWindow) : this.minWindow;
    const len = Math.min(Math.max(Math.min(n, limit - this.pos), this.window), this.file.size - this.pos);
    if (len <= 0) return;
    this.buf = await this.file.read(this.pos, len, 'ONNX protobuf data');
    this.bufStart = this.pos;
    this.reader = new WireReader(this.buf);
    this.reads++;
    this.bytesRead += len;
  }

  /** Loads the window as needed and reads the next field tag (and makes its length prefix readable). */
  async nextTag(limit: number): Promise<number> {
    if (!this.has(HEADER_BYTES, limit)) await this.ensure(HEADER_BYTES, limit);
    return this.tag(limit);
  }

  /** Reads a field tag. The caller has called ensure(HEADER_BYTES, limit). */
  tag(limit: number): number {
    this.tagAt = this.pos;
    return this.decode(limit, (r) => r.tag(), 'field tag');
  }

  /** Reads a varint as a JS number (int64 semantics; may be negative). Flags values past 2^53. */
  varint(limit: number): number {
    const at = this.pos;
    const n = this.decode(limit, (r) => r.int64(), 'varint');
    if (n === undefined) this.fail('BAD_VARINT', `Integer at byte ${at} is too large to represent exactly`, at);
    return n;
  }

  /** Reads a length prefix and checks the payload fits in its message; pos is then at the payload. */
  length(limit: number): number {
    const at = this.pos;
    const len = this.decode(limit, (r) => r.uint32('length prefix'), 'length prefix');
    if (this.pos + len > limit) {
      const pastFile = this.pos + len > this.file.size;
      this.fail(
        pastFile ? 'TRUNCATED' : 'LENGTH_PAST_END',
        pastFile
          ? `A ${len}-byte field at byte ${at} runs past the end of the file (${this.file.size} bytes)`
          : `A ${len}-byte field at byte ${at} runs past the end of its enclosing message (byte ${limit})`,
        at,
        pastFile ? TRUNCATED_HINT : undefined,
      );
    }
    return len;
  }

  /** Reads the length prefix of an embedded message and returns the message's end offset. */
  messageEnd(limit: number): number {
    const len = this.length(limit);
    return this.pos + len;
  }

  /** Skips the value of a field whose tag was just read. */
  skip(tag: number, limit: number): void {
    const at = this.pos;
    switch (tag & 7) {
      case WIRE_VARINT:
        this.decode(limit, (r) => r.skip(WIRE_VARINT), 'varint');
        return;
      case WIRE_I64:
        this.advance(8, limit, at);
        return;
      case WIRE_I32:
        this.advance(4, limit, at);
        return;
      case WIRE_LEN: {
        const len = this.length(limit); // read first: it moves pos past the prefix
        this.pos += len;
        return;
      }
      default:
        this.fail(
          'BAD_WIRE_TYPE',
          `Unsupported protobuf wire type ${tag & 7} (field ${tag >>> 3}) at byte ${this.tagAt}`,
          this.tagAt,
        );
    }
  }

  /**
   * Returns the first min(len, cap) bytes of a payload of `len` bytes at pos and moves past all
   * of it. Only `cap` bytes are ever read, so a huge length costs nothing.
   */
  async bytes(len: number, cap: number): Promise<Buffer> {
    const take = Math.min(len, cap);
    let out: Buffer;
    if (this.has(take, this.pos + take)) {
      const from = this.pos - this.bufStart;
      out = this.buf.subarray(from, from + take);
    } else if (take <= this.maxWindow) {
      await this.ensure(take, this.pos + take);
      const from = this.pos - this.bufStart;
      out = this.buf.subarray(from, from + take);
    } else {
      out = await this.file.read(this.pos, take, 'ONNX field');
      this.reads++;
      this.bytesRead += take;
    }
    this.pos += len;
    return out;
  }

  /** A UTF-8 string payload, cut at `cap` bytes. `truncated` tells whether it was cut. */
  async string(len: number, cap: number): Promise<{ text: string; truncated: boolean }> {
    const b = await this.bytes(len, cap);
    return { text: b.toString('utf8'), truncated: len > cap };
  }

  /** Throws a FormatError naming the file and byte offset. */
  fail(code: string, message: string, offset: number, hint: string = CORRUPT_HINT): never {
    throw new FormatError(code, message, { file: this.file.path, offset, hint });
  }

  private advance(n: number, limit: number, at: number): void {
    if (this.pos + n > limit) {
      const truncated = this.pos + n > this.file.size;
      this.fail(
        truncated ? 'TRUNCATED' : 'LENGTH_PAST_END',
        `A fixed-size field at byte ${at} runs past the end of its ${truncated ? 'file' : 'message'}`,
        at,
        truncated ? TRUNCATED_HINT : CORRUPT_HINT,
      );
    }
    this.pos += n;
  }

  /** Runs a wire-reader call at pos, bounded by the message end, and maps its errors. */
  private decode<T>(limit: number, fn: (r: WireReader) => T, what: string): T {
    const at = this.pos;
    if (at < this.bufStart || at > this.bufStart + this.buf.length)
      this.fail('INTERNAL_WINDOW', `Window does not cover byte ${at}`, at);
    const r = this.reader;
    r.pos = at - this.bufStart;
    r.end = Math.min(this.buf.length, limit - this.bufStart);
    try {
      const v = fn(r);
      this.pos = this.bufStart + r.pos;
      return v;
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      if (e.code !== 'TRUNCATED' && e.code !== 'LENGTH_PAST_END')
        // The reader's offsets are within the window: say the file offset instead.
        this.fail(e.code, `Malformed ${what} at byte ${at}: ${e.message.replace(/ at byte \d+/, '')}`, at);
      if (limit >= this.file.size && this.bufStart + this.buf.length >= this.file.size) {
        this.fail('TRUNCATED', `The file ends inside a ${what} at byte ${at}`, at, TRUNCATED_HINT);
      }
      this.fail(
        'LENGTH_PAST_END',
        `A ${what} at byte ${at} runs past the end of its enclosing message (byte ${limit})`,
        at,
      );
    }
  }
}

/**
 * Walks the top-level fields of a buffer, calling `visit(field, wire, value)` for each; returns
 * false at the first malformed field. For length-delimited fields `value` is the payload length.
 * Used for cheap content sniffing, never for untrusted-size allocation.
 */
export function scanFields(
  buf: Uint8Array,
  visit: (field: number, wire: number, value: number, payloadStart: number) => boolean,
): { complete: boolean; ok: boolean } {
  const r = new WireReader(buf);
  try {
    while (r.pos < r.end) {
      const tag = r.tag();
      const field = tag >>> 3;
      const wire = tag & 7;
      let value: number;
      if (wire === WIRE_VARINT) value = r.int64() ?? Number.MAX_SAFE_INTEGER;
      else if (wire === WIRE_LEN) value = r.uint32('length');
      else if (wire === WIRE_I64 || wire === WIRE_I32) value = 0;
      else return { complete: false, ok: false };
      const start = r.pos;
      if (!visit(field, wire, value, start)) return { complete: false, ok: false };
      const skip = wire === WIRE_LEN ? value : wire === WIRE_I64 ? 8 : wire === WIRE_I32 ? 4 : 0;
      if (start + skip > r.end) return { complete: false, ok: true };
      r.pos = start + skip;
    }
    return { complete: true, ok: true };
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    // A varint cut by the end of the buffer is fine for a sniff; anything else is not protobuf.
    return e.code === 'TRUNCATED' ? { complete: false, ok: true } : { complete: false, ok: false };
  }
}
