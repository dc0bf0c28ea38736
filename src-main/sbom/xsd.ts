/**
 * CycloneDX XML against the official XSD of its version, with libxml2 compiled to WebAssembly
 * (libxml2-wasm: no native code, no install-time download, nothing reached outside the process).
 *
 * Hostile input: the parser runs with network access and external entities off and without entity
 * substitution or DTD loading (a DOCTYPE is refused before this point anyway); libxml2's own limits
 * hold (nesting depth 256, text nodes 10 MB). The XSDs are the copies bundled with
 * @cyclonedx/cyclonedx-library; the SPDX license-id schema they import is served from memory, and
 * nothing else can be loaded.
 *
 * Errors are collected by our own handler, not the library's: that one builds an XPath for every
 * error by counting siblings, which is quadratic when many siblings are wrong (380 s for 80,000
 * bad components). Ours keeps message, line and node, counts past the cap, and costs O(1) per error.
 * libxml2 gives validation errors a line only; the column is found by locating the element's start
 * tag in the text (see `startTags`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ParseOption,
  XmlBufferInputProvider,
  XmlDocument,
  XmlParseError,
  XsdValidator,
  xmlRegisterInputProvider,
  type ErrorDetail,
} from 'libxml2-wasm';
import * as raw from 'libxml2-wasm/lib/libxml2.mjs';
import {
  XmlErrorStruct,
  xmlDocGetRootElement,
  XmlTreeCommonStruct,
  xmlSchemaFreeValidCtxt,
  xmlSchemaNewValidCtxt,
  xmlSchemaSetValidStructuredErrors,
  xmlSchemaValidateDoc,
} from 'libxml2-wasm/lib/libxml2.mjs';
import { SbomError } from '../errors.js';
import { IssueList } from './issues.js';
import { cdxSchemaDir } from './schemas.js';
import type { SchemaVerdict } from './types.js';

/** No network, no external entities or DTDs, no entity substitution; line numbers past 65535. */
// A bit set of ParseOption flags (the enum types one flag; libxml2 takes their union).
const PARSE_OPTIONS = (ParseOption.XML_PARSE_NONET |
  ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_BIG_LINES) as ParseOption;
const ELEMENT = 1;
const ATTRIBUTE = 2;
/** libxml2's nesting limit without XML_PARSE_HUGE (CycloneDX needs a few dozen levels). */
export const MAX_XML_DEPTH = 256;

const where = (file: string | undefined, line: number, column?: number) =>
  `${file ? file + ' ' : ''}line ${line}${column ? `, column ${column}` : ''}`;

/** Parses XML with libxml2; malformed or too deeply nested input is a typed error with line and column. */
export function parseXml(text: string, file?: string): XmlDocument {
  try {
    return XmlDocument.fromString(text, { option: PARSE_OPTIONS });
  } catch (e) {
    if (!(e instanceof XmlParseError)) throw e;
    const d: ErrorDetail | undefined = e.details.find((x) => x.level >= 2) ?? e.details[0];
    const line = d?.line ?? 0;
    const col = d?.col ?? 0;
    const msg = (d?.message ?? e.message).trim();
    if (/excessive depth/i.test(msg)) {
      throw new SbomError(
        'XML_TOO_DEEP',
        `XML nests deeper than ${MAX_XML_DEPTH} elements (at line ${line}, column ${col})`,
        {
          where: where(file, line, col),
          hint: `CycloneDX XML nests a few dozen levels at most; this document nests deeper than ${MAX_XML_DEPTH}.`,
        },
      );
    }
    throw new SbomError('MALFORMED_XML', `Malformed XML: ${msg} at line ${line}, column ${col}`, {
      where: where(file, line, col),
      hint: 'Fix the XML syntax (xmllint --noout FILE shows the same spot) and try again.',
    });
  }
}

// ---------------------------------------------------------------- schemas

const validators = new Map<string, XsdValidator>();
let providerRegistered = false;

function xsdFor(version: string): XsdValidator {
  let v = validators.get(version);
  if (v) return v;
  const dir = cdxSchemaDir();
  if (!providerRegistered) {
    // the one document an XSD may pull in: the SPDX license-id schema the bom XSDs import by this name
    xmlRegisterInputProvider(
      new XmlBufferInputProvider({ 'spdx.SNAPSHOT.xsd': readFileSync(join(dir, 'spdx.SNAPSHOT.xsd')) }),
    );
    providerRegistered = true;
  }
  const name = `bom-${version}.SNAPSHOT.xsd`;
  const doc = XmlDocument.fromBuffer(readFileSync(join(dir, name)), { url: name, option: PARSE_OPTIONS });
  try {
    v = XsdValidator.fromDoc(doc);
  } finally {
    doc.dispose();
  }
  validators.set(version, v);
  return v;
}

// ---------------------------------------------------------------- validation

interface RawError {
  message: string;
  /** libxml2's level: 1 warning, 2 error, 3 fatal. */
  level: number;
  line: number;
  /** The element (or attribute) the error is about; 0 when libxml2 names none. */
  node: number;
}

/** The list the current validation collects into (validation is synchronous, so one at a time). */
let collecting: { list: RawError[]; issues: IssueList } | undefined;
let handler: number | undefined;

/** Emscripten's addFunction: exported by libxml2.mjs at run time, left out of its typings. */
const addFunction = (raw as unknown as { addFunction: (fn: (ctx: number, err: number) => void, sig: string) => number })
  .addFunction;

function errorHandler(): number {
  return (handler ??= addFunction((_ctx: number, err: number) => {
    const c = collecting;
    if (!c) return;
    if (c.issues.list.length + c.list.length >= c.issues.cap) {
      c.issues.dropped++;
      return;
    }
    c.list.push({
      message: XmlErrorStruct.message(err),
      level: XmlErrorStruct.level(err),
      line: XmlErrorStruct.line(err),
      node: XmlErrorStruct.node(err),
    });
  }, 'vii'));
}

export type XsdResult = SchemaVerdict;

/**
 * Validates a parsed CycloneDX document against the XSD for `version`. `text` is the exact text
 * that was parsed: it is read to give each error a column.
 */
export function validateXsd(doc: XmlDocument, version: string, text: string, cap?: number): XsdResult {
  const xsd = xsdFor(version);
  const issues = new IssueList(cap);
  const raw: RawError[] = [];
  const ctx = xmlSchemaNewValidCtxt(ptrOf(xsd));
  collecting = { list: raw, issues };
  let ret: number;
  try {
    xmlSchemaSetValidStructuredErrors(ctx, errorHandler(), 0);
    ret = xmlSchemaValidateDoc(ctx, ptrOf(doc));
  } finally {
    collecting = undefined;
    xmlSchemaFreeValidCtxt(ctx);
  }
  if (ret < 0)
    throw new SbomError('XSD_INTERNAL', 'The XSD validator failed on this document (libxml2 internal error)');
  if (ret > 0 && raw.length === 0 && issues.dropped === 0)
    raw.push({ message: 'The document does not satisfy the XSD', level: 2, line: 0, node: 0 });
  const positions = locate(doc, raw, text);
  for (const [i, e] of raw.entries()) {
    const pos = positions[i];
    const line = pos?.line ?? (e.line || undefined);
    const message = tidy(e.message);
    issues.push({
      severity: e.level >= 2 ? 'error' : 'warning',
      code: 'SCHEMA',
      message: line ? `${message} (line ${line}${pos ? `, column ${pos.column}` : ''})` : message,
      pointer: '',
      ...(line ? { line } : {}),
      ...(pos ? { column: pos.column } : {}),
    });
  }
  return { schema: `CycloneDX ${version} XSD`, issues: issues.list, truncated: issues.dropped };
}

/** One line, without the CycloneDX namespace in every element name. */
function tidy(message: string): string {
  return message
    .trim()
    .replace(/\{http:\/\/cyclonedx\.org\/schema\/bom\/\d+\.\d+\}/g, '')
    .replace(/\s*\n\s*/g, ' ');
}

// ---------------------------------------------------------------- line and column

/**
 * Where each error's element starts in `text`. The k-th element of the tree in document order is
 * the k-th start tag of the text, so one walk of the tree numbers the elements the errors name and
 * one scan of the text finds those start tags: O(document) however many errors there are.
 * An error about an attribute points at the attribute inside the start tag.
 */
function locate(doc: XmlDocument, errors: RawError[], text: string): ({ line: number; column: number } | undefined)[] {
  const elementOf = (n: number) => (n && XmlTreeCommonStruct.type(n) === ATTRIBUTE ? XmlTreeCommonStruct.parent(n) : n);
  const wanted = new Set(errors.map((e) => elementOf(e.node)).filter((n) => n !== 0));
  if (wanted.size === 0) return [];
  const ordinal = elementOrdinals(xmlDocGetRootElement(ptrOf(doc)), wanted);
  const tags = startTags(
    text,
    [...new Set(ordinal.values())].sort((a, b) => a - b),
  );
  const at: (number | undefined)[] = errors.map((e) => {
    const k = ordinal.get(elementOf(e.node));
    return k === undefined ? undefined : tags.get(k);
  });
  // line and column in one forward pass: visit the offsets in ascending order
  const order = at.map((_, i) => i).filter((i) => at[i] !== undefined);
  order.sort((a, b) => at[a]! - at[b]!);
  const lines = new LineIndex(text);
  const out: ({ line: number; column: number } | undefined)[] = [];
  for (const i of order) {
    const tag = lines.at(at[i]!);
    // libxml2 dates an element by the line its start tag ends on: never before it starts
    if (errors[i]!.line && tag.line > errors[i]!.line) continue;
    const attr = /attribute '([^']+)'/.exec(errors[i]!.message)?.[1];
    const a = attr === undefined ? undefined : attributeOffset(text, at[i]!, attr);
    out[i] = a === undefined ? tag : new LineIndex(text.slice(at[i], a + 1)).at(a - at[i]!, tag);
  }
  return out;
}

const ptrOf = (x: unknown) => (x as { _ptr: number })._ptr;

/** Document-order index of each wanted element (iterative: no recursion on deep trees). */
function elementOrdinals(root: number, wanted: Set<number>): Map<number, number> {
  const out = new Map<number, number>();
  let k = 0;
  let n = root;
  while (n && out.size < wanted.size) {
    if (XmlTreeCommonStruct.type(n) === ELEMENT) {
      if (wanted.has(n)) out.set(n, k);
      k++;
      const child = XmlTreeCommonStruct.children(n);
      if (child) {
        n = child;
        continue;
      }
    }
    while (n && n !== root && !XmlTreeCommonStruct.next(n)) n = XmlTreeCommonStruct.parent(n);
    if (!n || n === root) break;
    n = XmlTreeCommonStruct.next(n);
  }
  return out;
}

/** Offsets of the start tags with the given document-order indexes (sorted ascending). */
export function startTags(text: string, ordinals: number[]): Map<number, number> {
  const out = new Map<number, number>();
  let k = -1;
  let j = 0;
  let i = text.indexOf('<');
  while (i >= 0 && j < ordinals.length) {
    const c = text.charCodeAt(i + 1);
    let next = i + 1;
    if (c === 0x21 /* ! */) {
      if (text.startsWith('<!--', i)) next = end(text.indexOf('-->', i + 4), 3);
      else if (text.startsWith('<![CDATA[', i)) next = end(text.indexOf(']]>', i + 9), 3);
    } else if (c === 0x3f /* ? */) {
      next = end(text.indexOf('?>', i + 2), 2);
    } else if (c !== 0x2f /* / */) {
      k++;
      if (k === ordinals[j]) {
        out.set(k, i);
        j++;
      }
    }
    if (next < 0) break;
    i = text.indexOf('<', next);
  }
  return out;
}
const end = (found: number, len: number) => (found < 0 ? -1 : found + len);

/** Offset of attribute `name` (local name) within the start tag at `tag`, if it is there. */
function attributeOffset(text: string, tag: number, name: string): number | undefined {
  const local = name.replace(/^\{[^}]*\}/, '');
  let quote = 0;
  for (let i = tag + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e /* > */) return undefined;
    else if ((c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) && isAttr(text, i + 1, local)) return i + 1;
  }
  return undefined;
}
function isAttr(text: string, at: number, local: string): boolean {
  const m = /^(?:[\w.-]+:)?([\w.-]+)\s*=/.exec(text.slice(at, at + local.length + 64));
  return m?.[1] === local;
}

/** Line and column of offsets asked for in ascending order (one pass over the text overall). */
class LineIndex {
  private line = 1;
  private lineStart = 0;
  private pos = 0;
  constructor(private readonly text: string) {}
  /** `from`: the position of the text's start, when the text is a slice of a larger one. */
  at(offset: number, from?: { line: number; column: number }): { line: number; column: number } {
    if (offset < this.pos) throw new Error('LineIndex: offsets must ascend');
    for (let nl = this.text.indexOf('\n', this.pos); nl >= 0 && nl < offset; nl = this.text.indexOf('\n', nl + 1)) {
      this.line++;
      this.lineStart = nl + 1;
    }
    this.pos = offset;
    if (from && this.line === 1) return { line: from.line, column: from.column + offset };
    return { line: (from ? from.line - 1 : 0) + this.line, column: offset - this.lineStart + 1 };
  }
}
