/**
 * JSON helpers every folder may use (not tied to one document type): bounded parsing with
 * line/column errors and duplicate-key refusal, strict UTF-8 decoding, and stringify for values.
 */
import { DocumentError } from './errors.js';

/** JSON.stringify as it behaves: the lib types say string, but undefined and functions give undefined. */
const stringify = JSON.stringify as (value: unknown) => string | undefined;

/** `JSON.stringify` for a value inside an array or object: `null` where JSON has no value (undefined, a function). */
export function jsonOrNull(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** Deepest nesting of objects/arrays parseJson accepts unless told otherwise (a manifest needs about 6). */
export const MAX_JSON_DEPTH = 64;

export interface JsonParseOptions {
  /** Shown in messages (`where`). */
  file?: string;
  maxDepth?: number;
  /** What to do about a document nested too deeply (the hint of JSON_TOO_DEEP). */
  depthHint?: string;
}

/** 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function where(file: string | undefined, text: string, offset: number): string {
  const { line, column } = lineColumn(text, offset);
  return `${file ?? '<input>'}:${line}:${column}`;
}

/**
 * Rejects nesting deeper than `maxDepth` before JSON.parse sees the text, so hostile input cannot
 * exhaust the stack anywhere downstream. One pass, strings skipped.
 */
function checkDepth(text: string, maxDepth: number, file: string | undefined, hint: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) {
        throw new DocumentError('JSON_TOO_DEEP', `JSON nested deeper than ${maxDepth} levels`, {
          where: where(file, text, i),
          hint,
        });
      }
    } else if (c === 125 || c === 93) depth--;
  }
}

/**
 * JSON.parse with errors a person can act on: DocumentError MALFORMED_JSON with `file:line:column`,
 * DUPLICATE_KEY for a key given twice in one object, and a depth cap. Accepts a leading UTF-8 byte order mark.
 */
export function parseJson(text: string, options: JsonParseOptions = {}): unknown {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  checkDepth(
    src,
    options.maxDepth ?? MAX_JSON_DEPTH,
    options.file,
    options.depthHint ??
      'Real documents nest a few levels; this file is not the kind expected or was generated wrongly.',
  );
  let value: unknown;
  let cause: unknown;
  try {
    value = JSON.parse(src);
  } catch (e) {
    cause = e;
  }
  // V8 does not always say where (e.g. "Unexpected token"), so find the spot ourselves. The same
  // pass rejects duplicate keys, which JSON.parse silently resolves to the last one: two readers
  // of a signed manifest must never disagree about what it says.
  const problem = scanJson(src) ?? (cause === undefined ? undefined : { offset: src.length, reason: 'invalid JSON' });
  if (!problem) return value;
  const { line, column } = lineColumn(src, problem.offset);
  if (problem.duplicate) {
    throw new DocumentError('DUPLICATE_KEY', `Duplicate key at line ${line}, column ${column}: ${problem.reason}`, {
      where: where(options.file, src, problem.offset),
      hint: 'Keep one of the two entries; JSON readers disagree about which one wins.',
    });
  }
  throw new DocumentError('MALFORMED_JSON', `Malformed JSON at line ${line}, column ${column}: ${problem.reason}`, {
    where: where(options.file, src, problem.offset),
    hint: 'Fix the JSON syntax at that position (a missing comma, quote or bracket is the usual cause).',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Where and why `text` is not JSON, or has a key twice in one object: a small recursive-descent
 * checker (depth is already capped, so recursion is bounded). Undefined when the text is fine.
 */
function scanJson(text: string): { offset: number; reason: string; duplicate?: true } | undefined {
  let i = 0;
  class Stop extends Error {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {
      super(reason);
    }
  }
  class DuplicateKey extends Error {
    constructor(
      readonly offset: number,
      readonly key: string,
    ) {
      super(`duplicate key "${key}"`);
    }
  }
  const advance = (): void => {
    i++;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const got = () => (i >= text.length ? 'end of input' : `"${text[i]}"`);
  const fail = (want: string): never => {
    throw new Stop(i, `expected ${want}, found ${got()}`);
  };
  const string = () => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) throw new Stop(i, 'control character in a string (escape it, e.g. \\n)');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) throw new Stop(i, 'bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) throw new Stop(i, 'bad escape in a string');
      }
      i++;
    }
    if (i >= text.length) throw new Stop(i, 'unterminated string');
    i++;
    return start;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return advance();
      const keys = new Set<string>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a double-quoted property name');
        const start = string();
        const key = JSON.parse(text.slice(start, i)) as string;
        if (keys.has(key)) throw new DuplicateKey(start, key);
        keys.add(key);
        ws();
        if (text[i] !== ':') fail('":"');
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return advance();
        fail('"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return advance();
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return advance();
        fail('"," or "]"');
      }
    }
    if (c === '"') return void string();
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!lit) fail('a value');
    i += lit![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail('end of input');
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason };
    if (e instanceof DuplicateKey)
      return {
        offset: e.offset,
        reason: `the key ${JSON.stringify(e.key)} appears twice in one object`,
        duplicate: true,
      };
    throw e;
  }
  return undefined;
}

/** Decodes bytes as UTF-8, refusing invalid sequences instead of silently replacing them. */
export function decodeUtf8(bytes: Uint8Array, file?: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new DocumentError('NOT_UTF8', `${file ?? 'Input'} is not valid UTF-8 text`, {
      ...(file === undefined ? {} : { where: file }),
      hint: 'Save the file as UTF-8 JSON.',
      cause: e,
    });
  }
}
