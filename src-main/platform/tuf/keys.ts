/**
 * TUF keys and signers. @tufjs/models has no signer and no keyid calculation (reference/tuf.md
 * §0.1), so they are here: the keyid is the hex SHA-256 of the canonical JSON of
 * `{keytype, scheme, keyval}` (spec §4.2); ECDSA signatures are DER hex (tuf-js verifies DER only);
 * ed25519 public keys are the raw 32 bytes in hex. Offline keys (root, targets) are P-256 keys in
 * the OS keychain, signed through signing/'s Signer; online keys are ed25519 KeyObjects.
 */
import { canonicalize } from '@tufjs/canonical-json';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign as cryptoSign } from 'node:crypto';
import { PlatformError } from '../../errors.js';
import type { Signer } from '../../signing/index.js';

export interface TufKey {
  keytype: 'ecdsa' | 'ed25519';
  scheme: 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ed25519';
  keyval: { public: string };
}

/** Signs canonical bytes; `sign` returns the signature as lower-case hex. */
export interface TufSigner {
  keyId: string;
  key: TufKey;
  sign(data: Buffer): string;
}

export function keyIdOf(key: TufKey): string {
  const canon = canonicalize({ keytype: key.keytype, scheme: key.scheme, keyval: key.keyval });
  return createHash('sha256').update(canon).digest('hex');
}

/** The TUF key for a public key: EC P-256/P-384 as SPKI PEM, ed25519 as raw hex. */
export function tufKeyOf(publicKey: KeyObject | string): TufKey {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType === 'ed25519') {
    const der = key.export({ type: 'spki', format: 'der' });
    return { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: der.subarray(der.length - 32).toString('hex') } };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const scheme =
      curve === 'prime256v1' ? 'ecdsa-sha2-nistp256' : curve === 'secp384r1' ? 'ecdsa-sha2-nistp384' : null;
    if (scheme)
      return { keytype: 'ecdsa', scheme, keyval: { public: key.export({ type: 'spki', format: 'pem' }).toString() } };
  }
  throw new PlatformError(
    'TUF_KEY_UNSUPPORTED',
    `A ${key.asymmetricKeyType ?? 'unknown'} key${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ''} cannot sign TUF metadata here`,
    { hint: 'Use an ECDSA P-256 key (the default of `fleetpack key create`) or ed25519.' },
  );
}

/** A signer over a private KeyObject (online keys, decrypted in memory only). */
export function signerFromKeyObject(privateKey: KeyObject): TufSigner {
  const key = tufKeyOf(createPublicKey(privateKey));
  const keyId = keyIdOf(key);
  const hash = key.scheme === 'ecdsa-sha2-nistp384' ? 'sha384' : key.scheme === 'ed25519' ? null : 'sha256';
  return {
    keyId,
    key,
    sign: (data) =>
      cryptoSign(hash, data, key.keytype === 'ecdsa' ? { key: privateKey, dsaEncoding: 'der' } : privateKey).toString(
        'hex',
      ),
  };
}

/** A signer over a keychain key (signing/'s Signer: DER ECDSA with the curve's hash). */
export function signerFromKeychain(signer: Signer): TufSigner {
  if (signer.curve === 'P-521') {
    throw new PlatformError('TUF_KEY_UNSUPPORTED', 'P-521 keys have no TUF signature scheme', {
      hint: 'Use a P-256 key for the platform root and targets roles.',
    });
  }
  const key = tufKeyOf(signer.publicKeyPem);
  return { keyId: keyIdOf(key), key, sign: (data) => signer.sign(data).toString('hex') };
}

/** A new ed25519 key pair for an online role. */
export function generateOnlineKey(): { privateKey: KeyObject; signer: TufSigner } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, signer: signerFromKeyObject(privateKey) };
}
