import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  CURVES,
  generateKey,
  keyIdOf,
  signerFromPrivateKeyPem,
  signModel,
  verifyModel,
  type SignProgress,
} from '../../src-main/signing/index.js';
import { pae, rootDigest } from '../../src-main/signing/bundle.js';
import { verify } from 'node:crypto';
import { makePackage, SPEC_SCHEMAS, statementOf } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';

function schemaValidators() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const f of readdirSync(SPEC_SCHEMAS)) ajv.addSchema(JSON.parse(readFileSync(join(SPEC_SCHEMAS, f), 'utf8')));
  return {
    bundle: ajv.getSchema('https://model_signing/bundle/v1.0/schema')!,
    statement: ajv.getSchema('https://model_signing/statement/v1.0/schema')!,
  };
}

describe('OMS sign and verify', () => {
  for (const curve of CURVES) {
    it(`signs a package with ${curve} into a bundle that validates against the OMS v1.0 schemas and verifies`, async () => {
      const dir = makePackage();
      const key = generateKey(curve);
      const r = await signModel(dir, signerFromPrivateKeyPem(key.privateKeyPem));
      expect(r.signaturePath).toBe(join(dir, 'model.sig'));
      const text = readFileSync(r.signaturePath, 'utf8');
      const bundle = JSON.parse(text);
      const v = schemaValidators();
      expect(v.bundle(bundle), JSON.stringify(v.bundle.errors)).toBe(true);
      const statement = statementOf(text);
      expect(v.statement(statement), JSON.stringify(v.statement.errors)).toBe(true);
      // Exactly the field set the strict reference parser accepts.
      expect(Object.keys(bundle)).toEqual(['mediaType', 'verificationMaterial', 'dsseEnvelope']);
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(bundle.verificationMaterial).toEqual({ publicKey: { hint: key.keyId }, tlogEntries: [] });
      expect(Object.keys(bundle.dsseEnvelope)).toEqual(['payload', 'payloadType', 'signatures']);
      expect(bundle.dsseEnvelope.signatures).toHaveLength(1);
      expect(Object.keys(bundle.dsseEnvelope.signatures[0])).toEqual(['sig', 'keyid']);
      expect(bundle.dsseEnvelope.signatures[0].keyid).toBe('');
      // DER signature over the PAE with the curve's hash.
      const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
      expect(sig[0]).toBe(0x30);
      const hash = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' }[curve];
      expect(
        verify(
          hash,
          pae('application/vnd.in-toto+json', Buffer.from(bundle.dsseEnvelope.payload, 'base64')),
          key.publicKeyPem,
          sig,
        ),
      ).toBe(true);
      // Statement: every file, sorted, sha256, subject = root digest over listed order.
      expect(statement.predicate.resources.map((x: { name: string }) => x.name)).toEqual([
        'fleetpack.json',
        'model.onnx',
        'sbom.cdx.json',
      ]);
      expect(statement.predicate.resources.every((x: { algorithm: string }) => x.algorithm === 'sha256')).toBe(true);
      expect(statement.subject).toEqual([
        { name: basename(dir), digest: { sha256: rootDigest(statement.predicate.resources) } },
      ]);
      expect(statement.predicate.serialization).toEqual({
        method: 'files',
        hash_type: 'sha256',
        allow_symlinks: false,
        ignore_paths: ['.git', '.gitattributes', '.github', '.gitignore', 'model.sig'],
      });
      expect(r.rootDigest).toBe(statement.subject[0].digest.sha256);

      const res = await verifyModel(dir, { publicKeyPem: key.publicKeyPem });
      expect(res).toMatchObject({ verified: true, keyId: key.keyId, problems: [] });
      expect(res.files.map((f) => [f.name, f.status])).toEqual([
        ['fleetpack.json', 'ok'],
        ['model.onnx', 'ok'],
        ['sbom.cdx.json', 'ok'],
      ]);
    });
  }

  it('re-signing is deterministic in everything but the ECDSA nonce', async () => {
    const dir = makePackage();
    const signer = signerFromPrivateKeyPem(generateKey().privateKeyPem);
    const a = await signModel(dir, signer);
    const b = await signModel(dir, signer);
    expect(b.bundle.dsseEnvelope.payload).toBe(a.bundle.dsseEnvelope.payload);
  });

  it('writes the signature elsewhere and records user ignore paths', async () => {
    const dir = makePackage();
    writeFileSync(join(dir, 'notes.txt'), 'scratch');
    const key = generateKey();
    const sigPath = join(tempDir(), 'pkg.sig');
    const r = await signModel(dir, signerFromPrivateKeyPem(key.privateKeyPem), {
      signaturePath: sigPath,
      ignorePaths: ['notes.txt'],
    });
    const st = statementOf(readFileSync(sigPath, 'utf8'));
    expect(st.predicate.resources.map((x: { name: string }) => x.name)).not.toContain('notes.txt');
    expect(st.predicate.serialization.ignore_paths).toContain('notes.txt');
    expect(st.predicate.serialization.ignore_paths).not.toContain('model.sig');
    expect(r.files).toHaveLength(3);
    // The recorded ignore path is honoured on verification without repeating it.
    writeFileSync(join(dir, 'notes.txt'), 'changed');
    expect((await verifyModel(dir, { publicKeyPem: key.publicKeyPem, signaturePath: sigPath })).verified).toBe(true);
  });

  it('signs and verifies a single-file model (one resource named ".", as the reference does)', async () => {
    const dir = makePackage();
    const key = generateKey('P-384');
    const file = join(dir, 'model.onnx');
    const sigPath = join(tempDir(), 'single.sig');
    await signModel(file, signerFromPrivateKeyPem(key.privateKeyPem), { signaturePath: sigPath });
    const st = statementOf(readFileSync(sigPath, 'utf8'));
    expect(st.predicate.resources.map((x: { name: string }) => x.name)).toEqual(['.']);
    expect(st.subject[0].name).toBe('model.onnx');
    expect((await verifyModel(file, { publicKeyPem: key.publicKeyPem, signaturePath: sigPath })).verified).toBe(true);
    writeFileSync(file, 'other');
    const bad = await verifyModel(file, { publicKeyPem: key.publicKeyPem, signaturePath: sigPath });
    expect(bad.problems).toEqual([expect.objectContaining({ code: 'FILE_MODIFIED', file: 'model.onnx' })]);
  });

  it('reports progress phases and total bytes while signing', async () => {
    const dir = makePackage(undefined, { modelBytes: 1_000_000 });
    const events: SignProgress[] = [];
    await signModel(dir, signerFromPrivateKeyPem(generateKey().privateKeyPem), { onProgress: (p) => events.push(p) });
    expect(events[0]!.phase).toBe('listing');
    expect(events.some((e) => e.phase === 'hashing')).toBe(true);
    const last = events.at(-1)!;
    expect(last.phase).toBe('signing');
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.filesTotal).toBe(3);
  });

  it('cancels signing through an AbortSignal without writing a signature', async () => {
    const dir = makePackage();
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(
      signModel(dir, signerFromPrivateKeyPem(generateKey().privateKeyPem), { signal: ctrl.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readdirSync(dir)).not.toContain('model.sig');
  });

  it('accepts --ignore-unsigned-files: extra files tolerated, signed ones still checked', async () => {
    const dir = makePackage();
    const key = generateKey();
    await signModel(dir, signerFromPrivateKeyPem(key.privateKeyPem));
    writeFileSync(join(dir, 'extra.txt'), 'x');
    expect((await verifyModel(dir, { publicKeyPem: key.publicKeyPem })).problems.map((p) => p.code)).toEqual([
      'FILE_EXTRA',
    ]);
    expect((await verifyModel(dir, { publicKeyPem: key.publicKeyPem, ignoreUnsignedFiles: true })).verified).toBe(true);
    writeFileSync(join(dir, 'fleetpack.json'), '{}');
    expect(
      (await verifyModel(dir, { publicKeyPem: key.publicKeyPem, ignoreUnsignedFiles: true })).problems.map(
        (p) => p.code,
      ),
    ).toEqual(['FILE_MODIFIED']);
  });

  it('reports a missing signature file as not verified, and a bad public key as an input error', async () => {
    const dir = makePackage();
    const key = generateKey();
    const r = await verifyModel(dir, { publicKeyPem: key.publicKeyPem });
    expect(r).toMatchObject({
      verified: false,
      keyId: keyIdOf(key.publicKeyPem),
      problems: [{ code: 'BUNDLE_MISSING' }],
    });
    await expect(verifyModel(dir, { publicKeyPem: 'nope', publicKeyWhere: '/k.pem' })).rejects.toMatchObject({
      code: 'KEY_INVALID',
      where: '/k.pem',
    });
  });
});

describe('ignore paths', () => {
  it('are relative to the model folder; one that matches nothing is reported, not silently dropped', async () => {
    const dir = makePackage();
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const key = generateKey();
    const signer = signerFromPrivateKeyPem(key.privateKeyPem);
    const ok = await signModel(dir, signer, { ignorePaths: ['notes.txt'] });
    expect(ok.warnings).toEqual([]);
    // model_signing reads --ignore-paths relative to the working directory: "pkg/notes.txt" here
    // names DIR/pkg/notes.txt, which does not exist.
    const r = await signModel(dir, signer, { ignorePaths: [`${basename(dir)}/notes.txt`, '/elsewhere/x'] });
    expect(r.warnings.map((w) => [w.code, w.path])).toEqual([
      ['IGNORE_UNMATCHED', `${basename(dir)}/notes.txt`],
      ['IGNORE_UNMATCHED', '/elsewhere/x'],
    ]);
    expect(r.warnings[0]!.message).toMatch(/relative to the model folder, not to the working directory/);
    expect(r.warnings[1]!.message).toMatch(/outside the model folder/);
    const v = await verifyModel(dir, { publicKeyPem: key.publicKeyPem, ignorePaths: ['nope'] });
    expect(v.verified).toBe(true);
    expect(v.warnings.map((w) => w.path)).toEqual(['nope']);
  });
});

describe('signing while the key is looked up', () => {
  it('waits for a signer promise, and a failed lookup stops the hashing with its own error', async () => {
    const dir = makePackage(undefined, { modelBytes: 4_000_000 });
    const key = generateKey();
    let resolveSigner!: (s: ReturnType<typeof signerFromPrivateKeyPem>) => void;
    const later = new Promise<ReturnType<typeof signerFromPrivateKeyPem>>((r) => (resolveSigner = r));
    const signing = signModel(dir, later);
    setTimeout(() => resolveSigner(signerFromPrivateKeyPem(key.privateKeyPem)), 20);
    const r = await signing;
    expect((await verifyModel(dir, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
    expect(r.keyId).toBe(key.keyId);

    const other = makePackage(undefined, { modelBytes: 4_000_000 });
    const missing = Object.assign(new Error('No signing key named "nope"'), { code: 'KEY_NOT_FOUND' });
    await expect(signModel(other, Promise.reject(missing))).rejects.toBe(missing);
    expect(readdirSync(other)).not.toContain('model.sig');
  });
});
