/**
 * The package folder on disk: building one (init, atomic folder builds), hashing its files (the
 * one parallel hasher) and checking it against its manifest. The manifest file itself, and the
 * names of the well-known files beside it, are manifest/'s.
 */
export { packagePaths, type PackagePaths } from './paths.js';
export {
  hashFiles,
  hashFile,
  type DigestAlgorithm,
  type FileDigest,
  type FileToHash,
  type HashOptions,
  type HashProgress,
} from './hash.js';
export { buildDirAtomic, listPackageFiles, MAX_PACKAGE_FILES, type ReplaceDirOptions } from './folder.js';
export { prefill, hashArtifact, type PrefillOptions } from './prefill.js';
export { initPackage, type InitOptions, type InitResult } from './init.js';
export {
  validatePackage,
  checkArtifactFiles,
  type ValidatePackageOptions,
  type ArtifactCheckOptions,
} from './check.js';
