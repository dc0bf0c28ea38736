/**
 * TFLite reader: walks the Model FlatBuffer (identifier `TFL3`) by offsets with positioned reads,
 * touching only the root, the subgraph/tensor tables of the I/O tensors, operator codes, signature
 * defs and the metadata buffers. Weight buffers are never read.
 */
import { FormatError, throwIfAborted } from '../errors.js';
import type { ModelFile } from './file.js';
import { FlatBuffer, PagedFile, scalars, tableAt, type FbTable, type FbVector } from './flatbuffer.js';
import type { FormatReader, ReadOptions } from './reader.js';
import { readTfliteMetadata, type TfliteMetadataInfo } from './tflite-metadata.js';
import { BUILTIN_CUSTOM, TENSOR_TYPES, builtinName } from './tflite-schema.js';
import type { ExternalDataRef, ModelInfo, PreprocessingHint, TensorSpec } from './types.js';
import { Warnings } from './warnings.js';

export const TFLITE_IDENTIFIER = 'TFL3';
/** Custom op code of models compiled by the Coral Edge TPU compiler (libedgetpu `kCustomOp`). */
export const EDGETPU_CUSTOM_OP = 'edgetpu-custom-op';

/** Caps on counts written in the file: anything above is corrupt, not a model. */
export const TFLITE_LIMITS = {
  operatorCodes: 100_000,
  subgraphs: 100_000,
  tensors: 1_000_000,
  ioTensors: 100_000,
  operators: 10_000_000,
  /** Operators whose opcode we visit to count op usage; beyond this counts are partial. */
  operatorsCounted: 200_000,
  buffers: 10_000_000,
  /** Buffers whose byte ranges are checked against the file size (a few reads each). */
  buffersChecked: 1_000_000,
  metadata: 10_000,
  signatures: 10_000,
  rank: 1024,
  quantValues: 1_000_000,
  externalBuffers: 1_000_000,
  /** Tensors visited to name those stored in external buffer groups. */
  externalTensorsVisited: 200_000,
  /** Bytes of an ordinary metadata buffer shown as text. */
  metadataText: 256,
} as const;

const ELEM_OFFSET = 4;

interface Subgraph {
  index: number;
  name: string;
  tensors: FbVector | null;
  tensorCount: number;
  inputs: number[];
  outputs: number[];
  operators: FbVector | null;
}

interface OpCode {
  code: number;
  name: string;
  custom?: string;
  version: number;
}

/** A tensor as read, with its index so metadata and signatures can refer back to it. */
interface Tensor extends TensorSpec {
  index: number;
  tensorName: string;
}

interface BufferRef {
  /** Absolute file offset of the data. */
  offset: number;
  size: number;
  /** True when the data sits outside the FlatBuffer (Buffer.offset/size, models over 2 GB). */
  outside: boolean;
}

class TfliteModel {
  readonly warnings = new Warnings();
  private buffersVec: FbVector | null | undefined;

  constructor(
    readonly fb: FlatBuffer,
    readonly model: FbTable,
    readonly file: ModelFile,
  ) {}

  warn(code: string, message: string): void {
    this.warnings.add(code, message);
  }

  async subgraph(subgraphs: FbVector, index: number): Promise<Subgraph> {
    const t = await tableAt(subgraphs, index, `SubGraph[${index}]`);
    const tensors = await t.vector(0, 'tensors', ELEM_OFFSET, TFLITE_LIMITS.tensors);
    const tensorCount = tensors?.length ?? 0;
    const ios = async (id: number, name: string): Promise<number[]> => {
      const v = await t.vector(id, name, 4, TFLITE_LIMITS.ioTensors);
      const list = v ? await scalars(v, 'i32') : [];
      for (const [i, ti] of list.entries()) {
        if (ti < 0 || ti >= tensorCount) {
          this.fb.fail(
            'BAD_INDEX',
            `SubGraph[${index}].${name}[${i}] = ${ti} is not a tensor index (subgraph has ${tensorCount})`,
            v!.pos + 4 * i,
          );
        }
      }
      return list;
    };
    return {
      index,
      name: (await t.string(4, 'name')) ?? '',
      tensors,
      tensorCount,
      inputs: await ios(1, 'inputs'),
      outputs: await ios(2, 'outputs'),
      operators: await t.vector(3, 'operators', ELEM_OFFSET, TFLITE_LIMITS.operators),
    };
  }

  async tensor(sg: Subgraph, index: number): Promise<Tensor> {
    if (!sg.tensors || index < 0 || index >= sg.tensorCount) {
      this.fb.fail(
        'BAD_INDEX',
        `tensor index ${index} is outside SubGraph[${sg.index}] (${sg.tensorCount} tensors)`,
        sg.tensors?.pos ?? 0,
      );
    }
    const what = `SubGraph[${sg.index}].tensors[${index}]`;
    const t = await tableAt(sg.tensors, index, what);
    const shape = await t.scalars(0, 'shape', 'i32', TFLITE_LIMITS.rank);
    const type = await t.scalar(1, 'i8', 0);
    const name = this.name(await t.text(3, 'name'), what) ?? `tensor_${index}`;
    const signature = t.has(7) ? await t.scalars(7, 'shape_signature', 'i32', TFLITE_LIMITS.rank) : null;
    let dtype = TENSOR_TYPES[type];
    if (dtype === undefined) {
      dtype = `unknown(${type})`;
      this.warn('UNKNOWN_DTYPE', `Tensor ${name} has TensorType ${type}, which this reader does not know`);
    }
    // shape_signature carries -1 for dynamic dims; shape holds the sizes the converter picked.
    const dims = signature && signature.length === shape.length ? signature : shape;
    const spec: Tensor = {
      index,
      tensorName: name,
      name,
      dtype,
      shape: dims.map((d) => (d < 0 ? null : d)),
    };
    const q = await t.table(4, 'quantization');
    if (q) {
      const scale = await q.scalars(2, 'scale', 'f32', TFLITE_LIMITS.quantValues);
      if (scale.length > 0) {
        const zeroPoint = await q.scalars(3, 'zero_point', 'i64', TFLITE_LIMITS.quantValues);
        spec.quantization = { scale, zeroPoint };
        if (scale.length > 1) spec.quantization.axis = await q.scalar(6, 'i32', 0);
      }
    }
    return spec;
  }

  /** A tensor or signature name, said when it is empty or not UTF-8 (shown with U+FFFD then). */
  name(n: { text: string; utf8: boolean } | null, what: string): string | undefined {
    if (n === null) return undefined;
    if (!n.utf8) this.warn('NAME_NOT_UTF8', `${what}: the name is not valid UTF-8; shown as ${JSON.stringify(n.text)}`);
    if (n.text === '') this.warn('EMPTY_NAME', `${what} has an empty name`);
    return n.text;
  }

  /**
   * Every Model.buffers entry's bytes must lie inside the file: data in the FlatBuffer (a length
   * prefix is read, not the data) and data after it (Buffer.offset/size). A file cut inside its
   * weights is TRUNCATED, whichever buffer the cut hits.
   */
  async checkBuffers(signal?: AbortSignal): Promise<void> {
    if (this.buffersVec === undefined)
      this.buffersVec = await this.model.vector(4, 'buffers', ELEM_OFFSET, TFLITE_LIMITS.buffers);
    const v = this.buffersVec;
    if (!v) return;
    const n = Math.min(v.length, TFLITE_LIMITS.buffersChecked);
    if (v.length > n)
      this.warn('BUFFERS_PARTIAL', `Only the first ${n} of ${v.length} buffers were checked against the file size`);
    for (let i = 0; i < n; i++) {
      if (i % 4096 === 0) throwIfAborted(signal);
      const t = await tableAt(v, i, `Model.buffers[${i}]`);
      const p = t.fieldPos(0, 4);
      if (p !== 0) {
        const at = await this.fb.deref(p, `Model.buffers[${i}].data`);
        // The length prefix, read alone: it sits at the start of the weights, not near the tables.
        if (this.fb.base + at + 4 > this.file.size) this.truncated(i, at, 4, t.pos);
        const len = (await this.file.read(this.fb.base + at, 4, `Model.buffers[${i}] length`)).readUInt32LE(0);
        if (this.fb.base + at + 4 + len > this.file.size) this.truncated(i, at + 4, len, t.pos);
        if (len > 0) continue; // data inside the FlatBuffer: offset/size are unused
      }
      await this.buffer(i, t); // checks offset/size (data after the FlatBuffer)
    }
  }

  private truncated(index: number, at: number, len: number, tablePos: number): never {
    throw new FormatError(
      'TRUNCATED',
      `Model.buffers[${index}] holds bytes ${this.fb.base + at}..${this.fb.base + at + len}, past the end of the ${this.file.size}-byte file`,
      {
        file: this.file.path,
        offset: this.fb.base + tablePos,
        hint: 'The file is cut short (an interrupted copy or download?); copy or export it again.',
      },
    );
  }

  async operatorCodes(): Promise<OpCode[]> {
    const v = await this.model.vector(1, 'operator_codes', ELEM_OFFSET, TFLITE_LIMITS.operatorCodes);
    const out: OpCode[] = [];
    if (!v) return out;
    for (let i = 0; i < v.length; i++) {
      const t = await tableAt(v, i, `OperatorCode[${i}]`);
      const deprecated = await t.scalar(0, 'i8', 0);
      const builtin = await t.scalar(3, 'i32', 0);
      // Codes above 127 live only in builtin_code; old files only fill deprecated_builtin_code.
      const code = Math.max(deprecated, builtin);
      const custom = (await t.string(1, 'custom_code')) ?? undefined;
      const op: OpCode = {
        code,
        name: code === BUILTIN_CUSTOM ? (custom ?? 'CUSTOM') : builtinName(code),
        version: await t.scalar(2, 'i32', 1),
      };
      if (code === BUILTIN_CUSTOM) op.custom = custom ?? '';
      out.push(op);
    }
    return out;
  }

  /** Counts operator uses per opcode across subgraphs, visiting at most TFLITE_LIMITS.operatorsCounted. */
  async operatorCounts(subgraphs: Subgraph[], codes: OpCode[], signal?: AbortSignal): Promise<number[]> {
    const counts = new Array<number>(codes.length).fill(0);
    let budget: number = TFLITE_LIMITS.operatorsCounted;
    for (const sg of subgraphs) {
      const ops = sg.operators;
      if (!ops) continue;
      for (let i = 0; i < ops.length; i++) {
        if (budget-- <= 0) {
          this.warn(
            'OPERATOR_COUNT_PARTIAL',
            `Operator counts cover the first ${TFLITE_LIMITS.operatorsCounted} operators only`,
          );
          return counts;
        }
        if (i % 4096 === 0) throwIfAborted(signal);
        const op = await tableAt(ops, i, `SubGraph[${sg.index}].operators[${i}]`);
        const idx = await op.scalar(0, 'u32', 0);
        if (idx >= codes.length) {
          this.fb.fail(
            'BAD_INDEX',
            `SubGraph[${sg.index}].operators[${i}] uses opcode ${idx}, but there are ${codes.length} operator codes`,
            op.pos,
          );
        }
        counts[idx]!++;
      }
    }
    return counts;
  }

  /** Model.buffers[index] as a file range, or null for an empty buffer. */
  async buffer(index: number, table?: FbTable): Promise<BufferRef | null> {
    if (this.buffersVec === undefined)
      this.buffersVec = await this.model.vector(4, 'buffers', ELEM_OFFSET, TFLITE_LIMITS.buffers);
    const v = this.buffersVec;
    if (!v || index >= v.length) {
      this.fb.fail(
        'BAD_INDEX',
        `buffer index ${index} is outside Model.buffers (${v?.length ?? 0} buffers)`,
        v?.pos ?? 0,
      );
    }
    const t = table ?? (await tableAt(v, index, `Model.buffers[${index}]`));
    const data = await t.vector(0, 'data', 1, 0xffffffff);
    if (data && data.length > 0) return { offset: this.fb.base + data.pos, size: data.length, outside: false };
    const offset = await t.scalar(1, 'u64', 0);
    const size = await t.scalar(2, 'u64', 0);
    // Per the schema, offset/size are relative to the file start and only valid when offset > 1.
    if (offset > 1) {
      if (!Number.isSafeInteger(offset + size) || offset + size > this.file.size) {
        throw new FormatError(
          'TRUNCATED',
          `Model.buffers[${index}] points at bytes ${offset}..${offset + size}, past the end of the ${this.file.size}-byte file`,
          {
            file: this.file.path,
            offset: t.pos,
            hint: 'The model stores data after its FlatBuffer (models over 2 GB) and the file is cut short; copy it again.',
          },
        );
      }
      return { offset, size, outside: true };
    }
    return null;
  }
}

/** An ASCII string from a NUL-padded buffer, or null when it is not printable text. */
function asciiText(buf: Buffer): string | null {
  let end = buf.indexOf(0);
  if (end < 0) end = buf.length;
  // Only NUL padding may follow the text.
  for (let i = end; i < buf.length; i++) if (buf[i] !== 0) return null;
  const s = buf.subarray(0, end).toString('latin1');
  return /^[\x20-\x7e\t\r\n]*$/.test(s) ? s : null;
}

async function readTflite(file: ModelFile, options: ReadOptions): Promise<ModelInfo> {
  if (file.size < 8) {
    throw new FormatError('TRUNCATED', `File is ${file.size} bytes, too short for a TFLite model`, {
      file: file.path,
      offset: 0,
      hint: 'The file is truncated; export it again.',
    });
  }
  const src = new PagedFile(file);
  const fb: FlatBuffer = new FlatBuffer(src, 0, file.size, 'TFLite model');
  const ident = await fb.identifier();
  if (ident !== TFLITE_IDENTIFIER)
    fb.fail('BAD_MAGIC', `expected file identifier ${TFLITE_IDENTIFIER}, found ${JSON.stringify(ident)}`, 4);
  const m = new TfliteModel(fb, await fb.root('Model'), file);
  const model = m.model;

  if (options.ioFrom)
    m.warn(
      'IO_FROM_IGNORED',
      'A TFLite file declares its own inputs and outputs; the --io-from companion is used only for TensorRT engines',
    );
  const version = await model.scalar(0, 'u32', 0);
  if (version !== 3) m.warn('SCHEMA_VERSION', `TFLite schema version ${version}; this reader knows version 3`);
  const description = (await model.string(3, 'description')) ?? undefined;

  // Subgraphs and their I/O.
  const sgVec = await model.vector(2, 'subgraphs', ELEM_OFFSET, TFLITE_LIMITS.subgraphs);
  if (!sgVec || sgVec.length === 0) fb.fail('NO_SUBGRAPHS', 'the model has no subgraphs', model.pos);
  const subgraphs: Subgraph[] = [];
  let ioBudget: number = TFLITE_LIMITS.ioTensors;
  const subgraphIo: { inputs: Tensor[]; outputs: Tensor[] }[] = [];
  for (let i = 0; i < sgVec.length; i++) {
    throwIfAborted(options.signal);
    const sg = await m.subgraph(sgVec, i);
    ioBudget -= sg.inputs.length + sg.outputs.length;
    if (ioBudget < 0)
      fb.fail('TOO_MANY', `more than ${TFLITE_LIMITS.ioTensors} subgraph inputs/outputs in total`, sgVec.pos);
    subgraphs.push(sg);
    const inputs: Tensor[] = [];
    const outputs: Tensor[] = [];
    for (const ti of sg.inputs) inputs.push(await m.tensor(sg, ti));
    for (const ti of sg.outputs) outputs.push(await m.tensor(sg, ti));
    subgraphIo.push({ inputs, outputs });
  }

  // Operator codes, custom ops, usage counts.
  const codes = await m.operatorCodes();
  const counts = await m.operatorCounts(subgraphs, codes, options.signal);
  const customOps = [...new Set(codes.filter((c) => c.custom !== undefined).map((c) => c.custom || 'CUSTOM'))];
  const opTotals = new Map<string, { domain: string; opType: string; count: number }>();
  codes.forEach((c, i) => {
    const domain = c.custom !== undefined ? 'custom' : '';
    const key = `${domain}/${c.name}`;
    const entry = opTotals.get(key) ?? { domain, opType: c.name, count: 0 };
    entry.count += counts[i] ?? 0;
    opTotals.set(key, entry);
  });
  const edgeTpu = customOps.includes(EDGETPU_CUSTOM_OP);
  if (edgeTpu) {
    m.warn(
      'EDGETPU_MODEL',
      `Compiled for the Coral Edge TPU (custom op ${EDGETPU_CUSTOM_OP}): it runs only with the libedgetpu delegate on an Edge TPU device`,
    );
  }

  // Every buffer inside the file, before any is read: a cut file is TRUNCATED, naming the buffer.
  await m.checkBuffers(options.signal);

  // Signature defs.
  const sigVec = await model.vector(7, 'signature_defs', ELEM_OFFSET, TFLITE_LIMITS.signatures);
  const signatures: { key: string; subgraphIndex: number; inputs: Tensor[]; outputs: Tensor[] }[] = [];
  if (sigVec) {
    for (let i = 0; i < sigVec.length; i++) {
      const s = await tableAt(sigVec, i, `SignatureDef[${i}]`);
      const key = (await s.string(2, 'signature_key')) ?? '';
      const subgraphIndex = await s.scalar(4, 'u32', 0);
      const sg = subgraphs[subgraphIndex];
      if (!sg)
        fb.fail(
          'BAD_INDEX',
          `SignatureDef[${i}] (${key}) names subgraph ${subgraphIndex}, but there are ${subgraphs.length}`,
          s.pos,
        );
      const maps = async (id: number, name: string): Promise<Tensor[]> => {
        const v = await s.vector(id, name, ELEM_OFFSET, TFLITE_LIMITS.ioTensors);
        const out: Tensor[] = [];
        if (!v) return out;
        ioBudget -= v.length;
        if (ioBudget < 0)
          fb.fail('TOO_MANY', `more than ${TFLITE_LIMITS.ioTensors} signature inputs/outputs in total`, v.pos);
        for (let j = 0; j < v.length; j++) {
          const tm = await tableAt(v, j, `SignatureDef[${i}].${name}[${j}]`);
          const alias = m.name(await tm.text(0, 'name'), `SignatureDef[${i}].${name}[${j}]`) ?? '';
          const ti = await tm.scalar(1, 'u32', 0);
          const t = await m.tensor(sg, ti);
          out.push({ ...t, name: alias || t.tensorName, description: `tensor ${t.tensorName}` });
        }
        return out;
      };
      signatures.push({ key, subgraphIndex, inputs: await maps(0, 'inputs'), outputs: await maps(1, 'outputs') });
    }
  }

  // Metadata entries: names, min_runtime_version, TFLITE_METADATA.
  const metadata: Record<string, string> = {};
  const metadataEntries: { name: string; buffer: number; size: number; outsideFlatbuffer: boolean }[] = [];
  let minRuntime: string | undefined;
  let tfliteMetadata: TfliteMetadataInfo | undefined;
  const metaVec = await model.vector(6, 'metadata', ELEM_OFFSET, TFLITE_LIMITS.metadata);
  if (metaVec) {
    for (let i = 0; i < metaVec.length; i++) {
      throwIfAborted(options.signal);
      const e = await tableAt(metaVec, i, `Metadata[${i}]`);
      const name = (await e.string(0, 'name')) ?? '';
      const bufferIndex = await e.scalar(1, 'u32', 0);
      const buf = await m.buffer(bufferIndex);
      metadataEntries.push({
        name,
        buffer: bufferIndex,
        size: buf?.size ?? 0,
        outsideFlatbuffer: buf?.outside ?? false,
      });
      if (name === 'TFLITE_METADATA' && buf) {
        try {
          tfliteMetadata = await readTfliteMetadata(new FlatBuffer(src, buf.offset, buf.size, 'TFLITE_METADATA'));
          metadata[name] = tfliteMetadata.name ?? '(present)';
        } catch (err) {
          if (!(err instanceof FormatError)) throw err;
          metadata[name] = `(unreadable, ${buf.size} bytes)`;
          m.warn(
            'TFLITE_METADATA_UNREADABLE',
            `The TFLITE_METADATA buffer could not be read (${err.message}${err.offset !== undefined ? `, byte ${err.offset}` : ''}); preprocessing hints are missing`,
          );
        }
        continue;
      }
      const limit = name === 'min_runtime_version' ? 64 : TFLITE_LIMITS.metadataText;
      const text = buf ? asciiText(await src.bytes(buf.offset, Math.min(buf.size, limit), `metadata ${name}`)) : '';
      if (name === 'min_runtime_version') {
        if (text) minRuntime = text;
        else m.warn('BAD_MIN_RUNTIME', 'The min_runtime_version metadata does not hold a version string');
      }
      metadata[name] = text !== null && buf && buf.size <= limit ? text : `(${buf?.size ?? 0} bytes)`;
    }
  }

  // Primary I/O: the signature over subgraph 0 (serving_default first), else subgraph 0 itself.
  const primarySig =
    signatures.find((s) => s.subgraphIndex === 0 && s.key === 'serving_default') ??
    signatures.find((s) => s.subgraphIndex === 0);
  const main = subgraphIo[0]!;
  const inputs = primarySig ? primarySig.inputs : main.inputs;
  const outputs = primarySig ? primarySig.outputs : main.outputs;
  if (inputs.length === 0) m.warn('NO_INPUTS', 'The main subgraph declares no inputs');

  // Preprocessing from TFLITE_METADATA: its tensor list follows SubGraph[0].inputs order.
  const preprocessingHints: PreprocessingHint[] = [];
  if (tfliteMetadata) {
    tfliteMetadata.inputs.forEach((tm, i) => {
      const tensor = main.inputs[i];
      if (!tensor) return;
      const shown = inputs.find((t) => t.index === tensor.index)?.name ?? tensor.name;
      const hint: PreprocessingHint = { input: shown, source: 'metadata' };
      if (tm.mean?.length) hint.mean = tm.mean;
      if (tm.std?.length) hint.std = tm.std;
      if (tm.colorSpace) hint.colorSpace = tm.colorSpace;
      if (tm.width) hint.width = tm.width;
      if (tm.height) hint.height = tm.height;
      if (tm.valueRange) hint.valueRange = tm.valueRange;
      if (Object.keys(hint).length > 2) preprocessingHints.push(hint);
    });
    for (const [key, value] of Object.entries({
      name: tfliteMetadata.name,
      version: tfliteMetadata.version,
      author: tfliteMetadata.author,
      license: tfliteMetadata.license,
      description: tfliteMetadata.description,
    })) {
      if (value !== undefined) metadata[`tflite_metadata.${key}`] = value;
    }
  }

  const externalData = await readExternalGroups(m, subgraphs);

  const ioTensors = [...inputs, ...outputs];
  const quantization = quantizationSummary(ioTensors, codes);

  const strip = (t: Tensor): TensorSpec => {
    const { index: _i, tensorName: _n, ...spec } = t;
    return spec;
  };
  const info: ModelInfo = {
    format: 'tflite',
    formatVersion: String(version),
    inputs: inputs.map(strip),
    outputs: outputs.map(strip),
    ioSource: 'header',
    operators: [...opTotals.values()],
    customOps,
    externalData,
    metadata,
    preprocessingHints,
    details: {
      schemaVersion: version,
      ...(description !== undefined ? { description } : {}),
      ioFrom: primarySig ? `signature ${primarySig.key || '(unnamed)'} (subgraph 0)` : 'subgraph 0',
      edgeTpu,
      subgraphs: subgraphs.map((sg, i) => ({
        index: i,
        name: sg.name,
        tensorCount: sg.tensorCount,
        operatorCount: sg.operators?.length ?? 0,
        inputs: subgraphIo[i]!.inputs.map((t) => ({ ...strip(t), tensorIndex: t.index })),
        outputs: subgraphIo[i]!.outputs.map((t) => ({ ...strip(t), tensorIndex: t.index })),
      })),
      signatureDefs: signatures.map((s) => ({
        key: s.key,
        subgraphIndex: s.subgraphIndex,
        inputs: s.inputs.map((t) => ({ ...strip(t), tensor: t.tensorName, tensorIndex: t.index })),
        outputs: s.outputs.map((t) => ({ ...strip(t), tensor: t.tensorName, tensorIndex: t.index })),
      })),
      operatorCodes: codes,
      metadataEntries,
      ...(tfliteMetadata ? { tfliteMetadata } : {}),
    },
    warnings: m.warnings.result(),
    size: file.size,
    path: file.path,
  };
  if (description !== undefined) info.producer = { name: description };
  if (minRuntime !== undefined) info.runtime = { tfliteMinRuntimeVersion: minRuntime };
  if (quantization) info.quantization = quantization;
  return info;
}

/** Schema 3d: weights in separate files (external_buffer_groups), which must ship with the model. */
async function readExternalGroups(m: TfliteModel, subgraphs: Subgraph[]): Promise<ExternalDataRef[]> {
  const groupsVec = await m.model.vector(8, 'external_buffer_groups', ELEM_OFFSET, TFLITE_LIMITS.externalBuffers);
  if (!groupsVec || groupsVec.length === 0) return [];
  const refs: ExternalDataRef[] = [];
  for (let i = 0; i < groupsVec.length; i++) {
    const g = await tableAt(groupsVec, i, `ExternalBufferGroup[${i}]`);
    refs.push({ location: (await g.string(0, 'name')) ?? '', tensors: [], declaredBytes: 0 });
  }
  const bufVec = await m.model.vector(9, 'external_buffers', ELEM_OFFSET, TFLITE_LIMITS.externalBuffers);
  const groupOfId = new Map<number, number>();
  if (bufVec) {
    for (let i = 0; i < bufVec.length; i++) {
      const b = await tableAt(bufVec, i, `ExternalBuffer[${i}]`);
      const id = await b.scalar(0, 'u32', 0);
      const group = await b.scalar(1, 'u32', 0);
      const ref = refs[group];
      if (!ref)
        m.fb.fail('BAD_INDEX', `ExternalBuffer[${i}] names group ${group}, but there are ${refs.length}`, b.pos);
      ref.declaredBytes = (ref.declaredBytes ?? 0) + (await b.scalar(3, 'u64', 0));
      groupOfId.set(id, group);
    }
  }
  // Name the tensors stored externally, within a visiting budget.
  let budget: number = TFLITE_LIMITS.externalTensorsVisited;
  let undeclared = 0;
  let firstUndeclared = '';
  outer: for (const sg of subgraphs) {
    for (let i = 0; i < sg.tensorCount && sg.tensors; i++) {
      if (budget-- <= 0) {
        m.warn(
          'EXTERNAL_TENSORS_PARTIAL',
          `Only the first ${TFLITE_LIMITS.externalTensorsVisited} tensors were checked for external buffers`,
        );
        break outer;
      }
      const t = await tableAt(sg.tensors, i, `SubGraph[${sg.index}].tensors[${i}]`);
      const ext = await t.scalar(10, 'u32', 0);
      if (ext === 0) continue;
      const group = groupOfId.get(ext);
      if (group === undefined) {
        // One warning for all of them: a broken file can have tens of thousands.
        if (undeclared++ === 0) firstUndeclared = `tensor ${i} of subgraph ${sg.index} → external buffer ${ext}`;
        continue;
      }
      refs[group]!.tensors.push((await t.string(3, 'name')) ?? `tensor_${i}`);
    }
  }
  if (undeclared)
    m.warn(
      'EXTERNAL_BUFFER_MISSING',
      `${undeclared} tensor${undeclared === 1 ? ' refers' : 's refer'} to external buffers that are not declared (first: ${firstUndeclared})`,
    );
  return refs;
}

function quantizationSummary(io: TensorSpec[], codes: OpCode[]): string | undefined {
  const quantized = io.filter((t) => t.quantization && t.quantization.scale.length > 0);
  const types = [...new Set(quantized.map((t) => t.dtype))];
  if (types.length > 0) return `${types.join('/')} (quantized I/O)`;
  if (codes.some((c) => c.name === 'DEQUANTIZE')) return 'float I/O with quantized or float16 weights (DEQUANTIZE ops)';
  if (codes.some((c) => c.name === 'QUANTIZE')) return 'float I/O with quantized internals (QUANTIZE ops)';
  return undefined;
}

export const tfliteReader: FormatReader = {
  format: 'tflite',
  title: 'TensorFlow Lite (FlatBuffer, identifier TFL3)',
  matches: (head, size) =>
    head.length >= 8 &&
    head.toString('latin1', 4, 8) === TFLITE_IDENTIFIER &&
    head.readUInt32LE(0) >= 8 &&
    head.readUInt32LE(0) < size,
  read: readTflite,
};
