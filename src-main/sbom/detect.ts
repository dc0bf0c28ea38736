/**
 * Reads an SBOM file and works out what it is from its content (never its name):
 * CycloneDX JSON (bomFormat + specVersion) or XML (root <bom> namespace), SPDX 2 JSON
 * (spdxVersion) or tag-value (SPDXVersion line), SPDX 3 JSON-LD (@context spdx.org/rdf/3.x).
 */
import { readFile, stat } from 'node:fs/promises';
import { ioReason, SbomError, throwIfAborted } from '../errors.js';

import { parseSpdxTagValue } from './spdx.js';
import type { ParsedSbom } from './types.js';
import { parseCycloneDxXml, sniffXmlRoot } from './xml.js';
import { decodeUtf8, parseJson } from '../json.js';

/** Refuse documents larger than this: parsing is in memory (a 50 MB SBOM takes ~0.5 GB). */
export const MAX_SBOM_BYTES = 256 * 1024 * 1024;
/** Deepest JSON nesting accepted (nested components and model cards need a few dozen levels). */
export const MAX_SBOM_JSON_DEPTH = 256;

const SPDX3_CONTEXT = /^https:\/\/spdx\.org\/rdf\/(3\.\d+(?:\.\d+)?)\/spdx-context\.jsonld$/;

export interface ReadOptions {
  maxBytes?: number;
  /** Cancels between reading and parsing (CancelledError). */
  signal?: AbortSignal;
}

/** Reads FILE (size-capped) and detects it. */
export async function readSbom(file: string, opts: ReadOptions = {}): Promise<ParsedSbom> {
  return (await readSbomWithBytes(file, opts)).parsed;
}

/** readSbom, also returning the exact bytes that were parsed (attach stores those). */
export async function readSbomWithBytes(
  file: string,
  opts: ReadOptions = {},
): Promise<{ parsed: ParsedSbom; bytes: Buffer }> {
  const max = opts.maxBytes ?? MAX_SBOM_BYTES;
  throwIfAborted(opts.signal);
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new SbomError('NOT_A_FILE', `${file} is not a file`, {
        where: file,
        hint: 'Pass the path of an SBOM file.',
      });
    size = st.size;
  } catch (e) {
    if (e instanceof SbomError) throw e;
    throw new SbomError('SBOM_UNREADABLE', `Cannot read ${file}: ${ioReason(e)}`, {
      where: file,
      hint: 'Check the path and its permissions.',
      cause: e,
    });
  }
  if (size > max) {
    throw new SbomError(
      'SBOM_TOO_LARGE',
      `SBOM is ${(size / 1048576).toFixed(0)} MiB; the limit is ${(max / 1048576).toFixed(0)} MiB`,
      {
        where: file,
        hint: 'Split the SBOM, or drop redundant data (e.g. embedded license texts) before attaching it.',
      },
    );
  }
  const bytes = await readFile(file, opts.signal ? { signal: opts.signal } : {}).catch((e: unknown) => {
    throwIfAborted(opts.signal);
    throw new SbomError('SBOM_UNREADABLE', `Cannot read ${file}: ${ioReason(e)}`, { where: file, cause: e });
  });
  throwIfAborted(opts.signal);
  if (bytes.length > max)
    throw new SbomError(
      'SBOM_TOO_LARGE',
      `SBOM grew past the ${(max / 1048576).toFixed(0)} MiB limit while being read`,
      { where: file },
    );
  return { parsed: parseSbomBytes(bytes, file), bytes };
}

/** Detects and parses an SBOM from raw bytes (UTF-8, BOM tolerated). `file` only labels errors. */
export function parseSbomBytes(bytes: Buffer, file?: string): ParsedSbom {
  return parseSbom(decodeText(bytes, file), file);
}

function decodeText(buf: Buffer, file?: string): string {
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    throw new SbomError('UNSUPPORTED_ENCODING', 'SBOM is UTF-16 encoded', {
      ...(file ? { where: file } : {}),
      hint: 'Save the SBOM as UTF-8.',
    });
  }
  const s = decodeUtf8(buf, file);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** The package folder's JSON reader reports ManifestErrors; an SBOM's problems are SbomErrors. */

/** Detects and parses an SBOM held in memory. `file` only labels errors. */
export function parseSbom(text: string, file?: string): ParsedSbom {
  const at = file ? { where: file } : {};
  const start = /\S/.exec(text);
  if (!start)
    throw new SbomError('NOT_AN_SBOM', 'The file is empty', { ...at, hint: 'Pass a CycloneDX or SPDX document.' });
  const first = text[start.index];
  if (first === '<') {
    const root = sniffXmlRoot(text);
    if (root.name !== 'bom') {
      throw new SbomError(
        'NOT_AN_SBOM',
        `XML document with root <${root.name || '?'}> is not an SBOM format fleetpack knows`,
        {
          ...at,
          hint: 'Supported: CycloneDX JSON/XML 1.2–1.7, SPDX 2.2/2.3 JSON or tag-value, SPDX 3.0 JSON-LD. SPDX RDF/XML is not supported.',
        },
      );
    }
    const x = parseCycloneDxXml(text, file);
    return {
      format: 'cyclonedx',
      encoding: 'xml',
      specVersion: x.specVersion,
      data: x.data,
      notes: x.notes,
      ...(x.xsd ? { xsd: x.xsd } : {}),
    };
  }
  if (first === '{' || first === '[') {
    const doc = parseJson(text, {
      ...(file ? { file } : {}),
      maxDepth: MAX_SBOM_JSON_DEPTH,
      depthHint: `SBOMs nest a few dozen levels at most; this one nests deeper than ${MAX_SBOM_JSON_DEPTH}.`,
    });
    return detectJson(doc, file);
  }
  const tv = /^\s*SPDXVersion\s*:\s*(\S+)/m.exec(text);
  if (tv) {
    const m = /^SPDX-(\d+\.\d+)$/.exec(tv[1]!);
    const data = parseSpdxTagValue(text, file);
    return {
      format: 'spdx',
      encoding: 'tag-value',
      specVersion: m ? m[1]! : tv[1]!,
      data: data.data,
      notes: data.notes,
    };
  }
  throw new SbomError('NOT_AN_SBOM', 'Text that is neither JSON, XML nor SPDX tag-value (no SPDXVersion line)', {
    ...at,
    hint: 'Supported: CycloneDX JSON/XML 1.2–1.7, SPDX 2.2/2.3 JSON or tag-value, SPDX 3.0 JSON-LD.',
  });
}

/** Classifies a parsed JSON document. */
export function detectJson(doc: unknown, file?: string): ParsedSbom {
  const at = file ? { where: file } : {};
  const hint = 'Supported: CycloneDX JSON/XML 1.2–1.7, SPDX 2.2/2.3 JSON or tag-value, SPDX 3.0 JSON-LD.';
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SbomError(
      'NOT_AN_SBOM',
      `JSON ${Array.isArray(doc) ? 'array' : typeof doc} is not an SBOM (an SBOM is a JSON object)`,
      { ...at, hint },
    );
  }
  const o = doc as Record<string, unknown>;
  if ('bomFormat' in o) {
    if (o.bomFormat !== 'CycloneDX') {
      throw new SbomError(
        'NOT_AN_SBOM',
        `JSON object with bomFormat ${JSON.stringify(o.bomFormat)}; CycloneDX documents say "CycloneDX"`,
        { ...at, hint },
      );
    }
    const v =
      typeof o.specVersion === 'string'
        ? o.specVersion
        : typeof o.specVersion === 'number'
          ? String(o.specVersion)
          : '';
    return { format: 'cyclonedx', encoding: 'json', specVersion: v, data: o, notes: [] };
  }
  if ('spdxVersion' in o) {
    const raw = String(o.spdxVersion);
    const m = /^SPDX-(\d+\.\d+)$/.exec(raw);
    return { format: 'spdx', encoding: 'json', specVersion: m ? m[1]! : raw, data: o, notes: [] };
  }
  if ('@context' in o) {
    const ctx = ([] as unknown[]).concat(o['@context']);
    for (const c of ctx) {
      const m = typeof c === 'string' ? SPDX3_CONTEXT.exec(c) : null;
      if (m) return { format: 'spdx', encoding: 'json-ld', specVersion: spdx3Version(o) ?? m[1]!, data: o, notes: [] };
    }
    throw new SbomError(
      'NOT_AN_SBOM',
      `JSON-LD document whose @context (${JSON.stringify(o['@context']).slice(0, 120)}) is not SPDX 3`,
      { ...at, hint },
    );
  }
  const keys = Object.keys(o).slice(0, 8);
  throw new SbomError(
    'NOT_AN_SBOM',
    `JSON object without bomFormat/spdxVersion/@context (top-level keys: ${keys.length ? keys.join(', ') : 'none'})`,
    { ...at, hint },
  );
}

/** The specVersion of the first CreationInfo of an SPDX 3 graph, when there is one. */
function spdx3Version(o: Record<string, unknown>): string | undefined {
  const graph = Array.isArray(o['@graph']) ? (o['@graph'] as unknown[]) : [o];
  for (const el of graph) {
    if (typeof el !== 'object' || el === null) continue;
    const e = el as Record<string, unknown>;
    const ci = e.type === 'CreationInfo' ? e : (e.creationInfo as Record<string, unknown> | undefined);
    if (ci && typeof ci === 'object' && typeof ci.specVersion === 'string') return ci.specVersion;
  }
  return undefined;
}
