/**
 * The protobuf wire format, read strictly from a byte range: varints of at most 10 bytes, tags
 * with a field number and a defined wire type, lengths that must fit in the enclosing message
 * (`end`). Every problem is a WireError with a stable code and the byte offset; nothing is
 * allocated from a length before it is checked. (protobufjs trusts nested lengths past their
 * parent and reads a known field whatever its wire type; onnx, in C++, does neither.)
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_I32 = 5;

/** The tag number for field `field` with wire type `wire`. */
export const tagOf = (field: number, wire: number): number => field * 8 + wire;

export const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit'];

/** Deepest group nesting skipped (groups are obsolete; ONNX never writes them). */
const MAX_GROUP_DEPTH = 32;

export class WireError extends Error {
  constructor(
    /** TRUNCATED (input ended inside a value), LENGTH_PAST_END, BAD_VARINT, BAD_WIRE_TYPE, BAD_FIELD. */
    readonly code: string,
    message: string,
    /** Offset in the buffer being read. */
    readonly at: number,
  ) {
    super(message);
  }
}

export class WireReader {
  /** The low and high 32 bits of the last varint read. */
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    public end = buf.length,
  ) {}

  /** Reads a varint into lo/hi. */
  private varint(): void {
    const at = this.pos;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; ; i++) {
      if (this.pos >= this.end) throw new WireError('TRUNCATED', `a varint at byte ${at} is cut off`, at);
      if (i === 10) throw new WireError('BAD_VARINT', `a varint at byte ${at} is longer than 10 bytes`, at);
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A varint as an unsigned 32-bit number (tags, lengths, enum values); larger values are an error. */
  uint32(what: string): number {
    const at = this.pos;
    this.varint();
    if (this.hi !== 0) throw new WireError('BAD_VARINT', `the ${what} at byte ${at} is too large`, at);
    return this.lo;
  }

  /** A varint as a signed 64-bit integer; undefined when it is outside ±2^53 (not exact as a number). */
  int64(): number | undefined {
    this.varint();
    const { lo, hi } = this;
    if (hi < 0x200000) return hi * 0x100000000 + lo; // below 2^53
    if (hi >= 0xffe00000) {
      // Negative two's complement, from -1 down to -2^53.
      const v = -((0xffffffff - hi) * 0x100000000 + (0x100000000 - lo));
      return Number.isSafeInteger(v) ? v : undefined;
    }
    return undefined;
  }

  /** A varint as a JS number when it fits exactly (int32 fields written as 10-byte negatives too). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** Reads a tag: field number ≥ 1 and a wire type that exists. */
  tag(): number {
    const at = this.pos;
    const tag = this.uint32('field tag');
    if (tag >>> 3 === 0) throw new WireError('BAD_FIELD', `invalid protobuf field number 0 at byte ${at}`, at);
    if ((tag & 7) > 5) throw new WireError('BAD_WIRE_TYPE', `unknown protobuf wire type ${tag & 7} at byte ${at}`, at);
    return tag;
  }

  /** Reads a length prefix; the payload must end within the enclosing message. Returns the payload's end. */
  lengthEnd(): number {
    const at = this.pos;
    const len = this.uint32('length');
    if (this.pos + len > this.end)
      throw new WireError(
        'LENGTH_PAST_END',
        `a ${len}-byte field at byte ${at} runs past the end of its enclosing message (byte ${this.end})`,
        at,
      );
    return this.pos + len;
  }

  /** The bytes of a length-delimited payload (a view, no copy). */
  bytes(): Uint8Array {
    const end = this.lengthEnd();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Skips the value of a field with wire type `wire` (the tag was read). */
  skip(wire: number, depth = 0): void {
    const at = this.pos;
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        return this.advance(8, at);
      case WIRE_I32:
        return this.advance(4, at);
      case WIRE_LEN:
        this.pos = this.lengthEnd();
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw new WireError('TOO_DEEP', `groups nested too deep at byte ${at}`, at);
        for (;;) {
          const t = this.tag();
          if ((t & 7) === WIRE_END_GROUP) return;
          this.skip(t & 7, depth + 1);
        }
      }
      default:
        throw new WireError('BAD_WIRE_TYPE', `unexpected ${WIRE_NAMES[wire] ?? wire} wire type at byte ${at}`, at);
    }
  }

  private advance(n: number, at: number): void {
    if (this.pos + n > this.end)
      throw new WireError('LENGTH_PAST_END', `a ${n}-byte field at byte ${at} runs past the end of its message`, at);
    this.pos += n;
  }
}
