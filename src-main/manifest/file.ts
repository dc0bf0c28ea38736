/**
 * The manifest file: its name in a package folder (and the names reserved beside it), bounded
 * reading, and canonical atomic writing. Building a package folder is package/'s.
 */
import { open, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { DocumentError, errnoOf, type FleetpackError, ManifestError, PackageError } from '../errors.js';
import { decodeUtf8, jsonOrNull, parseJson } from '../json.js';
import { manifestSchema } from './schema.js';
import type { Manifest } from './types.js';

/** The manifest inside a package folder. */
export const MANIFEST_FILE = 'fleetpack.json';
/** The OpenSSF Model Signing bundle over every other file of a package. */
export const SIGNATURE_FILE = 'model.sig';
/** Names an attached SBOM is stored under, by format (the SBOM domain picks one). */
export const SBOM_FILES = {
  cyclonedxJson: 'sbom.cdx.json',
  cyclonedxXml: 'sbom.cdx.xml',
  spdxJson: 'sbom.spdx.json',
  spdxTagValue: 'sbom.spdx',
  spdx3Json: 'sbom.spdx3.json',
} as const;
/** Files with a fixed meaning in a package; an artifact file may not use these names. */
export const RESERVED_FILES: readonly string[] = [MANIFEST_FILE, SIGNATURE_FILE, ...Object.values(SBOM_FILES)];
/** Largest manifest we read (a real one is a few KB; this bounds memory for hostile input). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What to do about a manifest nested too deeply. */
const DEPTH_HINT = 'A manifest is a shallow document; this file is not a Fleetpack manifest or was generated wrongly.';

export interface LoadedManifest {
  /** Parsed JSON, not yet validated: check it with the manifest domain's `validateManifest`. */
  manifest: Manifest;
  /** Absolute path of the manifest file. */
  path: string;
  /** The package folder (the manifest's folder). */
  dir: string;
  /** The file's text as read. */
  text: string;
}

/** Resolves a package folder or a manifest file path to the manifest file. */
export async function resolveManifestPath(dirOrFile: string): Promise<string> {
  const abs = resolve(dirOrFile);
  const st = await stat(abs).catch((e: unknown) => {
    throw new PackageError(
      errnoOf(e) === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE',
      `Cannot open ${abs} (${errnoOf(e) ?? 'error'})`,
      {
        where: abs,
        hint:
          errnoOf(e) === 'ENOENT'
            ? 'Check the path; `fleetpack init MODEL` creates a package folder.'
            : 'Check the permissions.',
        cause: e,
      },
    );
  });
  return st.isDirectory() ? join(abs, MANIFEST_FILE) : abs;
}

/**
 * Reads and parses a manifest (`DIR` or `DIR/fleetpack.json`). Bounded: files over
 * MAX_MANIFEST_BYTES or nested too deeply are refused; malformed JSON reports line and column.
 * Does not validate against the schema (so a validator can report every problem at once).
 */
export async function loadManifest(dirOrFile: string): Promise<LoadedManifest> {
  const path = await resolveManifestPath(dirOrFile);
  const fh = await open(path, 'r').catch((e: unknown) => {
    const missing = errnoOf(e) === 'ENOENT';
    throw new ManifestError(
      missing ? 'MANIFEST_NOT_FOUND' : 'MANIFEST_UNREADABLE',
      `${missing ? 'No manifest at' : 'Cannot read'} ${path}`,
      {
        where: path,
        hint: missing
          ? 'Run `fleetpack init MODEL` to create a package with a manifest.'
          : 'Check the file permissions.',
        cause: e,
      },
    );
  });
  let bytes: Buffer;
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new ManifestError('MANIFEST_NOT_FILE', `${path} is not a regular file`, {
        where: path,
        hint: 'Pass the package folder or its fleetpack.json.',
      });
    if (st.size > MAX_MANIFEST_BYTES) {
      throw new ManifestError(
        'MANIFEST_TOO_LARGE',
        `${path} is ${st.size} bytes; a manifest may be at most ${MAX_MANIFEST_BYTES}`,
        {
          where: path,
          hint: 'This is not a Fleetpack manifest, or it embeds data that belongs in separate files.',
        },
      );
    }
    // Read at most the cap + 1 byte even if the file grows between stat and read.
    const buf = Buffer.alloc(Math.min(st.size, MAX_MANIFEST_BYTES) + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_MANIFEST_BYTES)
      throw new ManifestError('MANIFEST_TOO_LARGE', `${path} is larger than ${MAX_MANIFEST_BYTES} bytes`, {
        where: path,
      });
    bytes = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const text = decodeUtf8(bytes, path);
  const manifest = parseManifestText(text, path);
  return { manifest, path, dir: dirname(path), text };
}

/** Parses manifest text: JSON with line/column errors, and the top level must be an object. */
export function parseManifestText(text: string, file?: string): Manifest {
  if (text.length > MAX_MANIFEST_BYTES) {
    throw new ManifestError('MANIFEST_TOO_LARGE', `Manifest text is longer than ${MAX_MANIFEST_BYTES} characters`, {
      ...(file ? { where: file } : {}),
    });
  }
  const doc = parseJson(text, { ...(file === undefined ? {} : { file }), depthHint: DEPTH_HINT });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ManifestError(
      'MANIFEST_NOT_OBJECT',
      `The manifest must be a JSON object, found ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`,
      {
        where: file ?? '/',
        hint: 'A fleetpack.json starts with `{ "schemaVersion": "1.0", "name": … }`.',
      },
    );
  }
  return doc as Manifest;
}

/** Reads a manifest from a package folder or manifest file (see loadManifest). */
export async function readManifest(dirOrFile: string): Promise<Manifest> {
  return (await loadManifest(dirOrFile)).manifest;
}

// ---- canonical serialization -------------------------------------------------------------

type SchemaNode = Record<string, unknown>;

/** The schema (loaded once, by schema.ts), used here for its property order. */
const schema = (): SchemaNode => manifestSchema();

function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  let n = node;
  for (let i = 0; n && typeof n.$ref === 'string' && i < 8; i++) {
    const name = n.$ref.replace(/^#\/\$defs\//, '');
    n = (schema().$defs as Record<string, SchemaNode> | undefined)?.[name];
  }
  return n;
}

/** The branch of an anyOf that describes `value`'s JSON type, for ordering nested keys. */
function branchFor(node: SchemaNode | undefined, value: unknown): SchemaNode | undefined {
  const n = deref(node);
  if (!n || !Array.isArray(n.anyOf)) return n;
  const want = Array.isArray(value) ? 'array' : typeof value === 'object' && value !== null ? 'object' : undefined;
  return deref((n.anyOf as SchemaNode[]).find((b) => deref(b)?.type === want));
}

function canonical(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) {
    const n = branchFor(node, value);
    const items = n?.items as SchemaNode | undefined;
    return value.map((v) => canonical(v, items));
  }
  if (value === null || typeof value !== 'object') return value;
  const n = branchFor(node, value);
  const props = (n?.properties ?? {}) as Record<string, SchemaNode>;
  const additional = typeof n?.additionalProperties === 'object' ? (n.additionalProperties as SchemaNode) : undefined;
  const obj = value as Record<string, unknown>;
  const known = Object.keys(props).filter((k) => Object.hasOwn(obj, k));
  const rest = Object.keys(obj)
    .filter((k) => !Object.hasOwn(props, k))
    .sort();
  // Object.fromEntries defines own data properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(
    [...known, ...rest].filter((k) => obj[k] !== undefined).map((k) => [k, canonical(obj[k], props[k] ?? additional)]),
  );
}

/**
 * The manifest as written to disk: keys in the schema's order (unknown and `x-` keys after,
 * sorted), undefined values dropped, 2-space indent, trailing newline. Same input, same bytes.
 */
export function serializeManifest(manifest: Manifest): string {
  return pretty(canonical(manifest, schema()), '') + '\n';
}

/** JSON.stringify(v, null, 2), except short arrays of scalars (shapes, mean/std) stay on one line. */
function pretty(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const line = `[${value.map(jsonOrNull).join(', ')}]`;
      if (line.length <= 80) return line;
    }
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return jsonOrNull(value);
}

/**
 * Writes `DIR/fleetpack.json` atomically (temp file in the same folder, fsync, rename), so a
 * reader sees the old manifest or the new one, never half of one. Returns the path written.
 */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const target = join(resolve(dir), MANIFEST_FILE);
  await writeFileAtomic(target, serializeManifest(manifest));
  return target;
}

/**
 * True when `e` (thrown by loadManifest / parseManifestText) means the manifest is unreadable as a
 * document — not UTF-8, not JSON, not an object, too large: the manifest is invalid (exit 1), not
 * an input error.
 */
export function isManifestDocumentError(e: unknown): e is FleetpackError {
  return (
    e instanceof DocumentError ||
    (e instanceof ManifestError && (e.code === 'MANIFEST_NOT_OBJECT' || e.code === 'MANIFEST_TOO_LARGE'))
  );
}
