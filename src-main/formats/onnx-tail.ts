/**
 * Finding a graph's inputs and outputs from its end, without walking its weights.
 *
 * Protobuf cannot be parsed backwards in general, but ONNX writers (the C++ and Python protobuf
 * serializers) emit GraphProto fields in field-number order: nodes (1), name (2), initializers
 * (5), then doc_string (10), input (11), output (12), value_info (13), quantization (14),
 * sparse_initializer (15), metadata_props (16). So the graph ends with a run of fields numbered
 * 10..16 in order, right after the last initializer. This module finds where that run starts in
 * a window at the graph's end:
 *
 *  1. Syntax, by dynamic programming from the end: position p "chains" when a field of number
 *     10..16 (wire type 2) starts at p and ends at the graph's end or at a position that chains
 *     with a field number at least as high.
 *  2. Meaning: every input and output in the chain decodes as a ValueInfoProto with a name that
 *     the nodes consume (inputs) or produce (outputs), and a doc_string is UTF-8 text. Weight
 *     bytes that happen to chain cannot pass this: they would have to spell a tensor name the
 *     nodes use.
 *     A chain found inside another chain's first field wins over it: real fields never contain
 *     one, but noise that parses as a field (a "doc_string") can swallow the run's start.
 *  3. Certainty: the earliest such position is the run's start only if the window reaches well
 *     before it (further than any I/O field is long); otherwise the window may have started
 *     inside the run, and a bigger window (or the full walk) is needed.
 *
 * The caller uses the answer as a quick, provisional read (ReadOptions.quick) and confirms it
 * with the full walk once the weights are at hand.
 */
import { isUtf8 } from 'node:buffer';
import { decodeValueInfo } from './onnx-messages.js';

const DOC_STRING = 10;
const INPUT = 11;
const OUTPUT = 12;
/** A window must reach this far before the chosen start (longer than any plausible I/O entry). */
export const TAIL_MARGIN = 256 * 1024;
/** Candidates checked for meaning, and fields visited doing so, before giving up (bounds the work on hostile bytes). */
const MAX_CANDIDATES = 64;
const MAX_FIELDS_VISITED = 1_000_000;

export interface TailNames {
  /** Tensor names consumed by any node (any graph depth: subgraphs use outer values). */
  consumed: ReadonlySet<string>;
  /** Tensor names produced by the main graph's nodes. */
  produced: ReadonlySet<string>;
}

/**
 * `window` holds the graph's bytes [windowStart, graphEnd). Returns the absolute offset where the
 * trailing run of fields 10..16 starts, or undefined when it cannot be told with certainty.
 * `reachesRunStart`: the window starts at the first initializer, so nothing before it can hold I/O.
 */
export function findTailStart(
  window: Uint8Array,
  windowStart: number,
  names: TailNames,
  reachesRunStart: boolean,
): number | undefined {
  const n = window.length;
  // first[p] = field number of the chain starting at p (0 = p does not chain); first[n] = the end.
  const first = new Uint8Array(n + 1);
  const next = new Int32Array(n + 1);
  first[n] = 255;
  for (let p = n - 1; p >= 0; p--) {
    const field = tailFieldAt(window, p);
    if (field === 0) continue;
    const lenAt = p + (field === 16 ? 2 : 1);
    const len = varintAt(window, lenAt, n);
    if (len < 0) continue;
    const q = varintEnd + len;
    if (q > n || first[q] === 0 || first[q]! < field) continue;
    first[p] = field;
    next[p] = q;
  }
  let tried = 0;
  const budget = { fields: MAX_FIELDS_VISITED };
  const check = (p: number): boolean | 'give up' => {
    if (first[p] === 0) return false;
    if (++tried > MAX_CANDIDATES) return 'give up';
    const verdict = meaningful(window, p, next, names, budget);
    return verdict === 'over budget' ? 'give up' : verdict;
  };
  scan: for (let p = 0; p < n; p++) {
    const verdict = check(p);
    if (verdict === 'give up') return undefined;
    if (!verdict) continue;
    // A real field holds no meaningful chain inside it. Weight bytes that happen to parse as a
    // field (a doc_string, say) can swallow the run's true start: then resume from the inner one.
    for (let q = p + 1; q < next[p]!; q++) {
      const inner = check(q);
      if (inner === 'give up') return undefined;
      if (inner) {
        p = q - 1;
        continue scan;
      }
    }
    // The earliest meaningful chain: certain only if the window reaches far enough before it.
    return reachesRunStart || p >= TAIL_MARGIN ? windowStart + p : undefined;
  }
  return undefined;
}

/**
 * Every input/output of the chain from p decodes and is used by the nodes, a doc_string is
 * UTF-8 text, and there is at least one output.
 */
function meaningful(
  window: Uint8Array,
  start: number,
  next: Int32Array,
  names: TailNames,
  budget: { fields: number },
): boolean | 'over budget' {
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (let p = start; p < window.length; p = next[p]!) {
    if (--budget.fields < 0) return 'over budget';
    const field = tailFieldAt(window, p);
    if (field !== DOC_STRING && field !== INPUT && field !== OUTPUT) continue;
    // One-byte tags; the chain was built from these lengths, so they decode.
    const len = varintAt(window, p + 1, window.length);
    const payload = window.subarray(varintEnd, varintEnd + len);
    if (field === DOC_STRING) {
      // Text, unlike the weight bytes a bogus one would be made of.
      if (!isUtf8(payload)) return false;
      continue;
    }
    let name: string | null | undefined;
    try {
      name = decodeValueInfo(payload).name;
    } catch {
      return false;
    }
    if (!name) return false;
    (field === INPUT ? inputs : outputs).push(name);
  }
  if (outputs.length === 0) return false;
  // A graph may pass an input straight through as an output.
  const ins = new Set(inputs);
  const outs = new Set(outputs);
  return (
    inputs.every((x) => names.consumed.has(x) || outs.has(x)) &&
    outputs.every((x) => names.produced.has(x) || ins.has(x))
  );
}

/**
 * The field number (10..16) when a length-delimited tail field's tag starts at p, else 0. Tags
 * 10..15 are one byte (0x52..0x7a), 16 is two (0x82 0x01). This runs for every byte of the window.
 */
function tailFieldAt(b: Uint8Array, p: number): number {
  const t = b[p]!;
  if (t === 0x82) return b[p + 1] === 0x01 ? 16 : 0;
  return t >= 0x52 && t <= 0x7a && (t & 7) === 2 ? t >>> 3 : 0;
}

/** End of the varint varintAt() read last (no allocation per call: it runs for every byte). */
let varintEnd = 0;

/** A base-128 varint of at most 5 bytes (lengths here fit in 32 bits) at `p`, or -1. */
function varintAt(b: Uint8Array, p: number, end: number): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (p + i >= end) return -1;
    const byte = b[p + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      varintEnd = p + i + 1;
      return value;
    }
  }
  return -1;
}
