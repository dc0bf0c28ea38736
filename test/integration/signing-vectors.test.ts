/** Interop with the published OMS vectors (reference implementation + spec), read-only in ../shared. */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundle, buildStatement } from '../../src-main/signing/bundle.js';
import { generateKey, signerFromPrivateKeyPem, signModel, verifyModel } from '../../src-main/signing/index.js';
import { MT_VECTORS, OMS_VECTORS, SPEC_VECTORS, statementOf } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';

const publicKeyPem = readFileSync(join(MT_VECTORS, 'signing-key-pub.pem'), 'utf8');
const mtFolders = readdirSync(MT_VECTORS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const invalid = ['invalid', 'invalid-payload'].flatMap((sub) =>
  existsSync(join(SPEC_VECTORS, sub)) ? readdirSync(join(SPEC_VECTORS, sub)).map((f) => `${sub}/${f}`) : [],
);
/** Signed files for the spec's bundles (signme-1, signme-2), as in the v1.1.0 reference vector. */
const specModel = join(MT_VECTORS, 'v1.1.0-elliptic-key');

describe('OMS vectors: model-transparency (reference implementation)', () => {
  it('has the expected vector folders', () => {
    expect(mtFolders.length).toBeGreaterThanOrEqual(3);
  });

  for (const name of mtFolders) {
    const dir = join(MT_VECTORS, name);
    const ignore = existsSync(join(dir, 'ignore-me')) ? ['ignore-me'] : [];
    it(`${name} verifies with signing-key-pub.pem${ignore.length ? ' ignoring ignore-me' : ''}`, async () => {
      const r = await verifyModel(dir, { publicKeyPem, ignorePaths: ignore });
      expect(r.problems).toEqual([]);
      expect(r.verified).toBe(true);
      expect(r.keyId).toBe('e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e');
      expect(r.files.length).toBeGreaterThan(0);
      expect(r.files.every((f) => f.status === 'ok')).toBe(true);
    });

    it(`${name} fails with another key`, async () => {
      const r = await verifyModel(dir, { publicKeyPem: generateKey('P-384').publicKeyPem, ignorePaths: ignore });
      expect(r.verified).toBe(false);
      expect(r.problems.map((p) => p.code)).toEqual(['WRONG_KEY']);
    });
  }

  it('v1.1.0 without ignoring ignore-me reports it as an extra file', async () => {
    const r = await verifyModel(join(MT_VECTORS, 'v1.1.0-elliptic-key'), { publicKeyPem });
    // ignore-me is recorded in the bundle's ignore_paths, so the recorded list alone suffices.
    expect(r.verified).toBe(true);
    const r2 = await verifyModel(join(MT_VECTORS, 'v1.0.1-elliptic-key'), { publicKeyPem });
    expect(r2.problems).toEqual([expect.objectContaining({ code: 'FILE_EXTRA', file: 'ignore-me' })]);
  });
});

describe('OMS vectors: spec test-vectors v1.0', () => {
  it('valid/key.bundle.json verifies over signme-1 and signme-2', async () => {
    const r = await verifyModel(specModel, {
      publicKeyPem,
      signaturePath: join(SPEC_VECTORS, 'valid/key.bundle.json'),
      ignorePaths: ['ignore-me', 'model.sig'],
    });
    expect(r.problems).toEqual([]);
    expect(r.subject?.name).toBe('model');
  });

  it('has invalid vectors to check', () => expect(invalid.length).toBeGreaterThanOrEqual(4));

  const expectedCode: Record<string, string> = {
    'invalid/empty.bundle.json': 'BUNDLE_MALFORMED',
    'invalid/missing-envelope.bundle.json': 'BUNDLE_MALFORMED',
    'invalid/missing-verification-material.bundle.json': 'BUNDLE_MALFORMED',
    'invalid/missing-tlog-entries.bundle.json': 'UNSUPPORTED_METHOD',
  };
  for (const f of invalid) {
    it(`${f} is rejected with a reason`, async () => {
      const r = await verifyModel(specModel, {
        publicKeyPem,
        signaturePath: join(SPEC_VECTORS, f),
        ignorePaths: ['ignore-me', 'model.sig'],
      });
      expect(r.verified).toBe(false);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]!.message.length).toBeGreaterThan(10);
      if (expectedCode[f]) expect(r.problems[0]!.code).toBe(expectedCode[f]);
      // The statement-level invalid vector must not pass the signature or predicate checks.
      else expect(['SIGNATURE_INVALID', 'WRONG_PREDICATE_TYPE', 'PAYLOAD_MALFORMED']).toContain(r.problems[0]!.code);
    });
  }
});

/**
 * A single file signed by the reference implementation (model_signing 1.1.1, key method): its one
 * resource is named "." and the file's name is the subject's. Fleetpack must verify it, sign
 * single files the same way (the reference rejects a resource named after the file), and refuse a
 * renamed copy.
 */
describe('OMS vectors: a single file signed by the reference implementation', () => {
  const dir = join(OMS_VECTORS, 'reference-single-file');
  const refKey = readFileSync(join(dir, 'signing-key-pub.pem'), 'utf8');
  const refSig = join(dir, 'model.sig');

  it('verifies model.onnx against the reference bundle', async () => {
    const r = await verifyModel(join(dir, 'model.onnx'), { publicKeyPem: refKey, signaturePath: refSig });
    expect(r.problems).toEqual([]);
    expect(r.verified).toBe(true);
    expect(r.files).toEqual([expect.objectContaining({ name: 'model.onnx', status: 'ok' })]);
    expect(r.subject?.name).toBe('model.onnx');
  });

  it('refuses a renamed copy of the signed file', async () => {
    const copy = join(tempDir(), 'renamed.onnx');
    copyFileSync(join(dir, 'model.onnx'), copy);
    const r = await verifyModel(copy, { publicKeyPem: refKey, signaturePath: refSig });
    expect(r.verified).toBe(false);
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'FILE_RENAMED',
        file: 'renamed.onnx',
        message: expect.stringContaining('"model.onnx"'),
      }),
    ]);
  });

  it('signs a single file with the statement shape the reference wrote', async () => {
    const work = tempDir();
    const file = join(work, 'model.onnx');
    copyFileSync(join(dir, 'model.onnx'), file);
    const key = generateKey('P-256');
    const ours = await signModel(file, signerFromPrivateKeyPem(key.privateKeyPem));
    const mine = statementOf(readFileSync(ours.signaturePath, 'utf8'));
    const theirs = statementOf(readFileSync(refSig, 'utf8'));
    // Same subject (name and root digest over the same bytes) and the same one resource ".".
    expect(mine.subject).toEqual(theirs.subject);
    expect(mine.predicate.resources).toEqual(theirs.predicate.resources);
    expect(mine.predicateType).toBe(theirs.predicateType);
    expect(mine.predicate.serialization).toMatchObject({ method: 'files', hash_type: 'sha256', allow_symlinks: false });
    expect((await verifyModel(file, { publicKeyPem: key.publicKeyPem })).verified).toBe(true);
  });

  it('still verifies single-file bundles that name the resource after the file (Fleetpack before)', async () => {
    const work = tempDir();
    const file = join(work, 'model.onnx');
    copyFileSync(join(dir, 'model.onnx'), file);
    const key = generateKey('P-256');
    const theirs = statementOf(readFileSync(refSig, 'utf8'));
    const resources = [{ ...theirs.predicate.resources[0], name: 'model.onnx' }];
    const statement = buildStatement('model.onnx', resources, theirs.predicate.serialization);
    const sig = join(work, 'old.sig');
    writeFileSync(sig, JSON.stringify(buildBundle(statement, signerFromPrivateKeyPem(key.privateKeyPem))));
    expect((await verifyModel(file, { publicKeyPem: key.publicKeyPem, signaturePath: sig })).verified).toBe(true);
    const renamed = join(work, 'other.onnx');
    copyFileSync(file, renamed);
    const r = await verifyModel(renamed, { publicKeyPem: key.publicKeyPem, signaturePath: sig });
    expect(r.problems.map((p) => p.code)).toEqual(['FILE_RENAMED']);
  });
});
