/**
 * The OMS v1.0 bundle format (reference/signing.md §1–2): a Sigstore bundle v0.3 holding a DSSE
 * envelope whose payload is an in-toto Statement v1 with the model-signing predicate. Builds
 * bundles with exactly the field set the reference verifier accepts, and parses untrusted bundles
 * strictly (unknown fields rejected, sizes bounded), throwing SignatureError with a stable code.
 */
import { createHash } from 'node:crypto';
import { SignatureError } from '../errors.js';
import type { Signer } from './keys.js';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** Hash names OMS records → node:crypto names. blake3 is not in node:crypto. */
export const FILE_HASHES = { sha256: 'sha256', blake2b: 'blake2b512' } as const;
export type FileHash = keyof typeof FILE_HASHES;

export interface Resource {
  name: string;
  algorithm: string;
  digest: string;
}

export interface Serialization {
  method: 'files';
  hash_type: FileHash;
  allow_symlinks: boolean;
  ignore_paths?: string[];
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof PREDICATE_TYPE;
  predicate: { resources: Resource[]; serialization: Serialization };
}

/** The bundle as we write it (current v1.1.0 form: hint, tlogEntries [], keyid ""). */
export interface OmsBundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: [] };
  dsseEnvelope: { payload: string; payloadType: typeof PAYLOAD_TYPE; signatures: [{ sig: string; keyid: string }] };
}

/** DSSE pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** OMS subject digest: SHA-256 over the raw digest bytes of every resource, in listed order. */
export function rootDigest(resources: readonly Pick<Resource, 'digest'>[]): string {
  const h = createHash('sha256');
  for (const r of resources) h.update(Buffer.from(r.digest, 'hex'));
  return h.digest('hex');
}

export function buildStatement(subjectName: string, resources: Resource[], serialization: Serialization): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName, digest: { sha256: rootDigest(resources) } }],
    predicateType: PREDICATE_TYPE,
    predicate: { resources, serialization },
  };
}

/** Signs a statement into a bundle. The payload bytes are exactly what is signed. */
export function buildBundle(statement: Statement, signer: Signer): OmsBundle {
  const payload = Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
  const sig = signer.sign(pae(PAYLOAD_TYPE, payload));
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: signer.keyId }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString('base64'), keyid: '' }],
    },
  };
}

/** What verification needs from an untrusted bundle, after structural checks. */
export interface ParsedBundle {
  payload: Buffer;
  payloadType: string;
  signature: Buffer;
  /** verificationMaterial.publicKey.hint when present and non-empty. */
  hint: string | undefined;
  /** Legacy (v0.3.1–v1.0.x) bundles carry the PEM public key itself. */
  rawPublicKeyPem: string | undefined;
}

/** Upper bound on a bundle file: generous for 100k-file models, small enough to read whole. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

const malformed = (
  message: string,
  where: string,
  hint = 'The signature file is damaged or not an OMS bundle; sign the package again.',
) => new SignatureError('BUNDLE_MALFORMED', message, { where, hint });

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, where: string): Json {
  if (!isObject(v)) throw malformed(`${where} is missing or not a JSON object`, where);
  return v;
}

function onlyFields(o: Json, allowed: readonly string[], where: string, code = 'BUNDLE_MALFORMED'): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new SignatureError(
        code,
        `Unknown field "${k}" in ${where} (the OMS reference verifier rejects unknown fields)`,
        {
          where: `${where}.${k}`,
          hint: 'Only the OMS bundle fields are allowed; re-create the signature with a conforming signer.',
        },
      );
    }
  }
}

function string(v: unknown, where: string, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw malformed(`${where} is missing or not a string`, where);
  if (opts.nonEmpty && v === '') throw malformed(`${where} is empty`, where);
  return v;
}

/** Standard base64 (URL-safe accepted too, as DSSE requires); rejects anything else. */
function base64(v: unknown, where: string): Buffer {
  const s = string(v, where, { nonEmpty: true });
  const std = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const bytes = Buffer.from(std, 'base64');
  // Canonical only: Node's decoder silently drops stray characters and non-zero padding bits, so
  // re-encode and compare; otherwise two different bundle texts could carry the same bytes.
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(s) || bytes.toString('base64').replace(/=+$/, '') !== std) {
    throw malformed(`${where} is not valid base64`, where);
  }
  return bytes;
}

/** Parses and structurally checks a bundle file's text. Throws SignatureError. */
export function parseBundle(text: string): ParsedBundle {
  if (text.trim() === '') throw malformed('The signature file is empty', 'bundle');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw malformed(`The signature file is not valid JSON (${(e as Error).message})`, 'bundle');
  }
  const b = object(doc, 'bundle');
  onlyFields(b, ['mediaType', 'verificationMaterial', 'dsseEnvelope', 'messageSignature'], 'bundle');
  const mediaType = string(b.mediaType, 'bundle.mediaType');
  if (mediaType !== BUNDLE_MEDIA_TYPE) {
    throw new SignatureError('BUNDLE_MEDIA_TYPE', `Unsupported bundle media type "${mediaType.slice(0, 100)}"`, {
      where: 'bundle.mediaType',
      hint: `OMS v1.0 bundles use "${BUNDLE_MEDIA_TYPE}".`,
    });
  }
  if (b.verificationMaterial === undefined)
    throw malformed('The bundle has no verificationMaterial', 'bundle.verificationMaterial');
  const vm = object(b.verificationMaterial, 'bundle.verificationMaterial');
  if (vm.certificate !== undefined || vm.x509CertificateChain !== undefined) {
    throw new SignatureError(
      'UNSUPPORTED_METHOD',
      'The bundle was signed with a certificate or Sigstore keyless; Fleetpack verifies the key method only',
      {
        where: 'bundle.verificationMaterial',
        hint: 'Verify it with `model_signing verify certificate|sigstore`, or sign with a key (`fleetpack sign DIR --key NAME`).',
      },
    );
  }
  onlyFields(vm, ['publicKey', 'tlogEntries', 'timestampVerificationData'], 'bundle.verificationMaterial');
  const pk = object(vm.publicKey, 'bundle.verificationMaterial.publicKey');
  onlyFields(pk, ['hint', 'rawBytes', 'keyDetails'], 'bundle.verificationMaterial.publicKey');
  if (vm.tlogEntries !== undefined && !Array.isArray(vm.tlogEntries))
    throw malformed('tlogEntries is not an array', 'bundle.verificationMaterial.tlogEntries');
  if (vm.timestampVerificationData !== undefined)
    object(vm.timestampVerificationData, 'bundle.verificationMaterial.timestampVerificationData');
  const hint = pk.hint === undefined ? undefined : string(pk.hint, 'bundle.verificationMaterial.publicKey.hint');
  let rawPublicKeyPem: string | undefined;
  if (pk.rawBytes !== undefined)
    rawPublicKeyPem = base64(pk.rawBytes, 'bundle.verificationMaterial.publicKey.rawBytes').toString('utf8');
  if (pk.keyDetails !== undefined) string(pk.keyDetails, 'bundle.verificationMaterial.publicKey.keyDetails');
  if (hint === undefined && rawPublicKeyPem === undefined)
    throw malformed('publicKey has neither hint nor rawBytes', 'bundle.verificationMaterial.publicKey');

  if (b.messageSignature !== undefined) {
    throw new SignatureError(
      'UNSUPPORTED_METHOD',
      'The bundle holds a message signature, not a DSSE envelope; OMS bundles use DSSE',
      { where: 'bundle.messageSignature' },
    );
  }
  if (b.dsseEnvelope === undefined) throw malformed('The bundle has no dsseEnvelope', 'bundle.dsseEnvelope');
  const env = object(b.dsseEnvelope, 'bundle.dsseEnvelope');
  onlyFields(env, ['payload', 'payloadType', 'signatures'], 'bundle.dsseEnvelope');
  const payload = base64(env.payload, 'bundle.dsseEnvelope.payload');
  const payloadType = string(env.payloadType, 'bundle.dsseEnvelope.payloadType');
  if (payloadType !== PAYLOAD_TYPE) {
    throw new SignatureError('PAYLOAD_MALFORMED', `Unexpected DSSE payloadType "${payloadType.slice(0, 100)}"`, {
      where: 'bundle.dsseEnvelope.payloadType',
      hint: `OMS bundles carry "${PAYLOAD_TYPE}".`,
    });
  }
  const sigs = env.signatures;
  if (!Array.isArray(sigs) || sigs.length !== 1) {
    throw malformed(
      `A bundle's DSSE envelope must hold exactly one signature (found ${Array.isArray(sigs) ? sigs.length : 'none'})`,
      'bundle.dsseEnvelope.signatures',
    );
  }
  const s0 = object(sigs[0], 'bundle.dsseEnvelope.signatures[0]');
  onlyFields(s0, ['sig', 'keyid'], 'bundle.dsseEnvelope.signatures[0]');
  if (s0.keyid !== undefined && s0.keyid !== null && typeof s0.keyid !== 'string')
    throw malformed('keyid is not a string', 'bundle.dsseEnvelope.signatures[0].keyid');
  const signature = base64(s0.sig, 'bundle.dsseEnvelope.signatures[0].sig');
  return { payload, payloadType, signature, hint: hint === '' ? undefined : hint, rawPublicKeyPem };
}

/** The statement fields verification uses. */
export interface ParsedStatement {
  subjectName: string;
  subjectDigest: string;
  resources: Resource[];
  serialization: Serialization;
}

const payloadError = (message: string, where: string) =>
  new SignatureError('PAYLOAD_MALFORMED', message, {
    where,
    hint: 'The signed statement is not a valid OMS v1.0 statement; sign the package again.',
  });

const HEX = /^[0-9a-f]+$/;

/** Parses the (already signature-checked) statement bytes. Throws SignatureError. */
export function parseStatement(payload: Buffer): ParsedStatement {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw payloadError(`The DSSE payload is not JSON (${(e as Error).message})`, 'payload');
  }
  if (!isObject(doc)) throw payloadError('The statement is not a JSON object', 'payload');
  if (doc._type !== STATEMENT_TYPE)
    throw payloadError(`The statement _type is not "${STATEMENT_TYPE}"`, 'payload._type');
  if (doc.predicateType !== PREDICATE_TYPE) {
    throw new SignatureError(
      'WRONG_PREDICATE_TYPE',
      `The statement's predicateType is "${String(doc.predicateType).slice(0, 100)}", not the OMS v1.0 predicate`,
      {
        where: 'payload.predicateType',
        hint: `Fleetpack verifies OMS v1.0 signatures (${PREDICATE_TYPE}); legacy v0.1 digests-as-subjects bundles are not supported.`,
      },
    );
  }
  const subject = doc.subject;
  if (!Array.isArray(subject) || subject.length !== 1 || !isObject(subject[0]))
    throw payloadError('The statement must have exactly one subject', 'payload.subject');
  const subjectName = subject[0].name;
  const digestSet = subject[0].digest;
  if (typeof subjectName !== 'string' || subjectName === '')
    throw payloadError('The subject has no name', 'payload.subject[0].name');
  if (!isObject(digestSet) || typeof digestSet.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(digestSet.sha256)) {
    throw payloadError('The subject has no lower-case hex sha256 digest', 'payload.subject[0].digest.sha256');
  }
  const predicate = doc.predicate;
  if (!isObject(predicate)) throw payloadError('The statement has no predicate', 'payload.predicate');
  onlyFields(predicate, ['resources', 'serialization'], 'payload.predicate', 'PAYLOAD_MALFORMED');
  const ser = predicate.serialization;
  if (!isObject(ser)) throw payloadError('The predicate has no serialization', 'payload.predicate.serialization');
  onlyFields(
    ser,
    ['method', 'hash_type', 'allow_symlinks', 'shard_size', 'ignore_paths'],
    'payload.predicate.serialization',
    'PAYLOAD_MALFORMED',
  );
  if (ser.method !== 'files') {
    throw new SignatureError(
      'UNSUPPORTED_SERIALIZATION',
      `Serialization method "${String(ser.method).slice(0, 40)}" is not supported`,
      {
        where: 'payload.predicate.serialization.method',
        hint: 'Fleetpack verifies the "files" method (the one the reference CLI verifies); re-sign with method files.',
      },
    );
  }
  if (typeof ser.hash_type !== 'string' || !(ser.hash_type in FILE_HASHES)) {
    throw new SignatureError(
      'UNSUPPORTED_SERIALIZATION',
      `File hash "${String(ser.hash_type).slice(0, 40)}" is not supported`,
      {
        where: 'payload.predicate.serialization.hash_type',
        hint: `Supported: ${Object.keys(FILE_HASHES).join(', ')}.`,
      },
    );
  }
  if (typeof ser.allow_symlinks !== 'boolean')
    throw payloadError(
      'serialization.allow_symlinks is missing or not a boolean',
      'payload.predicate.serialization.allow_symlinks',
    );
  let ignorePaths: string[] | undefined;
  if (ser.ignore_paths !== undefined) {
    if (!Array.isArray(ser.ignore_paths) || !ser.ignore_paths.every((p) => typeof p === 'string')) {
      throw payloadError(
        'serialization.ignore_paths is not a list of strings',
        'payload.predicate.serialization.ignore_paths',
      );
    }
    ignorePaths = ser.ignore_paths;
  }
  const hashType = ser.hash_type as FileHash;
  const list = predicate.resources;
  if (!Array.isArray(list) || list.length === 0)
    throw payloadError('The predicate lists no resources', 'payload.predicate.resources');
  const seen = new Set<string>();
  const resources: Resource[] = list.map((r, i) => {
    const where = `payload.predicate.resources[${i}]`;
    if (!isObject(r)) throw payloadError('A resource is not an object', where);
    const { name, algorithm, digest } = r;
    if (typeof name !== 'string' || !validResourceName(name, list.length))
      throw payloadError(
        `Resource name ${JSON.stringify(String(name)).slice(0, 200)} is not a normalized relative path`,
        `${where}.name`,
      );
    if (algorithm !== hashType)
      throw payloadError(
        `Resource "${name}" uses algorithm "${String(algorithm).slice(0, 40)}", not the serialization's "${hashType}"`,
        `${where}.algorithm`,
      );
    if (typeof digest !== 'string' || !HEX.test(digest) || digest.length % 2 !== 0)
      throw payloadError(`Resource "${name}" has no lower-case hex digest`, `${where}.digest`);
    if (seen.has(name)) throw payloadError(`Resource "${name}" is listed twice`, `${where}.name`);
    seen.add(name);
    return { name, algorithm: hashType, digest };
  });
  return {
    subjectName,
    subjectDigest: digestSet.sha256,
    resources,
    serialization: {
      method: 'files',
      hash_type: hashType,
      allow_symlinks: ser.allow_symlinks,
      ...(ignorePaths ? { ignore_paths: ignorePaths } : {}),
    },
  };
}

/** Relative POSIX path, no empty / "." / ".." segments, no leading "/"; "." alone only for legacy single-file bundles. */
function validResourceName(name: string, count: number): boolean {
  if (name === '.') return count === 1;
  if (name === '' || name.startsWith('/') || name.includes('\0')) return false;
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
