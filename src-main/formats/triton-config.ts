/**
 * Triton Inference Server model configuration (`config.pbtxt`, protobuf text format of
 * ModelConfig): a small tolerant text-format parser plus the mapping of its input/output blocks
 * to TensorSpecs. Used as the I/O companion of a TensorRT engine.
 */
import { FormatError } from '../errors.js';
import type { DType, PreprocessingHint, TensorSpec } from './types.js';

/** A parsed text-format message: every field name maps to its values, in order (repeated fields). */
export interface TextMessage {
  fields: Map<string, TextValue[]>;
}
export type TextValue = string | number | TextMessage;

const MAX_DEPTH = 64;
const MAX_TOKENS = 1_000_000;

/** Triton DataType → dtype name. */
export const TRITON_DTYPES: Readonly<Record<string, DType>> = {
  TYPE_BOOL: 'bool',
  TYPE_UINT8: 'uint8',
  TYPE_UINT16: 'uint16',
  TYPE_UINT32: 'uint32',
  TYPE_UINT64: 'uint64',
  TYPE_INT8: 'int8',
  TYPE_INT16: 'int16',
  TYPE_INT32: 'int32',
  TYPE_INT64: 'int64',
  TYPE_FP16: 'float16',
  TYPE_FP32: 'float32',
  TYPE_FP64: 'float64',
  TYPE_STRING: 'string',
  TYPE_BF16: 'bfloat16',
};

type Token = { kind: 'ident' | 'number' | 'string' | 'punct'; text: string; value?: string | number; at: number };

class TextFormatParser {
  private tokens: Token[] = [];
  private i = 0;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    this.tokenize();
  }

  private fail(message: string, at: number): never {
    const before = this.src.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    throw new FormatError('BAD_TRITON_CONFIG', `${message} (line ${line}, column ${col})`, {
      file: this.file,
      offset: Buffer.byteLength(before, 'utf8'),
      hint: 'Check the config.pbtxt syntax (protobuf text format), e.g. with `tritonserver --model-repository` or a text-format linter.',
    });
  }

  private tokenize(): void {
    const s = this.src;
    let p = 0;
    while (p < s.length) {
      const c = s[p]!;
      if (c === '#') {
        while (p < s.length && s[p] !== '\n') p++;
        continue;
      }
      if (/\s/.test(c)) {
        p++;
        continue;
      }
      if (this.tokens.length >= MAX_TOKENS) this.fail(`more than ${MAX_TOKENS} tokens`, p);
      const start = p;
      if (c === '"' || c === "'") {
        let out = '';
        p++;
        for (;;) {
          if (p >= s.length || s[p] === '\n') this.fail('unterminated string', start);
          const ch = s[p]!;
          if (ch === c) break;
          if (ch === '\\') {
            const e = s[p + 1];
            const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
            const escaped = e === undefined ? undefined : map[e];
            if (escaped !== undefined) {
              out += escaped;
              p += 2;
              continue;
            }
            this.fail(`unsupported escape \\${e ?? ''}`, p);
          }
          out += ch;
          p++;
        }
        p++;
        this.tokens.push({ kind: 'string', text: s.slice(start, p), value: out, at: start });
        // Adjacent string literals concatenate, as in protobuf text format.
        const prev = this.tokens[this.tokens.length - 2];
        if (prev?.kind === 'string' && prev.at !== start && this.adjacentStrings(prev, start)) {
          prev.value = `${String(prev.value)}${out}`;
          this.tokens.pop();
        }
        continue;
      }
      const num = /^[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?/.exec(s.slice(p, p + 64));
      if (num && (c === '-' || c === '+' || c === '.' || /\d/.test(c))) {
        const text = num[0];
        const value = /^[-+]?0[xX]/.test(text) ? Number.parseInt(text, 16) : Number.parseFloat(text);
        p += text.length;
        this.tokens.push({ kind: 'number', text, value, at: start });
        continue;
      }
      const ident = /^[A-Za-z_][A-Za-z0-9_./]*/.exec(s.slice(p, p + 512));
      if (ident) {
        p += ident[0].length;
        this.tokens.push({ kind: 'ident', text: ident[0], at: start });
        continue;
      }
      if ('{}[]:,;<>'.includes(c)) {
        p++;
        this.tokens.push({ kind: 'punct', text: c, at: start });
        continue;
      }
      this.fail(`unexpected character ${JSON.stringify(c)}`, p);
    }
  }

  private adjacentStrings(prev: Token, start: number): boolean {
    // Only whitespace between the two literals.
    return /^\s*$/.test(this.src.slice(prev.at + prev.text.length, start));
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private next(what: string): Token {
    const t = this.tokens[this.i++];
    if (!t) this.fail(`unexpected end of file, expected ${what}`, this.src.length);
    return t;
  }
  private expect(text: string): void {
    const t = this.next(`'${text}'`);
    if (t.text !== text) this.fail(`expected '${text}', found '${t.text}'`, t.at);
  }

  parse(): TextMessage {
    const msg = this.message(0, null);
    return msg;
  }

  private message(depth: number, close: string | null): TextMessage {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`, this.peek()?.at ?? this.src.length);
    const fields = new Map<string, TextValue[]>();
    for (;;) {
      const t = this.peek();
      if (!t) {
        if (close !== null) this.fail(`missing '${close}'`, this.src.length);
        return { fields };
      }
      if (close !== null && t.text === close && t.kind === 'punct') {
        this.i++;
        return { fields };
      }
      if (t.kind === 'punct' && (t.text === ',' || t.text === ';')) {
        this.i++;
        continue;
      }
      if (t.kind !== 'ident') this.fail(`expected a field name, found '${t.text}'`, t.at);
      this.i++;
      const values = fields.get(t.text) ?? [];
      fields.set(t.text, values);
      const colon = this.peek();
      if (colon?.text === ':') this.i++;
      values.push(...this.value(depth));
    }
  }

  /** One value, or the elements of a `[ … ]` list. */
  private value(depth: number): TextValue[] {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`, this.peek()?.at ?? this.src.length);
    const t = this.next('a value');
    if (t.kind === 'punct' && (t.text === '{' || t.text === '<'))
      return [this.message(depth + 1, t.text === '{' ? '}' : '>')];
    if (t.kind === 'punct' && t.text === '[') {
      const out: TextValue[] = [];
      for (;;) {
        const n = this.peek();
        if (!n) this.fail("missing ']'", this.src.length);
        if (n.text === ']' && n.kind === 'punct') {
          this.i++;
          return out;
        }
        if (n.text === ',' && n.kind === 'punct') {
          this.i++;
          continue;
        }
        out.push(...this.value(depth + 1));
      }
    }
    if (t.kind === 'number' || t.kind === 'string') return [t.value!];
    if (t.kind === 'ident') {
      // A negative enum/ident is not valid; plain identifiers are enum values or true/false.
      return [t.text];
    }
    this.fail(`unexpected '${t.text}'`, t.at);
  }
}

/** Parses protobuf text format into a generic message tree. */
export function parseTextFormat(text: string, file = 'config.pbtxt'): TextMessage {
  return new TextFormatParser(text, file).parse();
}

export interface TritonConfig {
  name?: string;
  platform?: string;
  backend?: string;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessingHints: PreprocessingHint[];
  /** cc_model_filenames: compute capability → model file, when the repository pins GPUs. */
  computeCapabilities: Record<string, string>;
  defaultModelFilename?: string;
}

function str(m: TextMessage, key: string): string | undefined {
  const v = m.fields.get(key)?.[0];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
function num(m: TextMessage, key: string, file: string): number | undefined {
  const v = m.fields.get(key)?.[0];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new FormatError('BAD_TRITON_CONFIG', `${key} must be a number`, {
      file,
      hint: 'Fix the value in config.pbtxt.',
    });
  }
  return v;
}
function messages(m: TextMessage, key: string): TextMessage[] {
  return (m.fields.get(key) ?? []).filter((v): v is TextMessage => typeof v === 'object');
}

const LAYOUTS: Record<string, string> = { FORMAT_NCHW: 'NCHW', FORMAT_NHWC: 'NHWC' };

function tensor(t: TextMessage, kind: 'input' | 'output', batch: boolean, file: string): TensorSpec {
  const name = str(t, 'name');
  if (!name)
    throw new FormatError('BAD_TRITON_CONFIG', `An ${kind} block has no name`, {
      file,
      hint: `Every ${kind} needs name, data_type and dims.`,
    });
  const dataType = str(t, 'data_type');
  const dtype = dataType ? TRITON_DTYPES[dataType] : undefined;
  if (!dtype) {
    throw new FormatError(
      'BAD_TRITON_CONFIG',
      `${kind} ${name} has data_type ${dataType ?? '(none)'}, not a Triton TYPE_*`,
      {
        file,
        hint: `Use one of ${Object.keys(TRITON_DTYPES).join(', ')}.`,
      },
    );
  }
  const rawDims = t.fields.get('dims') ?? [];
  const dims = rawDims.map((d) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < -1) {
      throw new FormatError('BAD_TRITON_CONFIG', `${kind} ${name} has a bad dim ${JSON.stringify(d)}`, {
        file,
        hint: 'dims are integers; -1 means variable.',
      });
    }
    return d === -1 ? null : d;
  });
  // With max_batch_size > 0 Triton adds the batch dimension in front of the listed dims.
  return { name, dtype, shape: batch ? [null, ...dims] : dims };
}

/** Reads a Triton ModelConfig from config.pbtxt text. */
export function parseTritonConfig(text: string, file = 'config.pbtxt'): TritonConfig {
  const root = parseTextFormat(text, file);
  const maxBatchSize = num(root, 'max_batch_size', file) ?? 0;
  const batch = maxBatchSize > 0;
  const inputBlocks = messages(root, 'input');
  const outputBlocks = messages(root, 'output');
  if (inputBlocks.length === 0 && outputBlocks.length === 0) {
    throw new FormatError('BAD_TRITON_CONFIG', 'The Triton config declares no input or output blocks', {
      file,
      hint: 'Triton can auto-complete TensorRT configs; write them out (`curl localhost:8000/v2/models/NAME/config`) and list input/output explicitly.',
    });
  }
  const preprocessingHints: PreprocessingHint[] = [];
  const inputs = inputBlocks.map((b) => {
    const spec = tensor(b, 'input', batch, file);
    const layout = LAYOUTS[str(b, 'format') ?? ''];
    if (layout) preprocessingHints.push({ input: spec.name, layout, source: 'companion-triton' });
    return spec;
  });
  const computeCapabilities: Record<string, string> = {};
  for (const entry of messages(root, 'cc_model_filenames')) {
    const k = str(entry, 'key');
    const v = str(entry, 'value');
    if (k !== undefined && v !== undefined) computeCapabilities[k] = v;
  }
  const cfg: TritonConfig = {
    maxBatchSize,
    inputs,
    outputs: outputBlocks.map((b) => tensor(b, 'output', batch, file)),
    preprocessingHints,
    computeCapabilities,
  };
  const name = str(root, 'name');
  const platform = str(root, 'platform');
  const backend = str(root, 'backend');
  const defaultModelFilename = str(root, 'default_model_filename');
  if (name !== undefined) cfg.name = name;
  if (platform !== undefined) cfg.platform = platform;
  if (backend !== undefined) cfg.backend = backend;
  if (defaultModelFilename !== undefined) cfg.defaultModelFilename = defaultModelFilename;
  return cfg;
}
