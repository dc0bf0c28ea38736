import { ManifestError } from '../errors.js';
import { MAX_JSON_DEPTH } from './paths.js';

export interface JsonParseOptions {
  /** Shown in messages (`where`). */
  file?: string;
  maxDepth?: number;
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
function checkDepth(text: string, maxDepth: number, file: string | undefined): void {
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
        throw new ManifestError('JSON_TOO_DEEP', `JSON nested deeper than ${maxDepth} levels`, {
          where: where(file, text, i),
          hint: 'A manifest is a shallow document; this file is not a Fleetpack manifest or was generated wrongly.',
        });
      }
    } else if (c === 125 || c === 93) depth--;
  }
}

/**
 * JSON.parse with errors a person can act on: ManifestError MALFORMED_JSON with `file:line:column`,
 * and a depth cap. Accepts a leading UTF-8 byte order mark.
 */
export function parseJson(text: string, options: JsonParseOptions = {}): unknown {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  checkDepth(src, options.maxDepth ?? MAX_JSON_DEPTH, options.file);
  try {
    return JSON.parse(src);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const offset = m ? Number(m[1]) : src.length;
    const { line, column } = lineColumn(src, offset);
    // V8 appends its own position text; ours replaces it.
    const reason = msg.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^Unexpected end of JSON input$/, 'Unexpected end of input');
    throw new ManifestError('MALFORMED_JSON', `Malformed JSON at line ${line}, column ${column}: ${reason}`, {
      where: where(options.file, src, offset),
      hint: 'Fix the JSON syntax at that position (a missing comma, quote or bracket is the usual cause).',
      cause: e,
    });
  }
}

/** Decodes bytes as UTF-8, refusing invalid sequences instead of silently replacing them. */
export function decodeUtf8(bytes: Uint8Array, file?: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ManifestError('NOT_UTF8', `${file ?? 'Input'} is not valid UTF-8 text`, {
      ...(file === undefined ? {} : { where: file }),
      hint: 'Save the file as UTF-8 JSON.',
      cause: e,
    });
  }
}
