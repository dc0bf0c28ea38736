/**
 * JSON.parse with a line/column on failure. V8's messages only sometimes carry a position, so
 * on failure a small scanner (no values built, constant memory) finds where the text goes wrong.
 */
import { SbomError } from '../errors.js';

export function parseJsonText(text: string, file?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text);
    const { line, column } = lineColumn(text, at.offset);
    const where = `${file ? file + ' ' : ''}line ${line}, column ${column}`;
    throw new SbomError('MALFORMED_JSON', `Malformed JSON: ${at.message} at line ${line}, column ${column}`, {
      where,
      hint: 'Fix the JSON syntax (a JSON linter shows the same spot) and try again.',
      cause: e,
    });
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Finds the first syntax error of a JSON text. Iterative (a nesting stack), so deep input cannot overflow. */
export function locateJsonError(s: string): { offset: number; message: string } {
  let i = 0;
  const n = s.length;
  const stack: ('{' | '[')[] = [];
  const ws = () => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (message: string) => ({ offset: i, message });
  const str = (): string | null => {
    // at opening quote
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c === 92) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return 'bad \\u escape';
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return 'bad escape in string';
      } else if (c < 32) return 'control character in string';
      else i++;
    }
    return 'unterminated string';
  };
  const num = (): boolean => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
    if (!m || m[0].length === 0) return false;
    i += m[0].length;
    return true;
  };
  // state: expecting a value
  const value = (): string | null => {
    ws();
    if (i >= n) return 'unexpected end of input (a value was expected)';
    const c = s[i]!;
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      ws();
      if (s[i] === (c === '{' ? '}' : ']')) {
        stack.pop();
        i++;
        return null;
      }
      if (c === '{') return key();
      return value();
    }
    if (c === '"') return str();
    if (s.startsWith('true', i)) return ((i += 4), null);
    if (s.startsWith('false', i)) return ((i += 5), null);
    if (s.startsWith('null', i)) return ((i += 4), null);
    if (c === '-' || (c >= '0' && c <= '9')) return num() ? null : 'bad number';
    return `unexpected character ${JSON.stringify(c)} (a value was expected)`;
  };
  const key = (): string | null => {
    ws();
    if (s[i] !== '"') return i >= n ? 'unexpected end of input (a property name was expected)' : 'a property name in double quotes was expected';
    const e = str();
    if (e) return e;
    ws();
    if (s[i] !== ':') return 'a ":" was expected after the property name';
    i++;
    return value();
  };
  let err = value();
  while (err === null) {
    ws();
    if (stack.length === 0) {
      if (i < n) return fail('unexpected text after the end of the JSON document');
      return { offset: n, message: 'invalid JSON' };
    }
    const top = stack[stack.length - 1]!;
    if (s[i] === ',') {
      i++;
      ws();
      if (s[i] === '}' || s[i] === ']') return fail('trailing comma');
      err = top === '{' ? key() : value();
    } else if ((top === '{' && s[i] === '}') || (top === '[' && s[i] === ']')) {
      stack.pop();
      i++;
    } else if (i >= n) {
      return fail(`unexpected end of input (an unclosed ${top === '{' ? 'object' : 'array'})`);
    } else {
      return fail(`a "," or "${top === '{' ? '}' : ']'}" was expected`);
    }
  }
  return fail(err);
}
