import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeystoreError, SignatureError } from '../../src-main/errors.js';
import {
  CURVES,
  generateKey,
  hashForCurve,
  keyIdOf,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  signerFromPrivateKeyPem,
} from '../../src-main/signing/index.js';
import { MT_VECTORS } from '../fixtures/signing.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('signing keys', () => {
  it('computes the OMS key id of the reference vector key (hint e8450dec…)', () => {
    const text = readFileSync(join(MT_VECTORS, 'signing-key-pub.pem'), 'utf8');
    const k = parsePublicKeyPem(text);
    expect(k.curve).toBe('P-384');
    expect(k.keyId).toBe('e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e');
    expect(k.publicKeyPem.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
  });

  for (const curve of CURVES) {
    it(`generates a ${curve} key whose id is the SHA-256 of its PEM and signs DER with ${hashForCurve(curve)}`, () => {
      const k = generateKey(curve);
      expect(k.keyId).toBe(createHash('sha256').update(k.publicKeyPem).digest('hex'));
      expect(k.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const signer = signerFromPrivateKeyPem(k.privateKeyPem);
      expect(signer.keyId).toBe(k.keyId);
      const sig = signer.sign(Buffer.from('payload'));
      expect(sig[0]).toBe(0x30); // ASN.1 SEQUENCE: DER, not raw r||s
      expect(verify(hashForCurve(curve), Buffer.from('payload'), k.publicKeyPem, sig)).toBe(true);
      if (curve !== 'P-256') expect(verify('sha256', Buffer.from('payload'), k.publicKeyPem, sig)).toBe(false);
    });
  }

  it('accepts SEC1 EC private keys and normalizes them to PKCS#8', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toMatch(/BEGIN EC PRIVATE KEY/);
    const p = parsePrivateKeyPem(sec1);
    expect(p.curve).toBe('P-384');
    expect(p.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('reads encrypted PEM only with the right passphrase', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const enc = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(code(() => parsePrivateKeyPem(enc))).toBe('KEY_ENCRYPTED');
    expect(code(() => parsePrivateKeyPem(enc, 'k', { passphrase: 'nope' }))).toBe('KEY_PASSPHRASE');
    expect(parsePrivateKeyPem(enc, 'k', { passphrase: 'pw' }).curve).toBe('P-256');
  });

  it('rejects RSA, Ed25519, other curves, public keys and garbage with clear codes', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const pub = generateKey().publicKeyPem;
    let err: unknown;
    try {
      parsePrivateKeyPem(rsa, '/keys/rsa.pem');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeystoreError);
    expect(err).toMatchObject({ code: 'KEY_UNSUPPORTED', where: '/keys/rsa.pem' });
    expect((err as Error).message).toMatch(/RSA/);
    expect((err as KeystoreError).hint).toMatch(/P-256/);
    expect(code(() => parsePrivateKeyPem(ed))).toBe('KEY_UNSUPPORTED');
    expect(code(() => parsePrivateKeyPem(k1))).toBe('KEY_UNSUPPORTED');
    expect(code(() => parsePrivateKeyPem(pub))).toBe('KEY_NOT_PRIVATE');
    expect(code(() => parsePrivateKeyPem('hello'))).toBe('KEY_INVALID');
    expect(code(() => parsePrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toBe(
      'KEY_INVALID',
    );
  });

  it('never puts private key material into error messages', () => {
    const k = generateKey();
    const body = k.privateKeyPem.split('\n')[1]!;
    const broken = k.privateKeyPem.replace(body, body.slice(0, 20) + '!!' + body.slice(22));
    try {
      parsePrivateKeyPem(broken);
      expect.unreachable();
    } catch (e) {
      expect(JSON.stringify((e as KeystoreError).toJSON())).not.toContain(body.slice(0, 20));
    }
    // A private key given as the public key is refused without echoing it.
    try {
      parsePublicKeyPem(k.privateKeyPem);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SignatureError);
      expect((e as SignatureError).code).toBe('KEY_NOT_PUBLIC');
      expect(JSON.stringify((e as SignatureError).toJSON())).not.toContain(body.slice(0, 20));
    }
  });

  it('rejects non-EC public keys for verification', () => {
    const rsaPub = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(code(() => parsePublicKeyPem(rsaPub))).toBe('KEY_UNSUPPORTED');
    expect(code(() => parsePublicKeyPem('not a key'))).toBe('KEY_INVALID');
    expect(keyIdOf('x')).toBe(createHash('sha256').update('x').digest('hex'));
  });
});
