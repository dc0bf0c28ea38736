/**
 * The publisher's OMS signature, checked on the device. When the platform verified a release's
 * `model.sig` at publish, the model file's signed TUF `custom` carries the signer's key id
 * (`signer`) and SPKI PEM public key (`signerKey`). The agent then requires `model.sig` among the
 * release's signed targets and verifies it with signing/'s verifier — the one the platform used —
 * against the digests TUF already checked as the files streamed in. So a platform that can sign
 * bins (a compromised online key) still cannot ship files the publisher did not sign.
 */
import type { TargetFile } from '@tufjs/models';
import { FleetpackError, messageOf } from '../errors.js';
import { SIGNATURE_FILE } from '../manifest/index.js';
import { MAX_BUNDLE_BYTES, verifyBundleDigests } from '../signing/index.js';

/** What the signed metadata says about the publisher's signature of a release. */
export interface PublisherClaim {
  keyId: string;
  publicKeyPem: string;
}

/**
 * The publisher claim of a model target: undefined when the release is not publisher-signed,
 * a string (the refusal reason) when the claim is incomplete.
 */
export function publisherClaim(model: TargetFile): PublisherClaim | string | undefined {
  const { signer, signerKey } = model.custom;
  if (signer === undefined && signerKey === undefined) return undefined;
  if (typeof signer !== 'string' || typeof signerKey !== 'string')
    return 'the signed metadata says the release is publisher-signed but does not carry both the key id (custom.signer) and the public key (custom.signerKey) to verify model.sig with';
  return { keyId: signer, publicKeyPem: signerKey };
}

/** The release's `model.sig` target path, given the release prefix `models/NAME/VERSION/`. */
export function signatureTarget(prefix: string): string {
  return prefix + SIGNATURE_FILE;
}

/** A refusal reason when the `model.sig` target is not one the agent will read, else undefined. */
export function signatureTargetProblem(info: TargetFile | undefined, claim: PublisherClaim): string | undefined {
  if (!info)
    return `the release is signed by publisher key ${claim.keyId.slice(0, 16)}… but its ${SIGNATURE_FILE} is not in the signed metadata`;
  if (info.length > MAX_BUNDLE_BYTES)
    return `${SIGNATURE_FILE} is ${info.length} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit of an OMS bundle`;
  return undefined;
}

/**
 * Verifies the bundle text against the claimed key over the release's files (name relative to the
 * release, sha256 hex as signed in TUF and checked on download). Returns the refusal reason, or
 * undefined when it verifies.
 */
export function publisherSignatureProblem(
  bundleText: string,
  claim: PublisherClaim,
  files: { name: string; digest: string }[],
): string | undefined {
  const what = `${SIGNATURE_FILE} does not verify against the publisher key ${claim.keyId.slice(0, 16)}… in the signed metadata`;
  try {
    const v = verifyBundleDigests(bundleText, {
      publicKeyPem: claim.publicKeyPem,
      publicKeyWhere: 'custom.signerKey',
      signaturePath: SIGNATURE_FILE,
      files,
    });
    if (v.keyId !== claim.keyId)
      return `the public key in the signed metadata (key id ${v.keyId.slice(0, 16)}…) is not the signer it names (${claim.keyId.slice(0, 16)}…)`;
    if (!v.verified) return `${what}: ${v.problems.map((p) => `${p.code}: ${p.message}`).join('; ')}`;
    return undefined;
  } catch (e) {
    if (!(e instanceof FleetpackError)) throw e;
    return `${what}: ${e.code}: ${messageOf(e)}`;
  }
}
