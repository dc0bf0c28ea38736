/** The package folder on disk: well-known file names, manifest read/write, hashing, atomic folder builds. */
export {
  MANIFEST_FILE,
  SIGNATURE_FILE,
  SBOM_FILES,
  RESERVED_FILES,
  MAX_MANIFEST_BYTES,
  MAX_JSON_DEPTH,
  MANIFEST_SCHEMA_FILE,
  packagePaths,
  manifestSchemaPath,
  type PackagePaths,
} from './paths.js';
export { parseJson, lineColumn, decodeUtf8, type JsonParseOptions } from './json.js';
export { digestFile, type FileDigest } from './hash.js';
export {
  loadManifest,
  readManifest,
  resolveManifestPath,
  parseManifestText,
  serializeManifest,
  writeManifest,
  writeFileAtomic,
  type LoadedManifest,
} from './manifest-file.js';
export { buildDirAtomic, listPackageFiles, MAX_PACKAGE_FILES, type ReplaceDirOptions } from './folder.js';
export { copyFileHashed } from './hash.js';
