/**
 * The official JSON schemas, compiled once per version and cached.
 * CycloneDX 1.2–1.7: the copies bundled in @cyclonedx/cyclonedx-library (res/schema), with the
 * SPDX-license-id, JSF and cryptography sub-schemas they $ref registered up front; remote schema
 * loading is disabled. SPDX 2.2/2.3: resources/schema/spdx/spdx-2.3.schema.json (2.2 documents are
 * checked against it too: 2.3 only added optional fields and relaxed required ones).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
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

const SUB_SCHEMAS = ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json'];

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
 * 20k components. The same rule is checked here in O(n) by hashing each item's canonical JSON.
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

function canonical(v: unknown): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

function uniqueItems(this: unknown, enabled: boolean, data: unknown[]): boolean {
  if (!enabled) return true;
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const item = data[i];
    const key = typeof item === 'object' && item !== null ? createHash('sha1').update(canonical(item)).digest('base64') : `${typeof item}:${String(item)}`;
    const j = seen.get(key);
    if (j !== undefined) {
      (uniqueItems as unknown as { errors: unknown[] }).errors = [
        { keyword: 'uniqueItems', message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, params: { i: j, j: i } },
      ];
      return false;
    }
    seen.set(key, i);
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
  let v = compiled.get('spdx-2.3');
  if (!v) {
    v = ajvFor(false).compile(readJson(resourcePath('schema', 'spdx', 'spdx-2.3.schema.json')));
    compiled.set('spdx-2.3', v);
  }
  return v;
}

let spdxIds: Set<string> | undefined;
/** License ids CycloneDX accepts in `license.id` (the SPDX list copy bundled with its schemas). */
export function cycloneDxSpdxIds(): Set<string> {
  return (spdxIds ??= new Set(JSON.parse(readFileSync(join(cdxSchemaDir(), 'spdx.SNAPSHOT.schema.json'), 'utf8')).enum as string[]));
}

export type { ErrorObject };
