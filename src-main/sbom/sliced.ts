/**
 * JSON-schema validation whose work is bounded by the document's size, not by its error count,
 * and stops at the issue cap.
 *
 * Ajv with allErrors merges the errors of every call to a separately compiled schema (a recursive
 * `$ref` such as CycloneDX's component) with `vErrors.concat(…)`, copying everything collected so
 * far: 60,000 components with one error each took 155 s. So big arrays are not handed to Ajv
 * whole: the object holding them is validated with those arrays emptied, their own constraints
 * (minItems, maxItems, uniqueItems) are checked here, and each item is validated on its own against
 * the items schema — recursively, so nested big arrays are sliced too. Every call then starts with
 * no errors, the total work is linear, and the loop stops once the cap is reached.
 *
 * Only "plain" parts of a schema are sliced: an object schema whose combinators (allOf, anyOf, if,
 * …) do not mention the property, and an array schema with nothing but items / minItems / maxItems
 * / uniqueItems and annotations. Anything else is validated whole, as before — same verdict.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { pointer as escape, resolvePointer } from '../manifest/index.js';
import type { IssueList } from './issues.js';
import { firstDuplicate, schemaErrorMessage, UNIQUE, validatorAt, type SchemaSource } from './schemas.js';

/** Arrays at least this long are validated item by item. */
export const SLICE_AT = 64;

const ARRAY_KEYS = new Set([
  'type',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  UNIQUE,
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
]);
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default', 'deprecated']);
const COMBINATORS = [
  'allOf',
  'anyOf',
  'oneOf',
  'if',
  'then',
  'else',
  'not',
  'dependencies',
  'dependentSchemas',
  'dependentRequired',
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

interface SlicedArray {
  /** Pointer of the items schema. */
  items: string;
  minItems?: number;
  maxItems?: number;
  unique: boolean;
}
/** Per schema pointer: the properties whose arrays may be sliced (null: none). */
type Plan = Map<string, SlicedArray> | null;
const plans = new WeakMap<SchemaSource, Map<string, Plan>>();

/** Validates `data` against the schema part at `ptr` of `src`, pushing SCHEMA issues into `issues`. */
export function validateSliced(
  src: SchemaSource,
  data: unknown,
  issues: IssueList,
  opts: { ptr?: string; sliceAt?: number } = {},
): void {
  run(src, opts.ptr ?? '', data, '', issues, opts.sliceAt ?? SLICE_AT);
}

function run(src: SchemaSource, ptr: string, data: unknown, path: string, issues: IssueList, sliceAt: number): void {
  if (issues.isFull()) return;
  const p = isObj(data) ? plan(src, ptr) : null;
  const big: [string, SlicedArray, unknown[]][] = [];
  if (p && isObj(data))
    for (const [k, a] of p) {
      const v = data[k];
      if (Array.isArray(v) && v.length >= sliceAt) big.push([k, a, v]);
    }
  const v = validatorAt(src, ptr);
  if (big.length === 0) return report(v, data, path, issues);
  const skeleton: Obj = { ...(data as Obj) };
  for (const [k] of big) skeleton[k] = [];
  const emptied = new Set(big.map(([k]) => escape(k)));
  // the emptied arrays' own constraints are checked below, on the real arrays
  report(v, skeleton, path, issues, (e) => !(e.keyword === 'minItems' && emptied.has(e.instancePath)));
  for (const [k, a, arr] of big) {
    const at = path + escape(k);
    const issue = (message: string) => issues.push({ severity: 'error', code: 'SCHEMA', message, pointer: at });
    if (a.minItems !== undefined && arr.length < a.minItems) issue(`must NOT have fewer than ${a.minItems} items`);
    if (a.maxItems !== undefined && arr.length > a.maxItems) issue(`must NOT have more than ${a.maxItems} items`);
    const dup = a.unique ? firstDuplicate(arr) : undefined;
    if (dup) issue(`must NOT have duplicate items (items ## ${dup[0]} and ${dup[1]} are identical)`);
    for (let i = 0; i < arr.length && !issues.isFull(); i++) run(src, a.items, arr[i], `${at}/${i}`, issues, sliceAt);
  }
}

function report(
  v: ValidateFunction,
  data: unknown,
  path: string,
  issues: IssueList,
  keep?: (e: ErrorObject) => boolean,
): void {
  if (v(data)) return;
  for (const e of v.errors ?? []) {
    if (keep && !keep(e)) continue;
    issues.push({ severity: 'error', code: 'SCHEMA', message: schemaErrorMessage(e), pointer: path + e.instancePath });
  }
}

function plan(src: SchemaSource, ptr: string): Plan {
  let cache = plans.get(src);
  if (!cache) plans.set(src, (cache = new Map<string, Plan>()));
  if (cache.has(ptr)) return cache.get(ptr)!;
  const out = makePlan(src, ptr);
  cache.set(ptr, out);
  return out;
}

function makePlan(src: SchemaSource, ptr: string): Plan {
  const at = resolve(src, ptr);
  if (!at || !isObj(at.node.properties)) return null;
  const node = at.node;
  const combinators = JSON.stringify(COMBINATORS.map((k) => node[k] ?? null));
  const out = new Map<string, SlicedArray>();
  for (const k of Object.keys(node.properties as Obj)) {
    if (combinators.includes(JSON.stringify(k))) continue;
    const prop = resolve(src, `${at.ptr}/properties${escape(k)}`);
    if (!prop) continue;
    const a = prop.node;
    if (!Object.keys(a).every((x) => ARRAY_KEYS.has(x)) || !isObj(a.items)) continue;
    if (a.type !== undefined && a.type !== 'array') continue;
    out.set(k, {
      items: `${prop.ptr}/items`,
      ...(typeof a.minItems === 'number' ? { minItems: a.minItems } : {}),
      ...(typeof a.maxItems === 'number' ? { maxItems: a.maxItems } : {}),
      unique: a[UNIQUE] === true || a.uniqueItems === true,
    });
  }
  return out.size ? out : null;
}

/** The schema node at `ptr`, following local `$ref`s that carry nothing but annotations. */
function resolve(src: SchemaSource, ptr: string): { node: Obj; ptr: string } | undefined {
  for (let hops = 0; hops < 32; hops++) {
    const node = resolvePointer(src.root, ptr);
    if (!isObj(node)) return undefined;
    const ref = node.$ref;
    if (typeof ref !== 'string') return { node, ptr };
    if (!ref.startsWith('#') || !Object.keys(node).every((k) => k === '$ref' || ANNOTATIONS.has(k))) return undefined;
    ptr = decodeURIComponent(ref.slice(1));
  }
  return undefined;
}
