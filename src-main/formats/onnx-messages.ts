/**
 * The small ONNX messages a header reader decodes whole (ValueInfoProto with its TypeProto,
 * OperatorSetIdProto, StringStringEntryProto), after the stream walker has bounded their size,
 * and their conversion to the ModelInfo contract (TensorSpec, dtype names, dims).
 *
 * Decoded strictly, as onnx's C++ protobuf does: a length running past its enclosing message is
 * an error; a known field with the wrong wire type is ignored as protobuf ignores it — with a
 * warning, since onnx.checker then finds that field missing; repeated embedded messages merge.
 * Field numbers: onnx/onnx `onnx/onnx.proto` (reference/model-formats.md §1).
 */
import { isUtf8 } from 'node:buffer';
import { onnxDtype } from './dtype.js';
import { WIRE_LEN, WIRE_NAMES, WIRE_VARINT, WireError, WireReader } from './protobuf.js';
import type { Dim, TensorSpec } from './types.js';

/** Deepest sequence/map/optional nesting accepted in a TypeProto (real models use 2 or 3). */
export const MAX_TYPE_DEPTH = 16;

/** Thrown by the decoders below; the walker turns it into a FormatError at the message's offset. */
export class MessageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where decoders report what they ignored or had to replace. */
export type Warn = (code: string, message: string) => void;

export interface Dimension {
  /** dim_value; undefined when absent or not representable (`tooLarge`). */
  value?: number;
  tooLarge?: boolean;
  param?: string;
  denotation?: string;
}

export interface TypeInfo {
  kind?: 'tensor' | 'sparse' | 'sequence' | 'map' | 'optional' | 'opaque';
  /** tensor / sparse: element type and shape (undefined = no shape: unknown rank). */
  elemType?: number;
  shape?: Dimension[];
  /** sequence / optional element, map value. */
  elem?: TypeInfo;
  keyType?: number;
  opaque?: { domain: string; name: string };
  denotation?: string;
}

export interface ValueInfo {
  name: string;
  /** False when the name's bytes are not UTF-8 (decoded with U+FFFD replacements). */
  nameUtf8: boolean;
  type?: TypeInfo;
  docString?: string;
}

const utf8 = new TextDecoder('utf-8');

class Decoder {
  constructor(
    readonly r: WireReader,
    readonly warn: Warn,
    /** Names the message in warnings, e.g. 'graph input #2'. */
    readonly label: string,
  ) {}

  /** True when the tag's wire type is the one onnx.proto gives the field; otherwise warns and skips it. */
  expect(tag: number, wire: number, field: string): boolean {
    if ((tag & 7) === wire) return true;
    this.warn(
      'WIRE_TYPE_MISMATCH',
      `${this.label}: field ${tag >>> 3} (${field}) holds a ${WIRE_NAMES[tag & 7]} value where onnx.proto has ${WIRE_NAMES[wire]}; it was ignored, as protobuf does (onnx.checker then finds the field missing)`,
    );
    this.r.skip(tag & 7);
    return false;
  }

  text(what: string): { text: string; utf8: boolean } {
    const bytes = this.r.bytes();
    const ok = isUtf8(bytes);
    if (!ok && what !== 'name')
      this.warn('TEXT_NOT_UTF8', `${this.label}: the ${what} is not valid UTF-8; shown with U+FFFD replacements`);
    return { text: utf8.decode(bytes), utf8: ok };
  }

  /** Runs `body` for each field of the embedded message whose length prefix comes next. */
  message(body: (tag: number) => void): void {
    const end = this.r.lengthEnd();
    const outer = this.r.end;
    this.r.end = end;
    while (this.r.pos < end) body(this.r.tag());
    this.r.end = outer;
  }

  valueInfo(v: ValueInfo): void {
    const tag = this.r.tag();
    switch (tag >>> 3) {
      case 1:
        if (this.expect(tag, WIRE_LEN, 'name')) {
          const t = this.text('name');
          v.name = t.text;
          v.nameUtf8 = t.utf8;
        }
        return;
      case 2:
        if (this.expect(tag, WIRE_LEN, 'type')) this.typeProto((v.type ??= {}), 1);
        return;
      case 3:
        if (this.expect(tag, WIRE_LEN, 'doc_string')) v.docString = this.text('doc_string').text;
        return;
      default:
        this.r.skip(tag & 7);
    }
  }

  /** TypeProto: the `value` oneof (last member wins, a repeated one merges) and denotation. */
  typeProto(t: TypeInfo, depth: number): void {
    if (depth > MAX_TYPE_DEPTH) throw new MessageError('TOO_DEEP', `Type nesting deeper than ${MAX_TYPE_DEPTH} levels`);
    const member = (kind: NonNullable<TypeInfo['kind']>): void => {
      if (t.kind !== kind) {
        // Another member of the oneof: protobuf clears the previous one.
        delete t.elemType;
        delete t.shape;
        delete t.elem;
        delete t.keyType;
        delete t.opaque;
        t.kind = kind;
      }
    };
    this.message((tag) => {
      const field = tag >>> 3;
      switch (field) {
        case 1: // tensor_type
        case 8: // sparse_tensor_type
          if (!this.expect(tag, WIRE_LEN, field === 1 ? 'tensor_type' : 'sparse_tensor_type')) return;
          member(field === 1 ? 'tensor' : 'sparse');
          return this.tensorType(t);
        case 4: // sequence_type
        case 9: // optional_type
          if (!this.expect(tag, WIRE_LEN, field === 4 ? 'sequence_type' : 'optional_type')) return;
          member(field === 4 ? 'sequence' : 'optional');
          return this.message((f) => {
            if (f >>> 3 === 1 && this.expect(f, WIRE_LEN, 'elem_type')) this.typeProto((t.elem ??= {}), depth + 1);
            else if (f >>> 3 !== 1) this.r.skip(f & 7);
          });
        case 5: // map_type
          if (!this.expect(tag, WIRE_LEN, 'map_type')) return;
          member('map');
          return this.message((f) => {
            if (f >>> 3 === 1) {
              if (this.expect(f, WIRE_VARINT, 'key_type')) t.keyType = this.r.int32();
            } else if (f >>> 3 === 2) {
              if (this.expect(f, WIRE_LEN, 'value_type')) this.typeProto((t.elem ??= {}), depth + 1);
            } else this.r.skip(f & 7);
          });
        case 7: // opaque_type
          if (!this.expect(tag, WIRE_LEN, 'opaque_type')) return;
          member('opaque');
          t.opaque ??= { domain: '', name: '' };
          return this.message((f) => {
            if ((f >>> 3 === 1 || f >>> 3 === 2) && this.expect(f, WIRE_LEN, f >>> 3 === 1 ? 'domain' : 'name'))
              t.opaque![f >>> 3 === 1 ? 'domain' : 'name'] = this.text('opaque type name').text;
            else if (f >>> 3 !== 1 && f >>> 3 !== 2) this.r.skip(f & 7);
          });
        case 6:
          if (this.expect(tag, WIRE_LEN, 'denotation')) t.denotation = this.text('denotation').text;
          return;
        default:
          this.r.skip(tag & 7);
      }
    });
  }

  /** TypeProto.Tensor / SparseTensor: elem_type (1), shape (2: TensorShapeProto, dim 1 repeated). */
  private tensorType(t: TypeInfo): void {
    this.message((tag) => {
      const field = tag >>> 3;
      if (field === 1) {
        if (this.expect(tag, WIRE_VARINT, 'elem_type')) t.elemType = this.r.int32();
      } else if (field === 2) {
        if (!this.expect(tag, WIRE_LEN, 'shape')) return;
        const dims = (t.shape ??= []);
        this.message((s) => {
          if (s >>> 3 !== 1) return this.r.skip(s & 7);
          if (this.expect(s, WIRE_LEN, 'dim')) dims.push(this.dimension());
        });
      } else this.r.skip(tag & 7);
    });
  }

  private dimension(): Dimension {
    const d: Dimension = {};
    this.message((tag) => {
      switch (tag >>> 3) {
        case 1:
          if (!this.expect(tag, WIRE_VARINT, 'dim_value')) return;
          delete d.param;
          {
            const v = this.r.int64();
            if (v === undefined) {
              delete d.value;
              d.tooLarge = true;
            } else {
              d.value = v;
              delete d.tooLarge;
            }
          }
          return;
        case 2:
          if (!this.expect(tag, WIRE_LEN, 'dim_param')) return;
          delete d.value;
          delete d.tooLarge;
          d.param = this.text('dim_param').text;
          return;
        case 3:
          if (this.expect(tag, WIRE_LEN, 'denotation')) d.denotation = this.text('denotation').text;
          return;
        default:
          this.r.skip(tag & 7);
      }
    });
    return d;
  }
}

/** Runs a decoder over a whole message, turning wire errors into a MessageError. */
function decodeWith<T>(what: string, buf: Uint8Array, fn: (r: WireReader) => T): T {
  const r = new WireReader(buf);
  try {
    return fn(r);
  } catch (e) {
    if (e instanceof MessageError) throw e;
    if (!(e instanceof WireError)) throw e;
    // Inside a message already bounded by its length, running out of bytes means a field ran past it.
    const code = e.code === 'TRUNCATED' ? 'LENGTH_PAST_END' : e.code;
    throw new MessageError(code, `Malformed ${what}: ${e.message}`);
  }
}

export function decodeValueInfo(buf: Uint8Array, warn: Warn = () => {}, label = 'value'): ValueInfo {
  return decodeWith('ValueInfoProto', buf, (r) => {
    const v: ValueInfo = { name: '', nameUtf8: true };
    const d = new Decoder(r, warn, label);
    while (r.pos < r.end) d.valueInfo(v);
    return v;
  });
}

export function decodeOpset(buf: Uint8Array, warn: Warn = () => {}): { domain: string; version: number } {
  return decodeWith('OperatorSetIdProto', buf, (r) => {
    const out = { domain: '', version: 0 };
    const d = new Decoder(r, warn, 'opset_import');
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag >>> 3 === 1) {
        if (d.expect(tag, WIRE_LEN, 'domain')) out.domain = d.text('domain').text;
      } else if (tag >>> 3 === 2) {
        if (d.expect(tag, WIRE_VARINT, 'version')) out.version = r.int64() ?? 0;
      } else r.skip(tag & 7);
    }
    return out;
  });
}

export function decodeEntry(buf: Uint8Array, warn: Warn = () => {}): { key: string; value: string } {
  return decodeWith('StringStringEntryProto', buf, (r) => {
    const out = { key: '', value: '' };
    const d = new Decoder(r, warn, 'metadata entry');
    while (r.pos < r.end) {
      const tag = r.tag();
      const field = tag >>> 3;
      if ((field === 1 || field === 2) && d.expect(tag, WIRE_LEN, field === 1 ? 'key' : 'value'))
        out[field === 1 ? 'key' : 'value'] = d.text(field === 1 ? 'key' : 'value').text;
      else if (field !== 1 && field !== 2) r.skip(tag & 7);
    }
    return out;
  });
}

/** ONNX's type-string style (`seq(tensor(float32))`), with numpy dtype names. */
export function typeString(t: TypeInfo | undefined, depth = 0): string {
  if (!t || depth > MAX_TYPE_DEPTH) return 'unknown';
  switch (t.kind) {
    case 'tensor':
      return `tensor(${onnxDtype(t.elemType ?? 0)})`;
    case 'sparse':
      return `sparse_tensor(${onnxDtype(t.elemType ?? 0)})`;
    case 'sequence':
      return `seq(${typeString(t.elem, depth + 1)})`;
    case 'optional':
      return `optional(${typeString(t.elem, depth + 1)})`;
    case 'map':
      return `map(${onnxDtype(t.keyType ?? 0)},${typeString(t.elem, depth + 1)})`;
    case 'opaque':
      return `opaque(${[t.opaque?.domain, t.opaque?.name].filter(Boolean).join('.')})`;
    default:
      return 'unknown';
  }
}

/** True when the value is a plain dense tensor (what runtimes call `isTensor`). */
export function isTensorValue(v: ValueInfo): boolean {
  return v.type?.kind === 'tensor';
}

/**
 * A ValueInfo as a TensorSpec: tensors (dense or sparse) get a dtype and shape (null = unknown
 * rank); sequences, maps and optionals get their type string as dtype and a null shape. What the
 * contract cannot carry (a name that is not UTF-8 or empty, a dim past 2^53) is said in `warn`.
 */
export function toTensorSpec(v: ValueInfo, warn: Warn = () => {}, role = 'value'): TensorSpec {
  const t = v.type;
  const tensor = t?.kind === 'tensor' || t?.kind === 'sparse' ? t : undefined;
  const shown = JSON.stringify(v.name);
  if (!v.nameUtf8)
    warn('NAME_NOT_UTF8', `A ${role} name is not valid UTF-8; it is shown as ${shown} (with U+FFFD replacements)`);
  if (v.name === '') warn('EMPTY_NAME', `A ${role} has an empty name; runtimes address inputs and outputs by name`);
  let dtype: string;
  let shape: Dim[] | null = null;
  if (tensor) {
    dtype = onnxDtype(tensor.elemType ?? 0);
    if (tensor.kind === 'sparse') dtype = `sparse_tensor(${dtype})`;
    if (tensor.shape)
      shape = tensor.shape.map((d, i): Dim => {
        if (d.tooLarge) {
          warn('DIM_TOO_LARGE', `${role} ${shown} dim ${i} is past 2^53 and cannot be shown exactly; shown as unknown`);
          return null;
        }
        if (d.value !== undefined) {
          // Exporters write -1 for "dynamic"; the contract says null for unknown.
          if (d.value < -1) warn('DIM_NEGATIVE', `${role} ${shown} dim ${i} is ${d.value}; shown as unknown`);
          return d.value >= 0 ? d.value : null;
        }
        return d.param ? d.param : null;
      });
  } else {
    dtype = typeString(t);
  }
  const spec: TensorSpec = { name: v.name, dtype, shape };
  if (v.docString) spec.description = v.docString;
  const dims = tensor?.shape ?? [];
  if (t?.denotation || dims.some((d) => d.denotation))
    spec.denotation = denotationText(
      t?.denotation ?? '',
      dims.map((d) => d.denotation ?? ''),
    );
  return spec;
}

/** `IMAGE [DATA_BATCH, DATA_CHANNEL, …]`: the type denotation, then per-dim denotations if any. */
function denotationText(typeDen: string, dimDens: string[]): string {
  const dims = dimDens.some((d) => d) ? `[${dimDens.map((d) => d || '?').join(', ')}]` : '';
  return [typeDen, dims].filter(Boolean).join(' ');
}
