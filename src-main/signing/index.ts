/**
 * Signing: keys in the OS keychain, OpenSSF Model Signing (OMS v1.0) bundles (hashing is package/'s).
 * The public surface other folders (CLI, Studio) use.
 */
export { Keystore, KEYCHAIN_SERVICE, type KeyInfo, type KeystoreOptions } from './keystore.js';
export { Keychain, type KeychainOptions } from './keychain.js';
export {
  CURVES,
  type Curve,
  generateKey,
  hashForCurve,
  isCurve,
  keyIdOf,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  type Signer,
  signerFromPrivateKeyPem,
} from './keys.js';
export { DEFAULT_IGNORES, DEFAULT_SIGNATURE_NAME } from './ignores.js';
export {
  BUNDLE_MEDIA_TYPE,
  MAX_BUNDLE_BYTES,
  PREDICATE_TYPE,
  parseBundle,
  parseStatement,
  type OmsBundle,
} from './bundle.js';
export {
  signModel,
  verifyModel,
  verifyBundleDigests,
  readBundleClaims,
  type BundleClaims,
  type DigestVerifyOptions,
  type FileStatus,
  type SignOptions,
  type SignProgress,
  type SignResult,
  type SigningWarning,
  type VerifiedFile,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyResult,
} from './oms.js';
