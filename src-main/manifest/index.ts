/** The manifest domain: schema, prefill, validation, license, metrics import and diff. */
export * from './types.js';
export { manifestSchema, schemaValidator, schemaErrors, type JsonSchema } from './schema.js';
