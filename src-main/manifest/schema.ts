import { readFileSync } from 'node:fs';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ManifestError } from '../errors.js';
import { resourcePath } from '../resources.js';
import { precompiled } from './schema-compiled.js';
import { MANIFEST_SCHEMA_ID } from './types.js';

export type JsonSchema = Record<string, unknown>;

/** The published manifest schema's file name under resources/schema/. */
export const MANIFEST_SCHEMA_FILE = 'fleetpack-manifest.schema.json';

/** Absolute path of the published manifest JSON Schema. */
export function manifestSchemaPath(): string {
  return resourcePath('schema', MANIFEST_SCHEMA_FILE);
}

let doc: JsonSchema | undefined;
let validator: ValidateFunction | undefined;

/** The manifest JSON Schema document (draft 2020-12), as published under its `$id`. */
export function manifestSchema(): JsonSchema {
  if (doc) return doc;
  const path = manifestSchemaPath();
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
  } catch (e) {
    throw new ManifestError('SCHEMA_MISSING', `Cannot load the manifest schema from ${path}`, {
      where: path,
      hint: 'The Fleetpack installation is incomplete; reinstall it or set FLEETPACK_ROOT.',
      cause: e,
    });
  }
  if (doc.$id !== MANIFEST_SCHEMA_ID)
    throw new ManifestError(
      'SCHEMA_MISMATCH',
      `Schema at ${path} has $id ${String(doc.$id)}, expected ${MANIFEST_SCHEMA_ID}`,
      { where: path },
    );
  return doc;
}

/** The validator for the schema (all errors, strict schema checking, verbose errors). */
function compileValidator(source = false): { ajv: Ajv2020; validate: ValidateFunction } {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    verbose: true,
    ...(source ? { code: { source: true, esm: true } } : {}),
  });
  addFormats(ajv);
  return { ajv, validate: ajv.compile(manifestSchema()) };
}

/** The compiled schema validator, built once (or compiled ahead of time into the CLI bundle). */
export function schemaValidator(): ValidateFunction {
  validator ??= precompiled ?? compileValidator().validate;
  return validator;
}

/** ESM source of the validator (ajv standalone code), for the CLI build to bundle precompiled. */
export async function standaloneValidatorCode(): Promise<string> {
  const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
  const { ajv, validate } = compileValidator(true);
  return standaloneCode(ajv, validate);
}

/** Raw ajv errors for a document (empty when it conforms). */
export function schemaErrors(value: unknown): ErrorObject[] {
  const v = schemaValidator();
  return v(value) ? [] : [...(v.errors ?? [])];
}
