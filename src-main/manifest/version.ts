/**
 * Runtime versions and version ranges, as manifests write them and devices report them: the one
 * parser the manifest checks and the fleet rules share. Versions are dotted numbers of any length
 * (TensorRT reports four parts, 10.3.0.30); a suffix after the numbers ('1.16.3+cu118',
 * '8.6.1.6-1+cuda12.0', '2.16.0rc1') is ignored. A range is either a semver range (the `semver` package:
 * '>=1.17', '^2.14.0', '1.17' = 1.17.x) or an exact version of four parts, which semver cannot
 * express and which must then match on every part.
 */
import semver from 'semver';

/** Numeric parts of a dotted version ('8.5.2.2' → [8,5,2,2]); undefined when not a version. */
export function parseDotted(v: string): number[] | undefined {
  // The numbers may be followed by a suffix ('rc1', '+cu118'), not by a dot: '1.x' is no version.
  const m = /^\s*v?(\d+(?:\.\d+)*)(?![.\d])/.exec(v);
  if (!m) return undefined;
  const parts = m[1]!.split('.').map(Number);
  return parts.every(Number.isSafeInteger) ? parts : undefined;
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

/** A parsed version range: a semver range, or one exact version of four parts. */
export type VersionRange = { kind: 'semver'; range: string } | { kind: 'exact'; version: string };

const FOUR_PARTS = /^\d+\.\d+\.\d+\.\d+$/;

/** Parses a range as the manifest's target.requirements.runtimes writes it; undefined when invalid. */
export function parseRange(range: string): VersionRange | undefined {
  const r = range.trim();
  if (FOUR_PARTS.test(r)) return { kind: 'exact', version: r };
  const valid = semver.validRange(r);
  return valid === null ? undefined : { kind: 'semver', range: valid };
}

/**
 * Whether a device's version satisfies a range: true, false, or undefined when that cannot be
 * told (either side not a version; an exact four-part range and a device that states fewer parts).
 */
export function satisfiesRange(version: string, range: string): boolean | undefined {
  const r = parseRange(range);
  if (!r || !parseDotted(version)) return undefined;
  if (r.kind === 'exact') {
    const m = matchExact(version, r.version);
    return m === 'equal' ? true : m === 'different' ? false : undefined;
  }
  // semver wants three parts: '8.5.2.2' → 8.5.2, '14' → 14.0.0.
  const v = semver.coerce(version);
  return v ? semver.satisfies(v, r.range) : undefined;
}

/**
 * Whether range `a` allows only versions that `b` allows too (a is as narrow or narrower): true,
 * false, or undefined when the two cannot be compared.
 */
export function rangeWithin(a: string, b: string): boolean | undefined {
  const ra = parseRange(a);
  const rb = parseRange(b);
  if (!ra || !rb) return undefined;
  if (ra.kind === 'exact') return rb.kind === 'exact' ? ra.version === rb.version : satisfiesRange(ra.version, b);
  if (rb.kind === 'exact') return false;
  return semver.subset(ra.range, rb.range);
}
