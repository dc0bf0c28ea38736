/**
 * SBOM coverage and compliance over a set of packages (README "SBOM compliance"):
 * an SBOM *counts* for a package when it is schema-valid, passes the reference checks (no
 * error-severity issue) and names the artifact's digest (a component hash equals the manifest's
 * model SHA-256); if the manifest records the SBOM's own sha256, the file must still match it.
 * coverage = packages with a counted SBOM ÷ packages;
 * compliance = packages whose counted SBOM meets the NTIA minimum elements ÷ packages.
 * A folder without fleetpack.json is read as a release folder: its sub-folders that are packages.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FleetpackError, throwIfAborted } from '../errors.js';
import { type Manifest, modelFileEntry, loadManifest, MANIFEST_FILE, SBOM_FILES } from '../manifest/index.js';

import { namesDigest } from './attach.js';
import { parseSbomBytes, readSbomWithBytes } from './detect.js';
import type { NtiaReport } from './types.js';
import { validateParsed } from './validate.js';

export const COMPLIANCE_DEFINITION =
  'An SBOM counts when it is schema-valid, passes the reference checks and names the artifact digest (a component hash equals the manifest model SHA-256). ' +
  'coverage = packages with a counted SBOM / packages; compliance = packages whose counted SBOM meets the NTIA minimum elements / packages.';

export interface PackageCompliance {
  dir: string;
  name?: string;
  version?: string;
  sbom?: { file: string; format: string; specVersion: string };
  counted: boolean;
  compliant: boolean;
  ntia?: Pick<NtiaReport, 'score' | 'meetsMinimum' | 'components'>;
  /** Why it is not counted / not compliant (or notes); empty when all is well. */
  reasons: string[];
}

export interface ComplianceReport {
  definition: string;
  total: number;
  counted: number;
  compliant: number;
  coverage: number;
  compliance: number;
  packages: PackageCompliance[];
}

/** Every package folder named, expanding release folders (folders of packages) one level. */
export async function packageDirs(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs.map((x) => resolve(x))) {
    if (await isFile(join(d, MANIFEST_FILE))) {
      out.push(d);
      continue;
    }
    const entries = await readdir(d, { withFileTypes: true }).catch(() => null);
    const subs = entries
      ? entries
          .filter((e) => e.isDirectory())
          .map((e) => join(d, e.name))
          .sort()
      : [];
    const pkgs: string[] = [];
    for (const s of subs) if (await isFile(join(s, MANIFEST_FILE))) pkgs.push(s);
    // not a package and no packages inside: keep it, so it is reported (and counted) as a package without a manifest
    out.push(...(pkgs.length ? pkgs : [d]));
  }
  return [...new Set(out)];
}

export async function complianceReport(dirs: string[], opts: { signal?: AbortSignal } = {}): Promise<ComplianceReport> {
  const packages: PackageCompliance[] = [];
  for (const d of await packageDirs(dirs)) {
    throwIfAborted(opts.signal);
    packages.push(await packageCompliance(d));
  }
  const total = packages.length;
  const counted = packages.filter((p) => p.counted).length;
  const compliant = packages.filter((p) => p.compliant).length;
  return {
    definition: COMPLIANCE_DEFINITION,
    total,
    counted,
    compliant,
    coverage: total ? counted / total : 0,
    compliance: total ? compliant / total : 0,
    packages,
  };
}

export async function packageCompliance(dir: string): Promise<PackageCompliance> {
  let manifest;
  try {
    manifest = (await loadManifest(dir)).manifest;
  } catch (e) {
    return {
      dir,
      counted: false,
      compliant: false,
      reasons: [`no readable manifest: ${e instanceof FleetpackError ? e.message : String(e)}`],
    };
  }
  let file = manifest.sbom?.file;
  const notes: string[] = [];
  if (!file) {
    for (const f of Object.values(SBOM_FILES)) if (await isFile(join(dir, f))) file = f;
    if (file) notes.push(`${file} is present but not recorded in the manifest (attach it with fleetpack sbom attach)`);
  }
  let bytes: Buffer | undefined;
  if (file) {
    try {
      bytes = (await readSbomWithBytes(join(dir, file))).bytes;
    } catch (e) {
      const res = sbomCompliance(manifest, undefined);
      return {
        ...res,
        dir,
        reasons: [...notes, `SBOM ${file} unreadable: ${e instanceof FleetpackError ? e.message : String(e)}`],
      };
    }
  }
  const res = sbomCompliance(manifest, file && bytes ? { file, bytes } : undefined);
  return { ...res, dir, reasons: [...notes, ...res.reasons] };
}

/**
 * Whether an SBOM counts for a package and meets the NTIA minimum (the definition above), from the
 * manifest and the SBOM's bytes: the same rule for a folder on disk and for a release the platform
 * received. A document that cannot be parsed is reported as a reason, not thrown.
 */
export function sbomCompliance(
  manifest: Manifest,
  sbom: { file: string; bytes: Buffer } | undefined,
): Omit<PackageCompliance, 'dir'> {
  const res: Omit<PackageCompliance, 'dir'> = { counted: false, compliant: false, reasons: [] };
  if (typeof manifest.name === 'string') res.name = manifest.name;
  if (typeof manifest.version === 'string') res.version = manifest.version;
  if (!sbom) {
    res.reasons.push('no SBOM attached');
    return res;
  }
  const { file, bytes } = sbom;
  let parsed;
  try {
    parsed = parseSbomBytes(bytes, file);
  } catch (e) {
    res.reasons.push(`SBOM ${file} unreadable: ${e instanceof FleetpackError ? e.message : String(e)}`);
    return res;
  }
  res.sbom = { file, format: parsed.format, specVersion: parsed.specVersion };
  const v = validateParsed(parsed);
  res.ntia = { score: v.ntia.score, meetsMinimum: v.ntia.meetsMinimum, components: v.ntia.components };
  let counts = true;
  if (
    manifest.sbom?.sha256 &&
    createHash('sha256').update(bytes).digest('hex') !== manifest.sbom.sha256.toLowerCase()
  ) {
    counts = false;
    res.reasons.push(`${file} changed since it was attached (its sha256 differs from manifest.sbom.sha256)`);
  }
  if (!v.valid) {
    counts = false;
    const errors = v.issues.filter((i) => i.severity === 'error');
    res.reasons.push(
      `SBOM invalid: ${errors.length + v.truncated} error(s), e.g. ${errors
        .slice(0, 3)
        .map((i) => `${i.code} ${i.pointer || '/'} ${i.message}`)
        .join('; ')}`,
    );
  }
  const model = modelFileEntry(manifest);
  if (!model?.sha256) {
    counts = false;
    res.reasons.push('the manifest records no model SHA-256 to bind the SBOM to');
  } else if (!namesDigest(parsed, model.sha256)) {
    counts = false;
    res.reasons.push(`the SBOM does not name the artifact digest sha256:${model.sha256.slice(0, 12)}…`);
  }
  res.counted = counts;
  if (counts) {
    res.compliant = v.ntia.meetsMinimum;
    for (const g of v.ntia.gaps.slice(0, 5)) res.reasons.push(`NTIA: ${g.component} lacks ${g.missing.join(', ')}`);
    if (v.ntia.gaps.length > 5) res.reasons.push(`NTIA: … ${v.ntia.gaps.length - 5} more component(s) with gaps`);
  }
  return res;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}
