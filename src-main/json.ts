/** JSON helpers every folder may use (not tied to one document type). */

/** JSON.stringify as it behaves: the lib types say string, but undefined and functions give undefined. */
const stringify = JSON.stringify as (value: unknown) => string | undefined;

/** `JSON.stringify` for a value inside an array or object: `null` where JSON has no value (undefined, a function). */
export function jsonOrNull(value: unknown): string {
  return stringify(value) ?? 'null';
}
