import type { ErrorObject } from 'ajv';
import { nextStep, type NextStep } from '../next-steps.js';
import semver from 'semver';
import { Findings } from './findings.js';
import { escapeToken, resolvePointer } from './pointer.js';
import { schemaValidator } from './schema.js';

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the value ${v}`;
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

function typeWords(t: unknown): string {
  const list = (Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x));
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : list[0]!;
}

/** Edit distance, for "did you mean" on unknown fields (short strings only). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

export function closest(word: string, candidates: string[]): string | undefined {
  if (word.length > 64) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = c.toLowerCase() === word.toLowerCase() ? 0 : distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Plain words for a pattern failure, by the field it is on. */
function patternMessage(ptr: string, value: unknown): { code: string; message: string; hint: string } {
  const last = ptr.split('/').pop() ?? '';
  const v = JSON.stringify(value);
  if (ptr === '/version') {
    const c = typeof value === 'string' ? semver.coerce(value)?.version : undefined;
    return {
      code: 'INVALID_VERSION',
      message: `version ${v} is not a semantic version (MAJOR.MINOR.PATCH)`,
      hint: c ? `Did you mean "${c}"?` : 'Use e.g. "1.4.0" or "2.0.0-rc.1" (https://semver.org).',
    };
  }
  if (ptr === '/schemaVersion')
    return {
      code: 'UNSUPPORTED_SCHEMA_VERSION',
      message: `schemaVersion ${v} is not supported`,
      hint: 'This Fleetpack reads schema 1.x manifests; write "1.0".',
    };
  if (ptr === '/name')
    return {
      code: 'INVALID_NAME',
      message: `name ${v} has characters a package name cannot have`,
      hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128).',
    };
  if (ptr === '/channel') {
    const lower = typeof value === 'string' ? value.toLowerCase().replace(/[^a-z0-9-]+/g, '-') : '';
    return {
      code: 'INVALID_CHANNEL',
      message: `channel ${v} is not a valid channel name`,
      hint: `Channels are lower-case letters, digits and "-" (stable, beta, canary or your own)${lower && /^[a-z]/.test(lower) ? `; did you mean "${lower}"?` : '.'}`,
    };
  }
  if (last === 'sha256')
    return {
      code: 'INVALID_DIGEST',
      message: `${ptr} must be 64 lower-case hex digits`,
      hint: 'Write the SHA-256 digest in lower-case hex (`sha256sum FILE`).',
    };
  if (last === 'path')
    return {
      code: 'UNSAFE_PATH',
      message: `${ptr} ${v} is not a safe relative path`,
      hint: 'Use a path relative to the package folder with "/" separators and no "..".',
    };
  if (/^\/licenseRef\/\d+\/id$/.test(ptr))
    return {
      code: 'INVALID_LICENSE_REF',
      message: `licenseRef id ${v} is not of the form LicenseRef-<id>`,
      hint: 'Use "LicenseRef-" followed by letters, digits, "." and "-".',
    };
  if (last === 'computeCapability')
    return {
      code: 'INVALID_VALUE',
      message: `compute capability ${v} must be MAJOR.MINOR`,
      hint: 'e.g. "8.7" for Jetson Orin, "7.2" for Xavier.',
    };
  if (last === 'minRuntimeVersion' || (last === 'version' && ptr.includes('/tensorrt/')))
    return {
      code: 'INVALID_VALUE',
      message: `${ptr} ${v} must be a dotted version number`,
      hint: 'e.g. "2.14.0" or "10.3.0.30".',
    };
  if (/\/target\/profiles\/\d+$/.test(ptr))
    return {
      code: 'INVALID_PROFILE_ID',
      message: `profile id ${v} is not a valid id`,
      hint: 'Profile ids are lower-case, e.g. "nvidia-jetson-orin-nx-16gb".',
    };
  if (last === 'layout')
    return {
      code: 'INVALID_VALUE',
      message: `layout ${v} must be upper-case axis letters`,
      hint: 'e.g. "NCHW" or "NHWC".',
    };
  if (last === 'dtype')
    return {
      code: 'INVALID_VALUE',
      message: `dtype ${v} is not a dtype name`,
      hint: 'Use lower-case numpy-style names (float32, int8, uint8, float16, int64, bool, string) or an ONNX type string like seq(tensor(float32)).',
    };
  return { code: 'INVALID_VALUE', message: `${ptr} ${v} has the wrong form`, hint: '' };
}

function anyOfMessage(schemaPath: string): string {
  if (schemaPath.includes('Dim')) return 'must be a non-negative whole number, a symbolic name or null';
  if (schemaPath.includes('/shape/')) return 'must be a list of dimensions, or null when the rank is unknown';
  if (schemaPath.includes('licenseRef')) return 'needs a "url" or the license "text"';
  return 'does not match any allowed form';
}

/**
 * Validates against the JSON Schema and turns ajv's errors into findings with plain messages:
 * unknown fields are warnings (kept, not dropped), everything else is an error, all at once.
 */
export function schemaFindings(doc: unknown): Findings {
  const f = new Findings();
  const validate = schemaValidator();
  if (validate(doc)) return f;
  const errs: ErrorObject[] = validate.errors ?? [];
  const anyOfAt = new Set(errs.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  for (const e of errs) {
    const ptr = e.instancePath;
    // An anyOf explains its own branch failures; deeper errors (inside a list) say more, so keep those.
    if (e.keyword !== 'anyOf' && anyOfAt.has(ptr)) continue;
    if (e.keyword === 'anyOf' && errs.some((o) => o.instancePath.startsWith(ptr + '/'))) continue;
    const value = resolvePointer(doc, ptr);
    const at = ptr || '/';
    let code = 'SCHEMA';
    let message: string;
    let hint: string | NextStep = '';
    let warning = false;
    let where = at;
    switch (e.keyword) {
      case 'additionalProperties': {
        const prop = (e.params as { additionalProperty: string }).additionalProperty;
        where = `${ptr}/${escapeToken(prop)}`;
        const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const guess = closest(prop, known);
        warning = true;
        code = 'UNKNOWN_FIELD';
        message = `Unknown field "${prop}"${ptr ? ` in ${ptr}` : ''}; it is kept but Fleetpack does not use it`;
        hint = guess ? `Did you mean "${guess}"?` : 'Check the spelling, or prefix custom fields with "x-".';
        break;
      }
      case 'required': {
        const prop = (e.params as { missingProperty: string }).missingProperty;
        where = `${ptr}/${escapeToken(prop)}`;
        code = 'MISSING_FIELD';
        message = `Missing required field "${prop}"${ptr ? ` in ${ptr}` : ''}`;
        hint = nextStep('ADD_REQUIRED_FIELD', prop);
        break;
      }
      case 'type':
        code = 'WRONG_TYPE';
        message = `${at} must be ${typeWords((e.params as { type: unknown }).type)}, found ${describe(value)}`;
        hint = `Write ${ptr.split('/').pop() || 'the manifest'} as ${typeWords((e.params as { type: unknown }).type)}${typeof value === 'number' && (e.params as { type: unknown }).type === 'string' ? ` (in quotes: "${String(value)}")` : ''}.`;
        break;
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
        code = 'INVALID_VALUE';
        message = `${at} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, found ${describe(value)}`;
        const g = typeof value === 'string' ? closest(value, allowed.map(String)) : undefined;
        if (g) hint = `Did you mean "${g}"?`;
        break;
      }
      case 'pattern':
        ({ code, message, hint } = patternMessage(ptr, value));
        break;
      case 'format':
        code = 'INVALID_VALUE';
        message = `${at} must be a valid ${(e.params as { format: string }).format === 'uri' ? 'URL' : (e.params as { format: string }).format}, found ${describe(value)}`;
        break;
      case 'minLength':
        code = 'EMPTY_VALUE';
        message = `${at} must not be empty`;
        break;
      case 'minimum':
      case 'exclusiveMinimum':
        code = 'OUT_OF_RANGE';
        message = `${at} must be ${e.keyword === 'minimum' ? 'at least' : 'greater than'} ${(e.params as { limit: number }).limit}, found ${describe(value)}`;
        break;
      case 'minItems':
      case 'maxItems':
        code = 'WRONG_LENGTH';
        message = ptr.endsWith('/valueRange')
          ? `${at} must be [min, max]`
          : `${at} must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${(e.params as { limit: number }).limit} item(s)`;
        break;
      case 'anyOf':
        code = ptr.includes('/shape') ? 'INVALID_SHAPE' : 'INVALID_VALUE';
        message = `${at} ${anyOfMessage(e.schemaPath)}`;
        break;
      default:
        message = `${at} ${e.message ?? 'is invalid'}`;
    }
    const key = `${code}|${where}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (warning) f.warn(code, where, message, hint);
    else f.error(code, where, message, hint);
  }
  return f;
}
