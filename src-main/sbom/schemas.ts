/**
 * The official JSON schemas, compiled once per version and cached.
 * CycloneDX 1.2–1.7: the copies bundled in @cyclonedx/cyclonedx-library (res/schema), with the
 * SPDX-license-id, JSF and cryptography sub-schemas they $ref registered up front; remote schema
 * loading is disabled. SPDX 2.2, 2.3 (the 2.3.1 schema) and 3.0.1: the official schemas vendored
 * in resources/schema/spdx (see its README for source and license).
 * Schemas are registered by id, so any part of one can be compiled on its own (validate.ts checks
 * big arrays item by item).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { resourcePath } from '../resources.js';
import { isIriReference } from './iri.js';

export const CYCLONEDX_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'] as const;
export const SPDX2_VERSIONS = ['2.2', '2.3'] as const;
export const SPDX3_VERSIONS = ['3.0.1'] as const;
/** The schema file each SPDX 2 version is checked with (2.3.1 fixes 2.3's enums; same spdxVersion). */
const SPDX2_FILES: Record<string, string> = { '2.2': 'spdx-2.2.schema.json', '2.3': 'spdx-2.3.1.schema.json' };

const require = createRequire(import.meta.url);
let cdxDir: string | undefined;
/** Where @cyclonedx/cyclonedx-library keeps its copies of the official schemas (JSON and XSD). */
export function cdxSchemaDir(): string {
  return (cdxDir ??= join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema'));
}

const SUB_SCHEMAS = [
  'spdx.SNAPSHOT.schema.json',
  'jsf-0.82.SNAPSHOT.schema.json',
  'cryptography-defs.SNAPSHOT.schema.json',
];

/** A registered root schema: compile any part of it with `validatorAt`. */
export interface SchemaSource {
  /** E.g. 'CycloneDX 1.6 JSON schema'. */
  name: string;
  ajv: Ajv | Ajv2019 | Ajv2020;
  /** The id it is registered under. */
  id: string;
  /** The schema as registered (uniqueItems rewritten, see below). */
  root: Record<string, unknown>;
}

const OPTIONS = {
  allErrors: true,
  strict: false,
  strictSchema: false,
  validateFormats: true,
  addUsedSchema: false,
  loadSchema: (uri: string) => Promise.reject(new Error(`Remote schemas are disabled: ${uri}`)),
} as const;

function withFormats<T extends Ajv>(ajv: T): T {
  addFormats(ajv); // full mode
  ajv.addKeyword({ keyword: UNIQUE, type: 'array', schemaType: 'boolean', errors: true, validate: uniqueItems });
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  // ajv-formats has no iri-reference: its full-mode uri-reference, widened to IRI characters (iri.ts)
  ajv.addFormat('iri-reference', isIriReference);
  return ajv;
}

let draft07: Ajv | undefined;
function ajv07(): Ajv {
  if (draft07) return draft07;
  draft07 = withFormats(new Ajv(OPTIONS));
  for (const f of SUB_SCHEMAS) draft07.addSchema(readJson(join(cdxSchemaDir(), f)), `http://cyclonedx.org/schema/${f}`);
  return draft07;
}
let draft2019: Ajv2019 | undefined;
const ajv2019 = () => (draft2019 ??= withFormats(new Ajv2019(OPTIONS)));

const sources = new Map<string, SchemaSource>();

function source(key: string, name: string, ajv: Ajv | Ajv2019 | Ajv2020, file: string): SchemaSource {
  let s = sources.get(key);
  if (s) return s;
  const root = readJson(file);
  const id = typeof root.$id === 'string' ? root.$id : `fleetpack:${key}`;
  ajv.addSchema(root, id);
  s = { name, ajv, id, root };
  sources.set(key, s);
  return s;
}

/** The official JSON schema of a CycloneDX version, or undefined for a version without one. */
export function cycloneDxSchema(version: string): SchemaSource | undefined {
  if (!(CYCLONEDX_VERSIONS as readonly string[]).includes(version)) return undefined;
  const file = join(cdxSchemaDir(), `bom-${version}.SNAPSHOT.schema.json`);
  return source(`cdx-${version}`, `CycloneDX ${version} JSON schema`, ajv07(), file);
}

export function spdx2Schema(version: string): SchemaSource | undefined {
  const f = Object.hasOwn(SPDX2_FILES, version) ? SPDX2_FILES[version] : undefined;
  if (!f) return undefined;
  const name = `SPDX ${version === '2.3' ? '2.3.1' : version} JSON schema`;
  return source(`spdx-${version}`, name, version === '2.2' ? ajv07() : ajv2019(), resourcePath('schema', 'spdx', f));
}

const compiled = new Map<string, ValidateFunction>();
/** The validator for the part of `src` at JSON pointer `ptr` ('' for the whole schema). */
export function validatorAt(src: SchemaSource, ptr: string): ValidateFunction {
  const key = `${src.id}#${ptr}`;
  let v = compiled.get(key);
  if (!v) {
    const fragment = ptr.split('/').map(encodeURIComponent).join('/');
    v = src.ajv.getSchema(ptr ? `${src.id}#${fragment}` : src.id);
    if (!v) throw new Error(`no schema at ${key}`);
    compiled.set(key, v);
  }
  return v;
}

function readJson(path: string): Record<string, unknown> {
  return withFastUniqueItems(JSON.parse(readFileSync(path, 'utf8'))) as Record<string, unknown>;
}

/**
 * Ajv checks `uniqueItems` by comparing every pair of items — O(n²) deep comparisons, minutes for
 * 20k components. The same rule is checked here in about O(n): items are bucketed by a cheap
 * fingerprint and only items in the same bucket are compared.
 */
export const UNIQUE = 'fleetpackUniqueItems';

function withFastUniqueItems(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withFastUniqueItems);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'uniqueItems' && v === true) out[UNIQUE] = true;
    else out[k] = k === 'enum' || k === 'const' || k === 'examples' ? v : withFastUniqueItems(v);
  }
  return out;
}

/**
 * A cheap key that equal values always share (key order ignored; nested values only by shape), so
 * only items that share it need a deep comparison.
 */
function fingerprint(v: unknown): string {
  if (typeof v !== 'object' || v === null) return `${typeof v}:${String(v)}`;
  if (Array.isArray(v)) return `[${v.length}`;
  const o = v as Record<string, unknown>;
  let s = '{';
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    s += `${k}=${typeof x === 'object' && x !== null ? (Array.isArray(x) ? `[${x.length}` : '{') : `${typeof x}:${String(x)}`};`;
  }
  return s;
}

/** Structural equality of JSON values (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  return (
    ka.length === Object.keys(ob).length &&
    ka.every((k) => Object.hasOwn(ob, k) && deepEqual((a as Record<string, unknown>)[k], ob[k]))
  );
}

/** The first pair of equal items (indexes), in about O(n): only items sharing a fingerprint are compared. */
export function firstDuplicate(data: unknown[]): [number, number] | undefined {
  const seen = new Map<string, number[]>();
  for (let i = 0; i < data.length; i++) {
    const key = fingerprint(data[i]);
    const same = seen.get(key);
    const j = same?.find((k) => deepEqual(data[k], data[i]));
    if (j !== undefined) return [j, i];
    if (same) same.push(i);
    else seen.set(key, [i]);
  }
  return undefined;
}

function uniqueItems(this: unknown, enabled: boolean, data: unknown[]): boolean {
  const dup = enabled && data.length > 1 ? firstDuplicate(data) : undefined;
  if (!dup) return true;
  (uniqueItems as unknown as { errors: unknown[] }).errors = [
    {
      keyword: 'uniqueItems',
      message: `must NOT have duplicate items (items ## ${dup[0]} and ${dup[1]} are identical)`,
      params: { i: dup[0], j: dup[1] },
    },
  ];
  return false;
}

export const SPDX3_SCHEMA_KEY = 'https://spdx.org/schema/3.0.1/spdx-json-schema.json';
let spdx3: { ajv: Ajv2020; full: ValidateFunction } | undefined;

/**
 * The official SPDX 3.0.1 JSON schema (draft 2020-12). `full` gives the whole-document verdict
 * with allErrors off (one error, linear time); `ajv` (allErrors on) compiles the per-class
 * validators spdx.ts reports errors with, one object at a time.
 */
export function spdx3Ajv(): { ajv: Ajv2020; full: ValidateFunction } {
  if (spdx3) return spdx3;
  const schema = JSON.parse(readFileSync(resourcePath('schema', 'spdx', 'spdx-3.0.1.schema.json'), 'utf8')) as object;
  const fast = new Ajv2020({ strict: false, validateFormats: true });
  addFormats(fast);
  fast.addSchema(schema, SPDX3_SCHEMA_KEY);
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(schema, SPDX3_SCHEMA_KEY);
  return (spdx3 = { ajv, full: fast.getSchema(SPDX3_SCHEMA_KEY)! });
}

let spdxIds: Set<string> | undefined;
/** License ids CycloneDX accepts in `license.id` (the SPDX list copy bundled with its schemas). */
export function cycloneDxSpdxIds(): Set<string> {
  return (spdxIds ??= new Set(
    (JSON.parse(readFileSync(join(cdxSchemaDir(), 'spdx.SNAPSHOT.schema.json'), 'utf8')) as { enum: string[] }).enum,
  ));
}

/** One line a person can act on, for an Ajv error (the pointer is reported beside it). */
export function schemaErrorMessage(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unexpected property "${String(p.additionalProperty)}"`;
    case 'unevaluatedProperties':
      return `unexpected property "${String(p.unevaluatedProperty)}"`;
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[])
        .map((x) => JSON.stringify(x))
        .join(', ')
        .slice(0, 300)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return e.message ?? e.keyword;
  }
}

export type { ErrorObject };
