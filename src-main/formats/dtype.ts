/**
 * Element types → lower-case numpy-style dtype names (ARCHITECTURE.md "Contracts"). The ONNX table
 * lives here once; other formats and the manifest import it instead of keeping their own copy.
 */
import type { DType } from './types.js';

/** ONNX TensorProto.DataType number → dtype name. Index = enum value (onnx.proto, IR 13). */
const ONNX_DTYPES: readonly (DType | undefined)[] = [
  undefined, // 0 UNDEFINED
  'float32', // 1 FLOAT
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16', // 10
  'float64', // 11 DOUBLE
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16', // 16
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz', // 20
  'uint4',
  'int4',
  'float4e2m1', // 23 (IR 11)
  'float8e8m0', // 24 (IR 12)
  'uint2', // 25 (IR 13)
  'int2',
];

/** dtype name for an ONNX elem_type; `unknown(n)` for values this table does not know yet. */
export function onnxDtype(elemType: number): DType {
  return ONNX_DTYPES[elemType] ?? (elemType === 0 ? 'undefined' : `unknown(${elemType})`);
}

/** Bits per element for the dtypes with a fixed width (string and unknown: undefined). */
export function dtypeBits(dtype: DType): number | undefined {
  if (dtype === 'bool') return 8;
  if (dtype.startsWith('complex')) return Number(dtype.slice(7)) || undefined;
  if (dtype.startsWith('float8')) return 8;
  if (dtype.startsWith('float4')) return 4;
  const m = /^(?:u?int|float|bfloat)(\d+)$/.exec(dtype);
  return m ? Number(m[1]) : undefined;
}

/** Integer dtypes of 8 bits or fewer: the ones quantized weights use. */
export function isLowBitInteger(dtype: DType): boolean {
  return /^u?int[248]$/.test(dtype);
}
