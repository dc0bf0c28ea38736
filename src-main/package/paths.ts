import { join, resolve } from 'node:path';
import { MANIFEST_FILE, SBOM_FILES, SIGNATURE_FILE } from '../manifest/index.js';

export interface PackagePaths {
  dir: string;
  manifest: string;
  signature: string;
  /** Candidate SBOM paths; which one exists is up to the SBOM domain. */
  sbom: Record<keyof typeof SBOM_FILES, string>;
}

/** Absolute paths of the well-known files in the package folder `dir`. */
export function packagePaths(dir: string): PackagePaths {
  const abs = resolve(dir);
  const sbom = Object.fromEntries(
    Object.entries(SBOM_FILES).map(([k, f]) => [k, join(abs, f)]),
  ) as PackagePaths['sbom'];
  return { dir: abs, manifest: join(abs, MANIFEST_FILE), signature: join(abs, SIGNATURE_FILE), sbom };
}
