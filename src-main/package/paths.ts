import { join, resolve } from 'node:path';
import { resourcePath } from '../resources.js';

/** The manifest inside a package folder. */
export const MANIFEST_FILE = 'fleetpack.json';
/** The OpenSSF Model Signing bundle over every other file. */
export const SIGNATURE_FILE = 'model.sig';
/** Names an attached SBOM is stored under, by format (the SBOM domain picks one). */
export const SBOM_FILES = {
  cyclonedxJson: 'sbom.cdx.json',
  cyclonedxXml: 'sbom.cdx.xml',
  spdxJson: 'sbom.spdx.json',
  spdxTagValue: 'sbom.spdx',
  spdx3Json: 'sbom.spdx3.json',
} as const;
/** Files with a fixed meaning in a package; an artifact file may not use these names. */
export const RESERVED_FILES: readonly string[] = [MANIFEST_FILE, SIGNATURE_FILE, ...Object.values(SBOM_FILES)];

/** Largest manifest we read (a real one is a few KB; this bounds memory for hostile input). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of objects/arrays we accept in a manifest (the schema needs about 6). */
export const MAX_JSON_DEPTH = 64;

export const MANIFEST_SCHEMA_FILE = 'fleetpack-manifest.schema.json';

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

/** Absolute path of the published manifest JSON Schema. */
export function manifestSchemaPath(): string {
  return resourcePath('schema', MANIFEST_SCHEMA_FILE);
}
