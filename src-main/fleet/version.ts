/**
 * Version handling for runtime versions. Ranges go through the `semver` package; the dotted
 * helpers exist because TensorRT versions have four parts (8.5.2.2) and equality must look at
 * all of them, which semver cannot express.
 */
import semver from 'semver';

/** Numeric parts of a dotted version ('8.5.2.2' → [8,5,2,2]); undefined when not a version. */
export function parseDotted(v: string): number[] | undefined {
  const m = /^\s*v?(\d+(?:\.\d+)*)/.exec(v);
  if (!m) return undefined;
  return m[1]!.split('.').map(Number);
}

/** Compares dotted versions, missing parts as 0: -1, 0, 1; undefined when either is not a version. */
export function compareDotted(a: string, b: string): number | undefined {
  const pa = parseDotted(a);
  const pb = parseDotted(b);
  if (!pa || !pb) return undefined;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Exact match on every part both sides state. 'partial' when they agree but one side states
 * fewer parts (e.g. device '8.2.1' vs engine '8.2.1.8'): the build number cannot be checked.
 */
export function matchExact(a: string, b: string): 'equal' | 'partial' | 'different' | 'invalid' {
  const pa = parseDotted(a);
  const pb = parseDotted(b);
  if (!pa || !pb) return 'invalid';
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) if (pa[i] !== pb[i]) return 'different';
  return pa.length === pb.length ? 'equal' : 'partial';
}

/** Major version number, or undefined. */
export function major(v: string): number | undefined {
  return parseDotted(v)?.[0];
}

/** semver range check on a possibly non-semver version (coerced: '8.5.2.2' → 8.5.2, '14' → 14.0.0). */
export function satisfiesRange(version: string, range: string): boolean | undefined {
  const v = semver.coerce(version);
  if (!v || semver.validRange(range) === null) return undefined;
  return semver.satisfies(v, range);
}
