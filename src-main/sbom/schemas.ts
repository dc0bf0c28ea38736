/**
 * The official JSON schemas, compiled once per version and cached.
 * CycloneDX 1.2–1.7: the copies bundled in @cyclonedx/cyclonedx-library (res/schema), with the
 * SPDX-license-id, JSF and cryptography sub-schemas they $ref registered up front; remote schema
 * loading is disabled. SPDX 2.2, 2.3 and 3.0.1: the official schemas vendored in
 * resources/schema/spdx (see its README for source and license).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { resourcePath } from '../resources.js';

export const CYCLONEDX_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'] as const;
export const SPDX2_VERSIONS = ['2.2', '2.3'] as const;
export const SPDX3_VERSIONS = ['3.0.1'] as const;

const require = createRequire(import.meta.url);
let cdxDir: string | undefined;
function cdxSchemaDir(): string {
  return (cdxDir ??= join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema'));
}

const SUB_SCHEMAS = [
  'spdx.SNAPSHOT.schema.json',
  'jsf-0.82.SNAPSHOT.schema.json',
  'cryptography-defs.SNAPSHOT.schema.json',
];

/** One Ajv per coercion mode: XML-mapped documents carry numbers/booleans as strings. */
const instances = new Map<boolean, Ajv>();
const compiled = new Map<string, ValidateFunction>();

function ajvFor(coerce: boolean): Ajv {
  let ajv = instances.get(coerce);
  if (ajv) return ajv;
  ajv = new Ajv({
    allErrors: true,
    strict: false,
    strictSchema: false,
    validateFormats: true,
    addUsedSchema: false,
    ...(coerce ? { coerceTypes: true } : {}),
    loadSchema: (uri: string) => Promise.reject(new Error(`Remote schemas are disabled: ${uri}`)),
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: UNIQUE, type: 'array', schemaType: 'boolean', errors: true, validate: uniqueItems });
  // idn-email as email, iri-reference accepted as the CycloneDX library does (no working implementation exists)
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  ajv.addFormat('iri-reference', true);
  for (const f of SUB_SCHEMAS) {
    ajv.addSchema(readJson(join(cdxSchemaDir(), f)), `http://cyclonedx.org/schema/${f}`);
  }
  instances.set(coerce, ajv);
  return ajv;
}

function readJson(path: string): Record<string, unknown> {
  return withFastUniqueItems(JSON.parse(readFileSync(path, 'utf8'))) as Record<string, unknown>;
}

/**
 * Ajv checks `uniqueItems` by comparing every pair of items — O(n²) deep comparisons, minutes for
 * 20k components. The same rule is checked here in about O(n): items are bucketed by a cheap
 * fingerprint and only items in the same bucket are compared.
 */
const UNIQUE = 'fleetpackUniqueItems';

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

function deepEqual(a: unknown, b: unknown): boolean {
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

function uniqueItems(this: unknown, enabled: boolean, data: unknown[]): boolean {
  if (!enabled || data.length < 2) return true;
  const seen = new Map<string, number[]>();
  for (let i = 0; i < data.length; i++) {
    const key = fingerprint(data[i]);
    const same = seen.get(key);
    const j = same?.find((k) => deepEqual(data[k], data[i]));
    if (j !== undefined) {
      (uniqueItems as unknown as { errors: unknown[] }).errors = [
        {
          keyword: 'uniqueItems',
          message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
          params: { i: j, j: i },
        },
      ];
      return false;
    }
    if (same) same.push(i);
    else seen.set(key, [i]);
  }
  return true;
}

/** The compiled validator for a CycloneDX version, or undefined for a version with no JSON schema. */
export function cycloneDxValidator(version: string, coerce = false): ValidateFunction | undefined {
  if (!(CYCLONEDX_VERSIONS as readonly string[]).includes(version)) return undefined;
  const key = `cdx-${version}-${coerce}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajvFor(coerce).compile(readJson(join(cdxSchemaDir(), `bom-${version}.SNAPSHOT.schema.json`)));
    compiled.set(key, v);
  }
  return v;
}

export function spdx2Validator(version: string): ValidateFunction | undefined {
  if (!(SPDX2_VERSIONS as readonly string[]).includes(version)) return undefined;
  const key = `spdx-${version}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajvFor(false).compile(readJson(resourcePath('schema', 'spdx', `spdx-${version}.schema.json`)));
    compiled.set(key, v);
  }
  return v;
}

export const SPDX3_SCHEMA_KEY = 'https://spdx.org/schema/3.0.1/spdx-json-schema.json';
let spdx3: { ajv: Ajv2020; full: ValidateFunction } | undefined;

/** The official SPDX 3.0.1 JSON schema (draft 2020-12), compiled once. */
export function spdx3Ajv(): { ajv: Ajv2020; full: ValidateFunction } {
  if (spdx3) return spdx3;
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(
    JSON.parse(readFileSync(resourcePath('schema', 'spdx', 'spdx-3.0.1.schema.json'), 'utf8')) as object,
    SPDX3_SCHEMA_KEY,
  );
  return (spdx3 = { ajv, full: ajv.getSchema(SPDX3_SCHEMA_KEY)! });
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
