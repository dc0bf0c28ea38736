/**
 * ONNX reader: detection by structure (ONNX has no magic number) and a header-only read that
 * walks the protobuf stream in bounded windows (onnx-walk.ts), shaped into a ModelInfo.
 */
import { FormatError } from '../errors.js';
import { isLowBitInteger } from './dtype.js';
import type { ModelFile } from './file.js';
import { canonicalDomain, isOnnxStandardDomain } from './onnx-domains.js';
import { isTensorValue, toTensorSpec } from './onnx-messages.js';
import { type OnnxScan, QUICK_MIN_SKIP, walkModel } from './onnx-walk.js';
import { ProtoCursor, scanFields, WIRE_LEN, WIRE_VARINT } from './proto-cursor.js';
import type { FormatReader, ReadOptions } from './reader.js';
import type { ExternalDataRef, ModelInfo, PreprocessingHint, TensorSpec } from './types.js';

/** ModelProto fields and their wire types (onnx.proto): anything else at the top level is not ONNX. */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WIRE_VARINT], // ir_version
  [2, WIRE_LEN], // producer_name
  [3, WIRE_LEN], // producer_version
  [4, WIRE_LEN], // domain
  [5, WIRE_VARINT], // model_version
  [6, WIRE_LEN], // doc_string
  [7, WIRE_LEN], // graph
  [8, WIRE_LEN], // opset_import
  [14, WIRE_LEN], // metadata_props
  [20, WIRE_LEN], // training_info
  [25, WIRE_LEN], // functions
  [26, WIRE_LEN], // configuration
]);

/** IR versions this reader knows (onnx.proto Version enum); newer ones still read, with a warning. */
export const KNOWN_IR_VERSION = 14;

/** Ops that mark a quantized graph (QDQ format and QOperator format). */
const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);
const QOPERATOR =
  /^(QLinear\w+|ConvInteger|MatMulInteger|DynamicQuantize\w+|QGemm|QAttention|MatMulNBits|MatMulInteger16)$/;

/**
 * True when the first bytes parse as a ModelProto: every top-level field is a ModelProto field
 * with its wire type, ir_version is plausible, and lengths fit in the file. Either ir_version
 * (usually the first byte, 0x08) or the graph must be seen.
 */
export function looksLikeOnnx(head: Buffer, size: number): boolean {
  if (head.length < 2) return false;
  let sawCore = false;
  let fields = 0;
  const { ok } = scanFields(head, (field, wire, value, start) => {
    if (MODEL_FIELDS.get(field) !== wire) return false;
    if (field === 1 && (value < 1 || value > 100)) return false; // ir_version out of any plausible range
    if (field === 5 && value < 0) return false;
    if (wire === WIRE_LEN) {
      // A length past the end is a truncated ONNX file only if ir_version came first.
      if (start + value > size && !(fields >= 1 && sawCore)) return false;
    }
    if (field === 1 || field === 7) sawCore = true;
    fields++;
    return fields < 64;
  });
  return (ok || fields >= 64) && sawCore;
}

export async function readOnnx(file: ModelFile, options: ReadOptions = {}): Promise<ModelInfo> {
  if (file.size === 0)
    throw new FormatError('EMPTY_FILE', 'The file is empty (0 bytes)', {
      file: file.path,
      offset: 0,
      hint: 'Re-export or re-copy the model.',
    });
  const cursor = new ProtoCursor(file, options.signal ? { signal: options.signal } : {});
  const quick = options.quick === true ? QUICK_MIN_SKIP : options.quick ? options.quick.minSkipBytes : undefined;
  const scan = await walkModel(cursor, quick);
  return toModelInfo(scan, file, cursor);
}

export const onnxReader: FormatReader = {
  format: 'onnx',
  title: 'ONNX (.onnx, protobuf)',
  matches: looksLikeOnnx,
  read: readOnnx,
};

function toModelInfo(s: OnnxScan, file: ModelFile, cursor: ProtoCursor): ModelInfo {
  if (s.graphCount === 0) {
    throw new FormatError('ONNX_NO_GRAPH', 'The ONNX model has no graph', {
      file: file.path,
      offset: 0,
      hint: 'The file is truncated, corrupt, or not an ONNX model; re-export it.',
    });
  }
  if (s.irVersion === undefined) s.warn('NO_IR_VERSION', 'The model does not declare an IR version');
  else if (s.irVersion > KNOWN_IR_VERSION)
    s.warn(
      'IR_VERSION_NEWER',
      `IR version ${s.irVersion} is newer than this reader knows (${KNOWN_IR_VERSION}); unknown fields were skipped`,
    );
  if (s.opsets.length === 0 && (s.irVersion ?? 3) >= 3)
    s.warn('NO_OPSET_IMPORT', 'The model declares no opset_import; runtimes will reject it');
  if (s.graphCount > 1)
    s.warn('GRAPH_REPEATED', `The graph field appears ${s.graphCount} times; they were merged as protobuf does`);

  const inputs: TensorSpec[] = [];
  const constants: string[] = [];
  for (const v of s.inputs) {
    if (s.initializerNames.has(v.name)) constants.push(v.name);
    else inputs.push(toTensorSpec(v, s.warner, 'graph input'));
  }
  const outputs = s.outputs.map((v) => toTensorSpec(v, s.warner, 'graph output'));
  for (const t of [...inputs, ...outputs]) {
    if (t.dtype === 'unknown') s.warn('NO_TYPE', `"${t.name}" has no type in the model`);
    else if (t.dtype.includes('unknown('))
      s.warn('UNKNOWN_DTYPE', `"${t.name}" has an element type this reader does not know: ${t.dtype}`);
  }

  const localFunctions = new Set(s.functions.map((f) => `${f.domain}\u0000${f.name}`));
  const operators = [...s.ops.values()].sort(
    (a, b) => a.domain.localeCompare(b.domain) || a.opType.localeCompare(b.opType),
  );
  const isLocalCall = (o: { domain: string; opType: string }) => localFunctions.has(`${o.domain}\u0000${o.opType}`);
  const customOps = operators
    .filter((o) => !isOnnxStandardDomain(o.domain) && !isLocalCall(o))
    .map((o) => `${o.domain}.${o.opType}`);
  // What the model needs from a runtime: the domains its nodes call (subgraphs and local
  // function bodies included), not the ones it imports; a call to a local function needs nothing.
  const usedDomains = [
    ...new Set(
      [...s.ops.values(), ...s.functionOps.values()]
        .filter((o) => !isLocalCall(o))
        .map((o) => canonicalDomain(o.domain)),
    ),
  ].sort();

  const metadata: Record<string, string> = {};
  for (const { key, value } of s.metadata) {
    if (Object.hasOwn(metadata, key))
      s.warn('METADATA_DUPLICATE', `metadata_props key "${key}" appears more than once; the last value is kept`);
    metadata[key] = value;
  }

  const externalData: ExternalDataRef[] = [...s.external.values()].map((f) => ({
    location: f.location,
    tensors: f.tensors,
    ...(f.declaredBytes === undefined ? {} : { declaredBytes: f.declaredBytes }),
  }));

  const quantization = quantizationHint(s);
  const details: Record<string, unknown> = {
    irVersion: s.irVersion ?? null,
    ...(s.modelVersion === undefined ? {} : { modelVersion: s.modelVersion }),
    ...(s.domain ? { domain: s.domain } : {}),
    ...(s.docString ? { docString: s.docString } : {}),
    ...(s.graphName ? { graphName: s.graphName } : {}),
    ...(s.graphDocString ? { graphDocString: s.graphDocString } : {}),
    nodeCount: s.nodeCount,
    subgraphCount: s.subgraphCount,
    ...(s.skipped ? {} : { initializerCount: s.initializerCount }),
    ...(s.sparseInitializerCount ? { sparseInitializerCount: s.sparseInitializerCount } : {}),
    ...(constants.length ? { initializerInputs: constants } : {}),
    ...(s.skipped ? {} : { weightElements: Object.fromEntries([...s.weightElements].sort((a, b) => b[1] - a[1])) }),
    ...(s.functions.length ? { functions: s.functions.map((f) => `${f.domain}.${f.name}`) } : {}),
    nonTensorIo: [...s.inputs, ...s.outputs].filter((v) => !isTensorValue(v)).map((v) => v.name),
    bytesRead: cursor.bytesRead,
  };

  return {
    format: 'onnx',
    formatVersion: s.irVersion === undefined ? 'unknown' : String(s.irVersion),
    producer: {
      ...(s.producerName ? { name: s.producerName } : {}),
      ...(s.producerVersion ? { version: s.producerVersion } : {}),
    },
    opsets: s.opsets,
    inputs,
    outputs,
    ioSource: 'header',
    operators,
    customOps,
    usedDomains,
    externalData,
    metadata,
    preprocessingHints: preprocessingHints(metadata, inputs),
    ...(quantization ? { quantization } : {}),
    details,
    unknowns: ['Which execution providers / accelerators support every operator is not recorded in an ONNX file.'],
    warnings: s.warnings.result(),
    ...(s.skipped
      ? {
          partial: {
            skippedBytes: s.skipped.to - s.skipped.from,
            unknown: [
              'initializer count, weight types and external data',
              'which graph inputs are initializers (constants)',
            ],
          },
        }
      : {}),
    size: file.size,
    path: file.path,
  };
}

/** 'int8 (QDQ)', 'uint8 (QOperator)', 'float16', …: from the ops present and the weight dtypes. */
function quantizationHint(s: OnnxScan): string | undefined {
  const opTypes = [...s.ops.values()].map((o) => o.opType);
  const qdq = opTypes.some((t) => QDQ_OPS.has(t));
  const qop = opTypes.some((t) => QOPERATOR.test(t));
  const lowBit = [...s.weightElements].filter(([d]) => isLowBitInteger(d)).sort((a, b) => b[1] - a[1]);
  const intType = lowBit[0]?.[0];
  if (qop || qdq) return `${intType ? `${intType} ` : ''}(${qop ? 'QOperator' : 'QDQ'})`.trim();
  // Unquantized: name the dominant float weight type when it is a reduced-precision one.
  const top = [...s.weightElements].sort((a, b) => b[1] - a[1])[0];
  if (top && (top[0] === 'float16' || top[0] === 'bfloat16' || top[0].startsWith('float8'))) return top[0];
  return undefined;
}

const PIXEL_FORMATS: Record<string, string> = {
  Gray8: 'GRAYSCALE',
  Rgb8: 'RGB',
  Bgr8: 'BGR',
  Rgba8: 'RGBA',
  Bgra8: 'BGRA',
};
const PIXEL_RANGES: Record<string, [number, number]> = {
  NominalRange_0_255: [0, 255],
  Normalized_0_1: [0, 1],
  Normalized_1_1: [-1, 1],
  NominalRange_16_235: [16, 235],
};

/**
 * Hints from ONNX's image metadata keys (MetadataProps.md) and the IMAGE type denotation. The
 * file says nothing about mean/std, so none are guessed.
 */
function preprocessingHints(metadata: Record<string, string>, inputs: TensorSpec[]): PreprocessingHint[] {
  const colorSpace = PIXEL_FORMATS[metadata['Image.BitmapPixelFormat'] ?? ''];
  const valueRange = PIXEL_RANGES[metadata['Image.NominalPixelRange'] ?? ''];
  const images = inputs.filter((t) => t.denotation?.startsWith('IMAGE'));
  if (!colorSpace && !valueRange && images.length === 0) return [];
  const targets: (TensorSpec | undefined)[] = images.length ? images : [undefined];
  return targets.map((t) => {
    const hint: PreprocessingHint = { source: 'metadata' };
    if (t) hint.input = t.name;
    if (colorSpace) hint.colorSpace = colorSpace;
    if (valueRange) hint.valueRange = valueRange;
    const shape = t?.shape;
    if (shape?.length === 4) {
      const chFirst = typeof shape[1] === 'number' && shape[1] <= 4;
      const chLast = typeof shape[3] === 'number' && shape[3] <= 4;
      if (chFirst !== chLast) {
        hint.layout = chFirst ? 'NCHW' : 'NHWC';
        const [h, w] = chFirst ? [shape[2], shape[3]] : [shape[1], shape[2]];
        if (typeof h === 'number') hint.height = h;
        if (typeof w === 'number') hint.width = w;
      }
    }
    return hint;
  });
}
