/** Replayed attacks on a signed package: each must be rejected with the right reason code. */
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey, type GeneratedKey } from '../../src-main/signing/keys.js';
import { signerFromPrivateKeyPem, signModel, verifyModel, type VerifyResult } from '../../src-main/signing/index.js';
import { buildBundle, rootDigest } from '../../src-main/signing/bundle.js';
import { makePackage, statementOf } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';

let key: GeneratedKey;
let signed: string;

beforeAll(async () => {
  key = generateKey('P-256');
  signed = makePackage();
  await signModel(signed, signerFromPrivateKeyPem(key.privateKeyPem));
});

/** A fresh copy of the signed package to tamper with. */
function copy(): string {
  const dir = join(tempDir(), 'pkg');
  cpSync(signed, dir, { recursive: true });
  return dir;
}

const verifyWith = (dir: string, publicKeyPem = key.publicKeyPem) => verifyModel(dir, { publicKeyPem, concurrency: 2 });
const codes = (r: VerifyResult) => r.problems.map((p) => [p.code, p.file ?? null]);
const sigOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'model.sig'), 'utf8'));
const writeSig = (dir: string, bundle: unknown) => writeFileSync(join(dir, 'model.sig'), JSON.stringify(bundle));

describe('tamper matrix', () => {
  it('the untouched package verifies', async () => {
    expect((await verifyWith(copy())).verified).toBe(true);
  });

  it('changed weights → FILE_MODIFIED model.onnx', async () => {
    const dir = copy();
    const buf = readFileSync(join(dir, 'model.onnx'));
    buf[buf.length >> 1]! ^= 1; // one bit in the middle
    writeFileSync(join(dir, 'model.onnx'), buf);
    const r = await verifyWith(dir);
    expect(r.verified).toBe(false);
    expect(codes(r)).toEqual([['FILE_MODIFIED', 'model.onnx']]);
    expect(r.files.find((f) => f.name === 'model.onnx')!.status).toBe('modified');
  });

  it('changed manifest → FILE_MODIFIED fleetpack.json', async () => {
    const dir = copy();
    writeFileSync(
      join(dir, 'fleetpack.json'),
      readFileSync(join(dir, 'fleetpack.json'), 'utf8').replace('1.4.0', '1.4.1'),
    );
    expect(codes(await verifyWith(dir))).toEqual([['FILE_MODIFIED', 'fleetpack.json']]);
  });

  it('changed SBOM → FILE_MODIFIED sbom.cdx.json', async () => {
    const dir = copy();
    writeFileSync(
      join(dir, 'sbom.cdx.json'),
      '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"evil"}]}\n',
    );
    expect(codes(await verifyWith(dir))).toEqual([['FILE_MODIFIED', 'sbom.cdx.json']]);
  });

  it('added file → FILE_EXTRA', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'backdoor.py'), 'import os');
    expect(codes(await verifyWith(dir))).toEqual([['FILE_EXTRA', 'backdoor.py']]);
  });

  it('removed file → FILE_MISSING', async () => {
    const dir = copy();
    rmSync(join(dir, 'sbom.cdx.json'));
    expect(codes(await verifyWith(dir))).toEqual([['FILE_MISSING', 'sbom.cdx.json']]);
  });

  it('every file removed → FILE_MISSING for each', async () => {
    const dir = copy();
    for (const f of ['fleetpack.json', 'model.onnx', 'sbom.cdx.json']) rmSync(join(dir, f));
    expect(codes(await verifyWith(dir))).toEqual([
      ['FILE_MISSING', 'fleetpack.json'],
      ['FILE_MISSING', 'model.onnx'],
      ['FILE_MISSING', 'sbom.cdx.json'],
    ]);
  });

  it('renamed file → FILE_MISSING old name + FILE_EXTRA new name', async () => {
    const dir = copy();
    renameSync(join(dir, 'model.onnx'), join(dir, 'model2.onnx'));
    expect(codes(await verifyWith(dir))).toEqual([
      ['FILE_MISSING', 'model.onnx'],
      ['FILE_EXTRA', 'model2.onnx'],
    ]);
  });

  it('swapped signature (valid signature of another package by the same key) → SIGNATURE_INVALID', async () => {
    const other = makePackage(undefined, { modelBytes: 1234 });
    await signModel(other, signerFromPrivateKeyPem(key.privateKeyPem));
    const dir = copy();
    const bundle = sigOf(dir);
    bundle.dsseEnvelope.signatures[0].sig = sigOf(other).dsseEnvelope.signatures[0].sig;
    writeSig(dir, bundle);
    expect(codes(await verifyWith(dir))).toEqual([['SIGNATURE_INVALID', null]]);
  });

  it('whole bundle from another package → files do not match', async () => {
    const other = makePackage(undefined, { modelBytes: 1234 });
    await signModel(other, signerFromPrivateKeyPem(key.privateKeyPem));
    const dir = copy();
    cpSync(join(other, 'model.sig'), join(dir, 'model.sig'));
    expect(codes(await verifyWith(dir))).toEqual([['FILE_MODIFIED', 'model.onnx']]);
  });

  it('wrong key → WRONG_KEY (hint differs); without the hint → SIGNATURE_INVALID', async () => {
    const dir = copy();
    const other = generateKey('P-256');
    const r = await verifyWith(dir, other.publicKeyPem);
    expect(codes(r)).toEqual([['WRONG_KEY', null]]);
    expect(r.keyId).toBe(other.keyId);
    const bundle = sigOf(dir);
    bundle.verificationMaterial.publicKey.hint = '';
    writeSig(dir, bundle);
    expect(codes(await verifyWith(dir, other.publicKeyPem))).toEqual([['SIGNATURE_INVALID', null]]);
    // An attacker re-signing with their own key and their own hint still fails against ours.
    const forged = buildBundle(
      statementOf(readFileSync(join(signed, 'model.sig'), 'utf8')),
      signerFromPrivateKeyPem(other.privateKeyPem),
    );
    writeSig(dir, forged);
    expect(codes(await verifyWith(dir))).toEqual([['WRONG_KEY', null]]);
  });

  it('truncated bundle → BUNDLE_MALFORMED', async () => {
    const dir = copy();
    const text = readFileSync(join(dir, 'model.sig'), 'utf8');
    for (const n of [0, 1, 100, text.length - 1]) {
      writeFileSync(join(dir, 'model.sig'), text.slice(0, n));
      expect(codes(await verifyWith(dir))).toEqual([['BUNDLE_MALFORMED', null]]);
    }
  });

  it('re-ordered resources → SIGNATURE_INVALID; re-signed keeping the subject → SUBJECT_MISMATCH', async () => {
    const dir = copy();
    const bundle = sigOf(dir);
    const st = statementOf(JSON.stringify(bundle));
    st.predicate.resources.reverse();
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(st, null, 2)).toString('base64');
    writeSig(dir, bundle);
    expect(codes(await verifyWith(dir))).toEqual([['SIGNATURE_INVALID', null]]);
    // Even with a valid signature, the subject digest is order-dependent.
    writeSig(dir, buildBundle(st, signerFromPrivateKeyPem(key.privateKeyPem)));
    expect(codes(await verifyWith(dir))).toEqual([['SUBJECT_MISMATCH', null]]);
    // Re-ordered with a recomputed subject is a genuinely signed statement; files then all check out.
    st.subject[0].digest.sha256 = rootDigest(st.predicate.resources);
    writeSig(dir, buildBundle(st, signerFromPrivateKeyPem(key.privateKeyPem)));
    expect((await verifyWith(dir)).verified).toBe(true);
  });

  it('a signed resource list that hides a file → FILE_EXTRA; a forged digest → FILE_MODIFIED', async () => {
    const dir = copy();
    const st = statementOf(readFileSync(join(dir, 'model.sig'), 'utf8'));
    st.predicate.resources = st.predicate.resources.filter((r: { name: string }) => r.name !== 'sbom.cdx.json');
    st.subject[0].digest.sha256 = rootDigest(st.predicate.resources);
    writeSig(dir, buildBundle(st, signerFromPrivateKeyPem(key.privateKeyPem)));
    expect(codes(await verifyWith(dir))).toEqual([['FILE_EXTRA', 'sbom.cdx.json']]);
    st.predicate.resources[0].digest = '00'.repeat(32);
    st.subject[0].digest.sha256 = rootDigest(st.predicate.resources);
    writeSig(dir, buildBundle(st, signerFromPrivateKeyPem(key.privateKeyPem)));
    expect(codes(await verifyWith(dir))[0]).toEqual(['FILE_MODIFIED', 'fleetpack.json']);
  });

  it('structural changes: unknown field, media type, two signatures, non-canonical base64, bad statement', async () => {
    const dir = copy();
    const base = sigOf(dir);
    const cases: [string, (b: any) => void][] = [
      ['BUNDLE_MALFORMED', (b) => (b.extra = 1)],
      ['BUNDLE_MALFORMED', (b) => (b.verificationMaterial.publicKey.foo = 'x')],
      ['BUNDLE_MEDIA_TYPE', (b) => (b.mediaType = 'application/vnd.dev.sigstore.bundle.v0.2+json')],
      ['BUNDLE_MALFORMED', (b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0])],
      ['BUNDLE_MALFORMED', (b) => (b.dsseEnvelope.signatures = [])],
      ['BUNDLE_MALFORMED', (b) => (b.dsseEnvelope.payload = `${b.dsseEnvelope.payload.replace(/=*$/, '')}!`)],
      ['BUNDLE_MALFORMED', (b) => (b.dsseEnvelope.signatures[0].sig = 'AB==')],
      ['PAYLOAD_MALFORMED', (b) => (b.dsseEnvelope.payloadType = 'text/plain')],
      ['UNSUPPORTED_METHOD', (b) => (b.verificationMaterial = { certificate: { rawBytes: 'AAAA' } })],
      ['BUNDLE_MALFORMED', (b) => delete b.verificationMaterial],
    ];
    for (const [code, mutate] of cases) {
      const b = structuredClone(base);
      mutate(b);
      writeSig(dir, b);
      expect(codes(await verifyWith(dir)), `${code} ${mutate.toString()}`).toEqual([[code, null]]);
    }
    // Statements with a valid signature but wrong content.
    const st0 = statementOf(JSON.stringify(base));
    const stCases: [string, (s: any) => void][] = [
      ['WRONG_PREDICATE_TYPE', (s) => (s.predicateType = 'https://model_signing/Digests/v0.1')],
      ['UNSUPPORTED_SERIALIZATION', (s) => (s.predicate.serialization.method = 'shards')],
      ['UNSUPPORTED_SERIALIZATION', (s) => (s.predicate.serialization.hash_type = 'blake3')],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.resources[0].name = '../etc/passwd')],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.resources[0].name = '/abs')],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.resources[1].name = s.predicate.resources[0].name)],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.resources[0].digest = 'XYZ')],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.resources[0].algorithm = 'md5')],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.resources = [])],
      ['PAYLOAD_MALFORMED', (s) => (s.predicate.extra = true)],
      ['PAYLOAD_MALFORMED', (s) => s.subject.push(s.subject[0])],
      ['PAYLOAD_MALFORMED', (s) => (s._type = 'https://in-toto.io/Statement/v0.1')],
    ];
    for (const [code, mutate] of stCases) {
      const s = structuredClone(st0);
      mutate(s);
      writeSig(dir, buildBundle(s, signerFromPrivateKeyPem(key.privateKeyPem)));
      expect(codes(await verifyWith(dir)), `${code} ${mutate.toString()}`).toEqual([[code, null]]);
    }
  });

  it('fuzz: 300 random byte mutations and truncations of a bundle are all rejected, never thrown', async () => {
    const dir = copy();
    const original = readFileSync(join(dir, 'model.sig'));
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(original);
      const mode = rand(3);
      let mutated: Buffer;
      if (mode === 0) {
        mutated = m.subarray(0, rand(m.length));
      } else {
        const pos = rand(m.length);
        m[pos] = (m[pos]! + 1 + rand(255)) & 0xff;
        mutated = mode === 1 ? m : Buffer.concat([m, Buffer.from([rand(256)])]);
      }
      writeFileSync(join(dir, 'model.sig'), mutated);
      const r = await verifyModel(dir, { publicKeyPem: key.publicKeyPem });
      // Appending trailing whitespace to JSON is harmless; anything else must fail.
      if (r.verified)
        expect(
          mutated.subarray(0, original.length).equals(original) &&
            /^\s$/.test(mutated.subarray(original.length).toString('latin1')),
        ).toBe(true);
      else for (const p of r.problems) seen.add(p.code);
    }
    expect(seen.size).toBeGreaterThan(2);
    for (const c of seen)
      expect([
        'BUNDLE_MALFORMED',
        'BUNDLE_MEDIA_TYPE',
        'WRONG_KEY',
        'SIGNATURE_INVALID',
        'PAYLOAD_MALFORMED',
        'UNSUPPORTED_METHOD',
      ]).toContain(c);
  }, 120_000);
});
