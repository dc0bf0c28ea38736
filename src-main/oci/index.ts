/**
 * OCI: a package as OCI content. The public surface for the CLI, the Studio and the platform.
 *
 * - Packages: pushPackage (folder → registry or layout), pullPackage (→ folder), resolveReference
 *   (tag → digest + summary, no layer read), copyArtifact (layout ↔ registry, air gap).
 * - Stores (one interface, ContentStore): RegistryRepository (registry client over fetch) and
 *   OciLayout (image layout on disk, also a content-addressed blob store). Every read is verified
 *   against its digest; every call takes an AbortSignal and reports bytes for progress.
 * - References, credentials (keychain / Docker config), media types, ModelPack mapping, referrers.
 */
export {
  parseReference,
  formatReference,
  isLoopbackHost,
  isTag,
  registryOrigin,
  type Reference,
  type RegistryReference,
  type LayoutReference,
  type TransportOptions,
} from './reference.js';
export {
  type Descriptor,
  type ImageManifest,
  type ImageIndex,
  type ParsedContent,
  parseContent,
  encodeContent,
} from './content.js';
export { isDigest, parseDigest, sha256Digest, DigestVerifier } from './digest.js';
export * from './media-types.js';
export {
  type ContentStore,
  type BlobSource,
  type BlobPushResult,
  type FetchedManifest,
  type TransferOptions,
  fileSource,
  bytesSource,
} from './store.js';
export { RegistryRepository, type RegistryOptions } from './registry.js';
export { OciLayout, type LayoutOptions } from './layout.js';
export { openStore, sourceReference, type OpenOptions } from './open.js';
export {
  type Credentials,
  type CredentialLookup,
  type CredentialProvider,
  type CredentialSource,
  RegistryCredentialStore,
  REGISTRY_KEYCHAIN_SERVICE,
  defaultCredentials,
  dockerConfigCredentials,
  staticCredentials,
} from './credentials.js';
export { loginRegistry, logoutRegistry, type LoginOptions } from './login.js';
export { DEFAULT_RETRY, type RetryPolicy } from './http.js';
export {
  buildArtifact,
  artifactFiles,
  summarize,
  checkLayerPath,
  type PackageFile,
  type PackageSummary,
  type ModelPackConfig,
  type BuiltArtifact,
  type ArtifactFile,
} from './modelpack.js';
export { attachReferrer, listReferrers, referrerManifest, referrersTag } from './referrers.js';
export { type TransferProgress } from './progress.js';
export {
  pushPackage,
  copyArtifact,
  tagForVersion,
  PackageInvalidError,
  type PushOptions,
  type PushResult,
  type PushedBlob,
} from './push.js';
export { pullPackage, type PullOptions, type PullResult } from './pull.js';
export { resolveReference, type ResolveResult } from './resolve.js';
export { tarStream, tarSize, untar, type TarEntry } from './tar.js';
