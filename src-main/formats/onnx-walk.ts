/**
 * Streaming walk of an ONNX ModelProto (onnx/onnx.proto field numbers; reference/model-formats.md
 * §1). Fields are accepted in any order. Weights (initializer raw_data, typed data) and node
 * payloads nobody needs are skipped by their length prefix; only tags, small headers and the
 * graph inputs/outputs are read. Memory stays at the cursor window plus the collected facts.
 */
import { dtypeBits, onnxDtype } from './dtype.js';
import { decodeEntry, decodeOpset, decodeValueInfo, MessageError, type ValueInfo } from './onnx-messages.js';
import { MAX_WINDOW } from './file.js';
import { findTailStart } from './onnx-tail.js';
import { ProtoCursor, tagOf, WIRE_LEN as LEN, WIRE_VARINT as VARINT } from './proto-cursor.js';
import { Warnings } from './warnings.js';
import { operatorDomain } from './onnx-domains.js';

/** Caps on what the walker keeps; past them the file is treated as corrupt (absurd counts). */
export const LIMITS = {
  /** Largest ValueInfoProto / OperatorSetIdProto / metadata entry decoded whole. */
  smallMessage: 256 * 1024,
  /** Names, op types, domains, producer strings. */
  name: 16 * 1024,
  docString: 64 * 1024,
  metadataValue: 64 * 1024,
  /** Subgraphs inside subgraphs (If / Loop / Scan bodies). */
  graphDepth: 32,
  /** Per-model counts. */
  ioValues: 100_000,
  opsets: 10_000,
  metadataEntries: 10_000,
  opKinds: 10_000,
  tensorDims: 1024,
  /** Total characters of initializer names kept to subtract them from the inputs. */
  initializerNameChars: 64 * 1024 * 1024,
  externalTensorsListed: 10_000,
  /** Total characters of node input/output names kept for a quick read (onnx-tail.ts). */
  nodeNameChars: 64 * 1024 * 1024,
};

/** A quick read skips the initializers only when that saves at least this many bytes. */
export const QUICK_MIN_SKIP = 8 * 1024 * 1024;
/** Tail windows a quick read tries, smallest first. */
const TAIL_WINDOWS = [512 * 1024, MAX_WINDOW];

export interface OpCount {
  domain: string;
  opType: string;
  count: number;
}

export interface ExternalFile {
  location: string;
  tensors: string[];
  tensorCount: number;
  declaredBytes?: number;
}

/** What the walk found, before it is shaped into a ModelInfo. */
export class OnnxScan {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graphName?: string;
  graphDocString?: string;
  graphCount = 0;
  opsets: { domain: string; version: number }[] = [];
  metadata: { key: string; value: string }[] = [];
  inputs: ValueInfo[] = [];
  outputs: ValueInfo[] = [];
  initializerNames = new Set<string>();
  initializerCount = 0;
  sparseInitializerCount = 0;
  nodeCount = 0;
  subgraphCount = 0;
  ops = new Map<string, OpCount>();
  /** Operators called inside local functions' bodies (they run when a function is called). */
  functionOps = new Map<string, OpCount>();
  functions: { domain: string; name: string }[] = [];
  external = new Map<string, ExternalFile>();
  /** Weight elements per dtype over all initializers (main graph and subgraphs). */
  weightElements = new Map<string, number>();
  readonly warnings = new Warnings();
  /** `warn` as a plain function, for the message decoders. */
  readonly warner = this.warnings.add;
  /** Quick read (ReadOptions.quick): skip the initializers if the graph's tail can be found. */
  quickMinSkip: number | undefined;
  /** Node input/output names, kept only for a quick read. */
  consumed = new Set<string>();
  produced = new Set<string>();
  /** Set when a quick read skipped the initializers: the bytes [from, to) were not read. */
  skipped: { from: number; to: number } | undefined;
  private nameChars = 0;
  private nodeNameChars = 0;

  warn(code: string, message: string): void {
    this.warnings.add(code, message);
  }

  addInitializerName(name: string, c: ProtoCursor, at: number): void {
    this.nameChars += name.length;
    if (this.nameChars > LIMITS.initializerNameChars)
      c.fail('TOO_MANY', `Initializer names exceed ${LIMITS.initializerNameChars} characters`, at);
    this.initializerNames.add(name);
  }

  /** Keeps a node's input or output name for a quick read; past the budget the quick read is off. */
  addNodeName(set: Set<string>, name: string): void {
    if (this.quickMinSkip === undefined) return;
    this.nodeNameChars += name.length;
    if (this.nodeNameChars > LIMITS.nodeNameChars) {
      this.quickMinSkip = undefined;
      this.consumed.clear();
      this.produced.clear();
    } else set.add(name);
  }
}

interface TensorHeader {
  name: string;
  dataType: number;
  dims: number[];
  dataLocation: number;
  entries: { key: string; value: string }[];
}

type Where = 'initializer' | 'attribute' | 'sparse';

/**
 * Walks the file's ModelProto from byte 0 to its end. With `quickMinSkip`, the main graph's
 * initializers may be skipped (see onnx-tail.ts); `skipped` then says which bytes were not read.
 */
export async function walkModel(c: ProtoCursor, quickMinSkip?: number): Promise<OnnxScan> {
  const s = new OnnxScan();
  s.quickMinSkip = quickMinSkip;
  const end = c.size;
  c.pos = 0;
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    const at = c.tagAt;
    switch (tag) {
      case tagOf(1, VARINT):
        s.irVersion = c.varint(end);
        break;
      case tagOf(2, LEN):
        s.producerName = await text(c, end, LIMITS.name, s, 'producer_name');
        break;
      case tagOf(3, LEN):
        s.producerVersion = await text(c, end, LIMITS.name, s, 'producer_version');
        break;
      case tagOf(4, LEN):
        s.domain = await text(c, end, LIMITS.name, s, 'domain');
        break;
      case tagOf(5, VARINT):
        s.modelVersion = c.varint(end);
        break;
      case tagOf(6, LEN):
        s.docString = await text(c, end, LIMITS.docString, s, 'doc_string');
        break;
      case tagOf(7, LEN): {
        const gEnd = c.messageEnd(end);
        s.graphCount++;
        await walkGraph(c, gEnd, s, 0);
        c.pos = gEnd;
        break;
      }
      case tagOf(8, LEN): {
        const buf = await small(c, end, 'opset_import');
        if (s.opsets.length >= LIMITS.opsets) c.fail('TOO_MANY', `More than ${LIMITS.opsets} opset imports`, at);
        s.opsets.push(decoded(c, at, () => decodeOpset(buf, s.warner)));
        break;
      }
      case tagOf(14, LEN): {
        if (s.metadata.length >= LIMITS.metadataEntries)
          c.fail('TOO_MANY', `More than ${LIMITS.metadataEntries} metadata_props entries`, at);
        s.metadata.push(await entry(c, end, s, 'metadata_props'));
        break;
      }
      case tagOf(25, LEN): {
        const fEnd = c.messageEnd(end);
        await walkFunction(c, fEnd, s);
        c.pos = fEnd;
        break;
      }
      default:
        c.skip(tag, end);
    }
  }
  return s;
}

/** GraphProto: nodes and initializers are walked for counts and names; inputs/outputs decoded. */
async function walkGraph(c: ProtoCursor, end: number, s: OnnxScan, depth: number): Promise<void> {
  const main = depth === 0;
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    const at = c.tagAt;
    switch (tag) {
      case tagOf(1, LEN): {
        const nEnd = c.messageEnd(end);
        await walkNode(c, nEnd, s, depth);
        c.pos = nEnd;
        break;
      }
      case tagOf(2, LEN):
        if (main) s.graphName = await text(c, end, LIMITS.name, s, 'graph name');
        else c.skip(tag, end);
        break;
      case tagOf(10, LEN):
        if (main) s.graphDocString = await text(c, end, LIMITS.docString, s, 'graph doc_string');
        else c.skip(tag, end);
        break;
      case tagOf(5, LEN): {
        if (main && s.skipped === undefined && s.quickMinSkip !== undefined) {
          const tail = await quickTail(c, at, end, s);
          s.quickMinSkip = undefined; // one try per read
          if (tail !== undefined) {
            s.skipped = { from: at, to: tail };
            c.pos = tail;
            break;
          }
        }
        const tEnd = c.messageEnd(end);
        const t = await walkTensor(c, tEnd, s, 'initializer');
        c.pos = tEnd;
        if (main) {
          s.initializerCount++;
          s.addInitializerName(t.name, c, at);
        }
        break;
      }
      case tagOf(15, LEN): {
        const tEnd = c.messageEnd(end);
        const name = await walkSparseTensor(c, tEnd, s);
        c.pos = tEnd;
        if (main) {
          s.sparseInitializerCount++;
          s.addInitializerName(name, c, at);
        }
        break;
      }
      case tagOf(11, LEN):
      case tagOf(12, LEN): {
        if (!main) {
          c.skip(tag, end);
          break;
        }
        const list = tag === tagOf(11, LEN) ? s.inputs : s.outputs;
        if (list.length >= LIMITS.ioValues)
          c.fail('TOO_MANY', `More than ${LIMITS.ioValues} graph inputs or outputs`, at);
        const role = tag === tagOf(11, LEN) ? 'graph input' : 'graph output';
        const buf = await small(c, end, role);
        list.push(decoded(c, at, () => decodeValueInfo(buf, s.warner, `${role} #${list.length + 1}`)));
        break;
      }
      default:
        c.skip(tag, end);
    }
  }
}

/**
 * The start of the main graph's trailing I/O fields, found from its end (onnx-tail.ts), or
 * undefined to walk the initializers after all. `at` is the first initializer's tag.
 */
async function quickTail(c: ProtoCursor, at: number, end: number, s: OnnxScan): Promise<number | undefined> {
  // Before IR 4 every initializer is also a graph input, so the inputs need the initializer names.
  if (end - at < (s.quickMinSkip ?? Infinity) || (s.irVersion ?? 0) < 4 || s.consumed.size === 0) return undefined;
  for (const size of TAIL_WINDOWS) {
    const from = Math.max(at, end - size);
    const window = await c.file.read(from, end - from, 'ONNX graph tail');
    c.reads++;
    c.bytesRead += window.length;
    const start = findTailStart(window, from, { consumed: s.consumed, produced: s.produced }, from === at);
    if (start !== undefined || from === at) return start;
  }
  return undefined;
}

/**
 * NodeProto: op_type (4) and domain (7) are counted (into `ops`: the graph's, or a function
 * body's); attributes are walked only for subgraphs and tensors.
 */
async function walkNode(
  c: ProtoCursor,
  end: number,
  s: OnnxScan,
  depth: number,
  ops: Map<string, OpCount> = s.ops,
): Promise<void> {
  let opType = '';
  let domain = '';
  const at = c.pos;
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    switch (tag) {
      case tagOf(1, LEN):
      case tagOf(2, LEN):
        if (s.quickMinSkip === undefined || (tag === tagOf(2, LEN) && depth > 0)) c.skip(tag, end);
        else
          s.addNodeName(
            tag === tagOf(1, LEN) ? s.consumed : s.produced,
            await text(c, end, LIMITS.name, s, 'node input/output'),
          );
        break;
      case tagOf(4, LEN):
        opType = await text(c, end, LIMITS.name, s, 'op_type');
        break;
      case tagOf(7, LEN):
        domain = await text(c, end, LIMITS.name, s, 'node domain');
        break;
      case tagOf(5, LEN): {
        const aEnd = c.messageEnd(end);
        await walkAttribute(c, aEnd, s, depth);
        c.pos = aEnd;
        break;
      }
      default:
        c.skip(tag, end);
    }
  }
  if (ops === s.ops) s.nodeCount++;
  const normalized = operatorDomain(domain);
  const key = `${normalized}\u0000${opType}`;
  const op = ops.get(key);
  if (op) op.count++;
  else {
    if (ops.size >= LIMITS.opKinds) c.fail('TOO_MANY', `More than ${LIMITS.opKinds} distinct operator types`, at);
    ops.set(key, { domain: normalized, opType, count: 1 });
  }
}

/** AttributeProto: t (5), tensors (10), g (6), graphs (11), sparse_tensor(s) (22, 23). */
async function walkAttribute(c: ProtoCursor, end: number, s: OnnxScan, depth: number): Promise<void> {
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    const at = c.tagAt;
    switch (tag) {
      case tagOf(5, LEN):
      case tagOf(10, LEN): {
        const tEnd = c.messageEnd(end);
        await walkTensor(c, tEnd, s, 'attribute');
        c.pos = tEnd;
        break;
      }
      case tagOf(22, LEN):
      case tagOf(23, LEN): {
        const tEnd = c.messageEnd(end);
        await walkSparseTensor(c, tEnd, s);
        c.pos = tEnd;
        break;
      }
      case tagOf(6, LEN):
      case tagOf(11, LEN): {
        const gEnd = c.messageEnd(end);
        if (depth + 1 > LIMITS.graphDepth)
          c.fail('TOO_DEEP', `Subgraphs nested deeper than ${LIMITS.graphDepth} levels`, at);
        s.subgraphCount++;
        await walkGraph(c, gEnd, s, depth + 1);
        c.pos = gEnd;
        break;
      }
      default:
        c.skip(tag, end);
    }
  }
}

/**
 * TensorProto header: dims (1), data_type (2), name (8), external_data (13), data_location (14).
 * raw_data (9) and the typed data fields are skipped by their length, so a weight costs one seek.
 */
async function walkTensor(c: ProtoCursor, end: number, s: OnnxScan, where: Where): Promise<TensorHeader> {
  const t: TensorHeader = { name: '', dataType: 0, dims: [], dataLocation: 0, entries: [] };
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    const at = c.tagAt;
    switch (tag) {
      case tagOf(1, VARINT):
        if (t.dims.length >= LIMITS.tensorDims)
          c.fail('TOO_MANY', `A tensor has more than ${LIMITS.tensorDims} dims`, at);
        t.dims.push(c.varint(end));
        break;
      case tagOf(1, LEN): {
        // Packed dims (proto3-style writers).
        const pEnd = c.messageEnd(end);
        while (c.pos < pEnd) {
          if (t.dims.length >= LIMITS.tensorDims)
            c.fail('TOO_MANY', `A tensor has more than ${LIMITS.tensorDims} dims`, at);
          await c.ensure(10, pEnd);
          t.dims.push(c.varint(pEnd));
        }
        break;
      }
      case tagOf(2, VARINT):
        t.dataType = c.varint(end);
        break;
      case tagOf(8, LEN):
        t.name = await text(c, end, LIMITS.name, s, 'tensor name');
        break;
      case tagOf(13, LEN):
        if (t.entries.length >= 64) c.fail('TOO_MANY', 'A tensor has more than 64 external_data entries', at);
        t.entries.push(await entry(c, end, s, 'external_data'));
        break;
      case tagOf(14, VARINT):
        t.dataLocation = c.varint(end);
        break;
      default:
        c.skip(tag, end);
    }
  }
  countWeights(s, t);
  if (t.dataLocation === 1) addExternal(s, t, where);
  return t;
}

/** SparseTensorProto: values (1) carries the name; indices (2) may be external too. */
async function walkSparseTensor(c: ProtoCursor, end: number, s: OnnxScan): Promise<string> {
  let name = '';
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    if (tag === tagOf(1, LEN) || tag === tagOf(2, LEN)) {
      const tEnd = c.messageEnd(end);
      const t = await walkTensor(c, tEnd, s, 'sparse');
      if (tag === tagOf(1, LEN)) name = t.name;
      c.pos = tEnd;
    } else c.skip(tag, end);
  }
  return name;
}

/**
 * FunctionProto: its identity (name 1, domain 10), so calls to it are not "custom", and the
 * operators its body (node 7) calls, which the model needs wherever the function is used.
 */
async function walkFunction(c: ProtoCursor, end: number, s: OnnxScan): Promise<void> {
  let name = '';
  let domain = '';
  while (c.pos < end) {
    const tag = await c.nextTag(end);
    if (tag === tagOf(1, LEN)) name = await text(c, end, LIMITS.name, s, 'function name');
    else if (tag === tagOf(10, LEN)) domain = await text(c, end, LIMITS.name, s, 'function domain');
    else if (tag === tagOf(7, LEN)) {
      const nEnd = c.messageEnd(end);
      await walkNode(c, nEnd, s, 1, s.functionOps);
      c.pos = nEnd;
    } else c.skip(tag, end);
  }
  if (s.functions.length < LIMITS.opKinds) s.functions.push({ domain, name });
}

function countWeights(s: OnnxScan, t: TensorHeader): void {
  const dtype = onnxDtype(t.dataType);
  if (dtypeBits(dtype) === undefined && dtype !== 'string') return;
  const elements = t.dims.reduce((a, d) => a * Math.max(0, d), 1);
  if (Number.isFinite(elements)) s.weightElements.set(dtype, (s.weightElements.get(dtype) ?? 0) + elements);
}

function addExternal(s: OnnxScan, t: TensorHeader, where: Where): void {
  const get = (k: string) => t.entries.findLast((e) => e.key === k)?.value;
  const location = get('location');
  const label = t.name || `(unnamed ${where} tensor)`;
  if (!location) {
    s.warn('EXTERNAL_DATA_NO_LOCATION', `Tensor "${label}" is marked external but names no location`);
    return;
  }
  if (location.startsWith('/') || /^[A-Za-z]:[\\/]/.test(location) || location.split(/[\\/]/).includes('..')) {
    s.warn(
      'EXTERNAL_DATA_PATH',
      `External data location "${location}" leaves the model's folder; the ONNX spec forbids this`,
    );
  }
  let f = s.external.get(location);
  if (!f) {
    if (s.external.size >= LIMITS.externalTensorsListed) return;
    f = { location, tensors: [], tensorCount: 0 };
    s.external.set(location, f);
  }
  f.tensorCount++;
  if (f.tensors.length < LIMITS.externalTensorsListed) f.tensors.push(label);
  const length = get('length');
  if (length !== undefined) {
    const n = Number(length);
    if (/^\d+$/.test(length.trim()) && Number.isSafeInteger(n)) f.declaredBytes = (f.declaredBytes ?? 0) + n;
    else
      s.warn(
        'EXTERNAL_DATA_LENGTH',
        `Tensor "${label}" declares a non-numeric external data length "${length.slice(0, 40)}"`,
      );
  }
}

/** A string field, cut at `cap` bytes with a warning. */
async function text(c: ProtoCursor, end: number, cap: number, s: OnnxScan, what: string): Promise<string> {
  const len = c.length(end);
  const { text: t, truncated } = await c.string(len, cap);
  if (truncated) s.warn('FIELD_TRUNCATED', `${what} is ${len} bytes; only the first ${cap} were read`);
  return t;
}

/** The payload of a small message, read whole (bounded by LIMITS.smallMessage). */
async function small(c: ProtoCursor, end: number, what: string): Promise<Buffer> {
  const at = c.pos;
  const len = c.length(end);
  if (len > LIMITS.smallMessage)
    c.fail('MESSAGE_TOO_LARGE', `${what} at byte ${at} is ${len} bytes; at most ${LIMITS.smallMessage} expected`, at);
  return c.bytes(len, len);
}

/** A StringStringEntryProto: decoded whole when small, otherwise walked with capped strings. */
async function entry(c: ProtoCursor, end: number, s: OnnxScan, what: string): Promise<{ key: string; value: string }> {
  const at = c.pos;
  const len = c.length(end);
  if (len <= LIMITS.metadataValue) {
    const buf = await c.bytes(len, len);
    return decoded(c, at, () => decodeEntry(buf, s.warner));
  }
  const eEnd = c.pos + len;
  let key = '';
  let value = '';
  while (c.pos < eEnd) {
    const tag = await c.nextTag(eEnd);
    if (tag === tagOf(1, LEN)) key = await text(c, eEnd, LIMITS.name, s, `${what} key`);
    else if (tag === tagOf(2, LEN)) value = await text(c, eEnd, LIMITS.metadataValue, s, `${what} value`);
    else c.skip(tag, eEnd);
  }
  return { key, value };
}

/** Runs a message decode (onnx-messages.ts), turning its errors into a FormatError at the message's offset. */
function decoded<T>(c: ProtoCursor, at: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    // The decoders turn every wire problem into a MessageError; anything else is a bug.
    if (e instanceof MessageError) c.fail(e.code, `${e.message} (message at byte ${at})`, at);
    throw e;
  }
}
