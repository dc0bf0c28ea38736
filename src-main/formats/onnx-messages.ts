/**
 * Small ONNX messages decoded with onnx-proto (ValueInfoProto, OperatorSetIdProto,
 * StringStringEntryProto), after the stream walker has bounded their size, and their
 * conversion to the ModelInfo contract (TensorSpec, dtype names, dims).
 */
import onnxPkg from 'onnx-proto';
import protobuf from 'protobufjs/minimal.js';
import { onnxDtype } from './dtype.js';
import type { Dim, TensorSpec } from './types.js';

const { onnx } = onnxPkg;
export type ValueInfo = InstanceType<typeof onnx.ValueInfoProto>;
type TypeProto = NonNullable<ValueInfo['type']>;
type LongLike = number | { toNumber(): number };

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

const toNumber = (v: LongLike | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber();

function decodeWith<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MessageError) throw e;
    // protobufjs throws RangeError/Error on malformed bytes (and RangeError on runaway recursion).
    throw new MessageError('BAD_MESSAGE', `Malformed ${what}: ${(e as Error).message}`);
  }
}

/**
 * Checks TypeProto nesting before onnx-proto decodes it recursively: ValueInfo.type (2) →
 * sequence (4) / optional (9) elem_type (1), map (5) value_type (2), each one level deeper.
 */
function checkTypeDepth(buf: Uint8Array): void {
  const r = protobuf.Reader.create(buf);
  /** Calls `child(start, end)` for each length-delimited field `field` in [r.pos, end). */
  const each = (end: number, field: number, child: (stop: number) => void): void => {
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag !== field * 8 + 2) {
        skipWire(r, tag);
        continue;
      }
      const len = r.uint32(); // before reading pos: the prefix moves it
      const stop = r.pos + len;
      if (stop > end) throw new MessageError('LENGTH_PAST_END', 'A field runs past the end of its type message');
      child(stop);
      r.pos = stop;
    }
  };
  const typeProto = (end: number, depth: number): void => {
    if (depth > MAX_TYPE_DEPTH) throw new MessageError('TOO_DEEP', `Type nesting deeper than ${MAX_TYPE_DEPTH} levels`);
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if ((tag & 7) !== 2 || (field !== 4 && field !== 5 && field !== 9)) {
        skipWire(r, tag);
        continue;
      }
      const len = r.uint32(); // before reading pos: the prefix moves it
      const stop = r.pos + len;
      if (stop > end) throw new MessageError('LENGTH_PAST_END', 'A field runs past the end of its type message');
      each(stop, field === 5 ? 2 : 1, (e) => typeProto(e, depth + 1));
      r.pos = stop;
    }
  };
  each(r.len, 2, (e) => typeProto(e, 1));
}

function skipWire(r: protobuf.Reader, tag: number): void {
  const wire = tag & 7;
  if (wire === 3 || wire === 4 || wire > 5)
    throw new MessageError('BAD_WIRE_TYPE', `Unsupported protobuf wire type ${wire}`);
  r.skipType(wire);
}

export function decodeValueInfo(buf: Uint8Array): ValueInfo {
  return decodeWith('ValueInfoProto', () => {
    checkTypeDepth(buf);
    return onnx.ValueInfoProto.decode(buf);
  });
}

export function decodeOpset(buf: Uint8Array): { domain: string; version: number } {
  return decodeWith('OperatorSetIdProto', () => {
    const m = onnx.OperatorSetIdProto.decode(buf);
    // onnx-proto's d.ts names a Long type it does not import; decoded values are number or Long.
    return { domain: m.domain, version: toNumber(m.version as LongLike) ?? 0 };
  });
}

export function decodeEntry(buf: Uint8Array): { key: string; value: string } {
  return decodeWith('StringStringEntryProto', () => {
    const m = onnx.StringStringEntryProto.decode(buf);
    return { key: m.key, value: m.value };
  });
}

type TypeKind = 'tensorType' | 'sparseTensorType' | 'sequenceType' | 'optionalType' | 'mapType' | undefined;

/** Which member of TypeProto's `value` oneof is set (onnx-proto leaves the others null). */
function kindOf(t: TypeProto | null | undefined): TypeKind {
  if (!t) return undefined;
  if (t.tensorType) return 'tensorType';
  if (t.sparseTensorType) return 'sparseTensorType';
  if (t.sequenceType) return 'sequenceType';
  if (t.optionalType) return 'optionalType';
  if (t.mapType) return 'mapType';
  return undefined;
}

/** ONNX's type-string style (`seq(tensor(float32))`), with numpy dtype names. */
export function typeString(t: TypeProto | null | undefined, depth = 0): string {
  if (!t || depth > MAX_TYPE_DEPTH) return 'unknown';
  switch (kindOf(t)) {
    case 'tensorType':
      return `tensor(${onnxDtype(t.tensorType?.elemType ?? 0)})`;
    case 'sparseTensorType':
      return `sparse_tensor(${onnxDtype(t.sparseTensorType?.elemType ?? 0)})`;
    case 'sequenceType':
      return `seq(${typeString(t.sequenceType?.elemType, depth + 1)})`;
    case 'optionalType':
      return `optional(${typeString(t.optionalType?.elemType, depth + 1)})`;
    case 'mapType':
      return `map(${onnxDtype(t.mapType?.keyType ?? 0)},${typeString(t.mapType?.valueType, depth + 1)})`;
    default:
      return 'unknown';
  }
}

/** True when the value is a plain dense tensor (what runtimes call `isTensor`). */
export function isTensorValue(v: ValueInfo): boolean {
  return kindOf(v.type) === 'tensorType';
}

function dimOf(d: { dimValue?: LongLike | null; dimParam?: string | null }): Dim {
  if (d.dimValue !== null && d.dimValue !== undefined) {
    const n = toNumber(d.dimValue);
    // Exporters write -1 for "dynamic"; the contract says null for unknown.
    return n !== undefined && n >= 0 && Number.isSafeInteger(n) ? n : null;
  }
  if (d.dimParam) return d.dimParam;
  return null;
}

/**
 * A ValueInfo as a TensorSpec: tensors (dense or sparse) get a dtype and shape (null = unknown
 * rank); sequences, maps and optionals get their type string as dtype and a null shape.
 */
export function toTensorSpec(v: ValueInfo): TensorSpec {
  const t = v.type;
  const kind = kindOf(t);
  const tensor = kind === 'tensorType' ? t?.tensorType : kind === 'sparseTensorType' ? t?.sparseTensorType : undefined;
  let dtype: string;
  let shape: Dim[] | null = null;
  if (tensor) {
    dtype = onnxDtype(tensor.elemType ?? 0);
    if (kind === 'sparseTensorType') dtype = `sparse_tensor(${dtype})`;
    if (tensor.shape) shape = (tensor.shape.dim ?? []).map(dimOf);
  } else {
    dtype = typeString(t);
  }
  const spec: TensorSpec = { name: v.name, dtype, shape };
  if (v.docString) spec.description = v.docString;
  const denotations = [t?.denotation, ...(tensor?.shape?.dim ?? []).map((d) => d.denotation)];
  if (denotations.some((d) => d))
    spec.denotation = denotationText(
      t?.denotation ?? '',
      (tensor?.shape?.dim ?? []).map((d) => d.denotation ?? ''),
    );
  return spec;
}

/** `IMAGE [DATA_BATCH, DATA_CHANNEL, …]`: the type denotation, then per-dim denotations if any. */
function denotationText(typeDen: string, dimDens: string[]): string {
  const dims = dimDens.some((d) => d) ? `[${dimDens.map((d) => d || '?').join(', ')}]` : '';
  return [typeDen, dims].filter(Boolean).join(' ');
}
