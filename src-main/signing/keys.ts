/**
 * EC key handling with node:crypto: generate, parse and validate PEM keys, the OMS key id, and a
 * Signer that keeps the private KeyObject in a closure. OMS key method allows only NIST P-256,
 * P-384 and P-521; the curve fixes the signature hash (reference/signing.md §1.5).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { KeystoreError, SignatureError } from '../errors.js';

export type Curve = 'P-256' | 'P-384' | 'P-521';
export type SignatureHash = 'sha256' | 'sha384' | 'sha512';

export const CURVES: readonly Curve[] = ['P-256', 'P-384', 'P-521'];

/** node:crypto's names for our curves. */
const NAMED_CURVE: Record<Curve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const CURVE_BY_NAME: Record<string, Curve> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const HASH: Record<Curve, SignatureHash> = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' };

/** The hash ECDSA uses with this curve: P-256→SHA-256, P-384→SHA-384, P-521→SHA-512. */
export function hashForCurve(curve: Curve): SignatureHash {
  return HASH[curve];
}

export function isCurve(s: string): s is Curve {
  return (CURVES as readonly string[]).includes(s);
}

/** Signs bytes with a key the caller never sees. `sign` returns a DER ECDSA signature. */
export interface Signer {
  keyId: string;
  curve: Curve;
  publicKeyPem: string;
  sign(data: Uint8Array): Buffer;
}

/** A generated key pair; the private half as PKCS#8 PEM, only ever handed to the keystore. */
export interface GeneratedKey {
  curve: Curve;
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/** SPKI PEM text exactly as the OMS hint is computed over (64-char lines, LF, trailing newline). */
export function publicKeyPemOf(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** OMS public-key hint: lower-case hex SHA-256 of the SPKI PEM text. */
export function keyIdOf(publicKeyPem: string): string {
  return createHash('sha256').update(publicKeyPem, 'utf8').digest('hex');
}

export function generateKey(curve: Curve = 'P-256'): GeneratedKey {
  if (!isCurve(curve)) {
    throw new KeystoreError('KEY_UNSUPPORTED', `Unsupported curve "${String(curve)}"`, {
      hint: `Use one of ${CURVES.join(', ')}.`,
    });
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: NAMED_CURVE[curve] });
  const publicKeyPem = publicKeyPemOf(publicKey);
  return {
    curve,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem,
    keyId: keyIdOf(publicKeyPem),
  };
}

/** Curve of an EC key, or a typed error saying which kind of key it is instead. */
function curveOf(key: KeyObject, where: string, ErrorType: typeof KeystoreError | typeof SignatureError): Curve {
  const type = key.asymmetricKeyType;
  if (type !== 'ec') {
    throw new ErrorType(
      'KEY_UNSUPPORTED',
      `${describeKeyType(type)} keys are not supported for OpenSSF Model Signing`,
      {
        where,
        hint: `Use an ECDSA key on ${CURVES.join(', ')}, e.g. \`openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt\`, or \`fleetpack key create NAME\`.`,
      },
    );
  }
  const named = key.asymmetricKeyDetails?.namedCurve ?? '';
  const curve = CURVE_BY_NAME[named];
  if (!curve) {
    throw new ErrorType(
      'KEY_UNSUPPORTED',
      `EC curve "${named || 'unknown'}" is not supported for OpenSSF Model Signing`,
      {
        where,
        hint: `Use a key on ${CURVES.join(', ')}.`,
      },
    );
  }
  return curve;
}

function describeKeyType(type: string | undefined): string {
  if (type === 'rsa' || type === 'rsa-pss') return 'RSA';
  if (type === 'ed25519' || type === 'ed448') return type === 'ed25519' ? 'Ed25519' : 'Ed448';
  return type ? type.toUpperCase() : 'Unknown';
}

/** Only the PEM block(s) of a text: some key files carry a human-readable dump before `-----BEGIN`. */
function pemPart(text: string): string {
  const i = text.indexOf('-----BEGIN');
  return i < 0 ? text : text.slice(i);
}

export interface ParsedPrivateKey {
  key: KeyObject;
  curve: Curve;
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/**
 * Parses and validates a PEM private key (PKCS#8 or SEC1 EC). Clear errors for encrypted PEM,
 * RSA / Ed25519 keys, public keys and garbage. The returned PEM is normalized to PKCS#8.
 * Errors never include the key text.
 */
export function parsePrivateKeyPem(
  text: string,
  where = 'private key',
  opts: { passphrase?: string } = {},
): ParsedPrivateKey {
  const pem = pemPart(text);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem) && opts.passphrase === undefined) {
    throw new KeystoreError('KEY_ENCRYPTED', 'The private key PEM is encrypted with a passphrase', {
      where,
      hint: 'Pass the passphrase (fleetpack key import NAME PEM --passphrase-env VAR), or decrypt it with `openssl pkey` first.',
    });
  }
  if (/-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/.test(pem) && !/PRIVATE KEY-----/.test(pem)) {
    throw new KeystoreError('KEY_NOT_PRIVATE', 'This PEM holds a public key or certificate, not a private key', {
      where,
      hint: 'Import the private key PEM (BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY).',
    });
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new KeystoreError('KEY_INVALID', 'Not a PEM private key (no "-----BEGIN ... PRIVATE KEY-----" block)', {
      where,
      hint: 'Give a PEM file such as one made by `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.',
    });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(
      opts.passphrase === undefined
        ? { key: pem, format: 'pem' }
        : { key: pem, format: 'pem', passphrase: opts.passphrase },
    );
  } catch (e) {
    // node's message names the OpenSSL failure, never the key bytes.
    const wrongPass = opts.passphrase !== undefined && /decrypt|bad/i.test((e as Error).message);
    throw new KeystoreError(
      wrongPass ? 'KEY_PASSPHRASE' : 'KEY_INVALID',
      wrongPass
        ? 'Could not decrypt the private key: wrong passphrase?'
        : `The private key PEM could not be parsed (${(e as Error).message})`,
      {
        where,
        hint: wrongPass ? 'Check the passphrase.' : 'Check that the file is a complete, unmodified PEM private key.',
      },
    );
  }
  const curve = curveOf(key, where, KeystoreError);
  const publicKeyPem = publicKeyPemOf(createPublicKey(key));
  return {
    key,
    curve,
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem,
    keyId: keyIdOf(publicKeyPem),
  };
}

export interface ParsedPublicKey {
  key: KeyObject;
  curve: Curve;
  publicKeyPem: string;
  keyId: string;
}

/** Parses a PEM SPKI public key for verification (text before `-----BEGIN` is skipped). */
export function parsePublicKeyPem(text: string, where = 'public key'): ParsedPublicKey {
  const pem = pemPart(text);
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new SignatureError('KEY_NOT_PUBLIC', 'A private key was given where a public key is expected', {
      where,
      hint: 'Verify with the public key only: `fleetpack key export NAME > key.pub.pem`, or `openssl pkey -pubout`.',
    });
  }
  let key: KeyObject;
  try {
    if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) throw new Error('no "-----BEGIN PUBLIC KEY-----" block');
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new SignatureError('KEY_INVALID', `Not a PEM public key (${(e as Error).message})`, {
      where,
      hint: "Give the signer's public key as PEM (-----BEGIN PUBLIC KEY-----), e.g. from `fleetpack key export NAME`.",
    });
  }
  const curve = curveOf(key, where, SignatureError);
  const publicKeyPem = publicKeyPemOf(key);
  return { key, curve, publicKeyPem, keyId: keyIdOf(publicKeyPem) };
}

/** A Signer over a PEM private key (the keystore, the conformance adapter). */
export function signerFromPrivateKeyPem(text: string, where?: string, opts: { passphrase?: string } = {}): Signer {
  const parsed = parsePrivateKeyPem(text, where, opts);
  const { key, curve } = parsed;
  const hash = hashForCurve(curve);
  return {
    keyId: parsed.keyId,
    curve,
    publicKeyPem: parsed.publicKeyPem,
    // Node emits DER ECDSA by default (dsaEncoding 'der').
    sign: (data) => cryptoSign(hash, data, { key, dsaEncoding: 'der' }),
  };
}

/** Verifies a DER ECDSA signature with the curve's hash. False for any malformed signature. */
export function verifySignature(publicKey: ParsedPublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(hashForCurve(publicKey.curve), data, { key: publicKey.key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
