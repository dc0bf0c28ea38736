/**
 * Sign a model (folder or file) into an OMS v1.0 bundle, and verify one against a public key:
 * signature, statement, subject digest, then every file re-hashed and compared by name
 * (modified, missing and extra files are reported one by one).
 */
import { open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoOf, ioReason, SignatureError, throwIfAborted } from '../errors.js';
import {
  buildBundle,
  buildStatement,
  FILE_HASHES,
  MAX_BUNDLE_BYTES,
  type OmsBundle,
  pae,
  parseBundle,
  parseStatement,
  type ParsedBundle,
  type ParsedStatement,
  type Resource,
  rootDigest,
} from './bundle.js';
import { type FileDigest, hashFiles, type HashProgress } from '../package/index.js';
import { listModelFiles, type ModelFile } from './files.js';
import { compareCodePoints, DEFAULT_IGNORES, DEFAULT_SIGNATURE_NAME, IgnoreSet, relativeToRoot } from './ignores.js';
import { type Curve, type ParsedPublicKey, parsePublicKeyPem, type Signer, verifySignature } from './keys.js';

export interface SignProgress extends HashProgress {
  phase: 'listing' | 'hashing' | 'signing';
}

export interface SignOptions {
  /** Where to write the bundle; default `model.sig` in the folder (beside the file for a single-file model). */
  signaturePath?: string;
  /** Paths to leave out: absolute, or relative to the model folder. */
  ignorePaths?: string[];
  signal?: AbortSignal;
  onProgress?: (p: SignProgress) => void;
  /** Worker count for hashing (default: CPU count). */
  concurrency?: number;
}

/** Something the caller should hear about that did not stop the operation. */
export interface SigningWarning {
  /** IGNORE_UNMATCHED: an ignore path that matches no file or folder of the model. */
  code: string;
  path: string;
  message: string;
}

export interface SignResult {
  signaturePath: string;
  keyId: string;
  curve: Curve;
  /** The subject digest (sha256 hex) over every file digest. */
  rootDigest: string;
  files: FileDigest[];
  bundle: OmsBundle;
  warnings: SigningWarning[];
}

export interface VerifyOptions {
  /** The signer's public key, SPKI PEM text (a text dump before the PEM block is tolerated). */
  publicKeyPem: string;
  /** Shown in errors about the key, e.g. its file path. */
  publicKeyWhere?: string;
  signaturePath?: string;
  ignorePaths?: string[];
  /** Tolerate files on disk that the bundle does not list. */
  ignoreUnsignedFiles?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
  concurrency?: number;
}

export type FileStatus = 'ok' | 'modified' | 'missing' | 'extra';

export interface VerifiedFile {
  name: string;
  status: FileStatus;
  /** Digest the bundle lists. */
  expected?: string;
  /** Digest of the file on disk. */
  actual?: string;
}

export interface VerifyProblem {
  /** SignatureError code: BUNDLE_MISSING, BUNDLE_MALFORMED, WRONG_KEY, SIGNATURE_INVALID, FILE_MODIFIED, … */
  code: string;
  /** Resource name, for file problems. */
  file?: string;
  message: string;
}

export interface VerifyResult {
  verified: boolean;
  /** Key id (OMS hint) of the public key verified against. */
  keyId: string;
  signaturePath: string;
  /** Subject name and digest of a bundle whose signature checked out. */
  subject: { name: string; digest: string } | undefined;
  files: VerifiedFile[];
  problems: VerifyProblem[];
  warnings: SigningWarning[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function defaultSignaturePath(root: string, single: boolean): string {
  return single ? join(dirname(root), DEFAULT_SIGNATURE_NAME) : join(root, DEFAULT_SIGNATURE_NAME);
}

/**
 * Default ignores + the signature file + user paths (absolute, or relative to the model folder —
 * not to the working directory), + paths the bundle records. Also returns how each user path
 * resolved, so one that matches nothing can be reported.
 */
function ignoreSet(
  root: string,
  single: boolean,
  signaturePath: string,
  extra: string[] = [],
  recorded: string[] = [],
): { set: IgnoreSet; user: { path: string; rel: string | undefined }[] } {
  const set = new IgnoreSet(DEFAULT_IGNORES);
  const base = single ? dirname(root) : root;
  const sig = relativeToRoot(base, signaturePath);
  if (sig !== undefined) set.add(sig);
  const user = extra.map((path) => ({ path, rel: relativeToRoot(base, path) }));
  for (const u of user) if (u.rel !== undefined) set.add(u.rel);
  for (const p of recorded) set.add(p);
  return { set, user };
}

/** A warning for each user ignore path that matched nothing (outside the model, or no such file). */
function unmatchedIgnores(user: { path: string; rel: string | undefined }[], set: IgnoreSet): SigningWarning[] {
  return user
    .filter((u) => u.rel === undefined || !set.hit(u.rel))
    .map((u) => ({
      code: 'IGNORE_UNMATCHED',
      path: u.path,
      message:
        u.rel === undefined
          ? `ignore path "${u.path}" lies outside the model folder, so it leaves nothing out`
          : `ignore path "${u.path}" matches no file or folder of the model (ignore paths are relative to the model folder, not to the working directory)`,
    }));
}

/**
 * Signs the model at `modelPath` and writes the bundle. `signer` may be a promise (a keychain
 * lookup): it then runs while the files are hashed, and if it fails the hashing stops and its
 * error is the one thrown.
 */
export async function signModel(
  modelPath: string,
  signer: Signer | Promise<Signer>,
  opts: SignOptions = {},
): Promise<SignResult> {
  const pending = Promise.resolve(signer);
  const stop = new AbortController();
  let lookupFailed: { error: unknown } | undefined;
  pending.catch((error: unknown) => {
    lookupFailed = { error };
    stop.abort();
  });
  try {
    return await signWith(modelPath, pending, {
      ...opts,
      signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal,
    });
  } catch (e) {
    if (lookupFailed && !opts.signal?.aborted) throw lookupFailed.error;
    throw e;
  }
}

async function signWith(modelPath: string, pending: Promise<Signer>, opts: SignOptions): Promise<SignResult> {
  const root = resolve(modelPath);
  const single = await isFile(root);
  const signaturePath = resolve(opts.signaturePath ?? defaultSignaturePath(root, single));
  if (single && signaturePath === root) {
    throw new SignatureError('SIGNATURE_PATH', 'The signature would overwrite the model file', {
      where: signaturePath,
      hint: 'Choose another --signature path.',
    });
  }
  const { set: ignore, user } = ignoreSet(root, single, signaturePath, opts.ignorePaths);
  opts.onProgress?.({ phase: 'listing', bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 });
  const { files } = await listModelFiles(root, { ignore, signal: opts.signal });
  const warnings = unmatchedIgnores(user, ignore);
  const digests = await hashFiles(files, {
    algorithm: 'sha256',
    signal: opts.signal,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    onProgress: opts.onProgress && ((p) => opts.onProgress!({ phase: 'hashing', ...p })),
  });
  throwIfAborted(opts.signal);
  const total = digests.reduce((s, d) => s + d.size, 0);
  opts.onProgress?.({
    phase: 'signing',
    bytesDone: total,
    bytesTotal: total,
    filesDone: files.length,
    filesTotal: files.length,
  });
  // `files` is already in code-point order; the subject digest is computed over this order. A
  // single file's one resource is named "." as the reference implementation names it (its
  // verifier accepts nothing else); the file's name is the subject's name.
  const resources: Resource[] = digests.map((d) => ({
    name: single ? SINGLE_FILE_RESOURCE : d.name,
    algorithm: 'sha256',
    digest: d.digest,
  }));
  const statement = buildStatement(basename(root) || 'model', resources, {
    method: 'files',
    hash_type: 'sha256',
    allow_symlinks: false,
    ignore_paths: ignore.list(),
  });
  const signer = await pending;
  throwIfAborted(opts.signal);
  const bundle = buildBundle(statement, signer);
  await writeAtomically(signaturePath, JSON.stringify(bundle));
  return {
    signaturePath,
    keyId: signer.keyId,
    curve: signer.curve,
    rootDigest: statement.subject[0].digest.sha256,
    files: digests,
    bundle,
    warnings,
  };
}

/** The name the reference implementation gives the one resource of a single-file model. */
const SINGLE_FILE_RESOURCE = '.';

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new SignatureError('SIGNATURE_WRITE', `Cannot write the signature (${ioReason(e)})`, {
      where: path,
      hint: 'Check that the folder exists and is writable.',
    });
  }
}

/** Reads a bundle file with a size bound; undefined when it does not exist. */
async function readBundle(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw new SignatureError('BUNDLE_UNREADABLE', `Cannot read the signature (${ioReason(e)})`, { where: path });
  }
  try {
    const { size } = await fh.stat();
    if (size > MAX_BUNDLE_BYTES) {
      throw new SignatureError(
        'BUNDLE_MALFORMED',
        `The signature file is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`,
        { where: path, hint: 'This is not an OMS bundle for a model Fleetpack can verify.' },
      );
    }
    return (await fh.readFile()).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Checks the bundle names this key (hint or legacy embedded PEM). */
function checkKey(b: ParsedBundle, key: ParsedPublicKey): void {
  const wrong = (detail: string) =>
    new SignatureError('WRONG_KEY', `The bundle was signed with a different key (${detail})`, {
      where: 'bundle.verificationMaterial.publicKey',
      hint: 'Verify with the public key of the signer (`fleetpack key export NAME`), or check you picked the right signature.',
    });
  if (b.hint !== undefined && b.hint !== key.keyId)
    throw wrong(`bundle key id ${b.hint.slice(0, 64)}, given key ${key.keyId}`);
  if (b.rawPublicKeyPem !== undefined) {
    let same: boolean;
    try {
      same = parsePublicKeyPem(b.rawPublicKeyPem).keyId === key.keyId;
    } catch {
      throw new SignatureError('BUNDLE_MALFORMED', 'The public key embedded in the bundle is not a PEM EC public key', {
        where: 'bundle.verificationMaterial.publicKey.rawBytes',
      });
    }
    if (!same) throw wrong('embedded public key differs');
  }
}

function emptyResult(keyId: string, signaturePath: string): VerifyResult {
  return { verified: false, keyId, signaturePath, subject: undefined, files: [], problems: [], warnings: [] };
}

/** The bundle's signature and statement checked against `key`; a SignatureError when they fail. */
function checkedStatement(text: string, key: ParsedPublicKey): ParsedStatement {
  const b = parseBundle(text);
  checkKey(b, key);
  if (!verifySignature(key, pae(b.payloadType, b.payload), b.signature)) {
    throw new SignatureError(
      'SIGNATURE_INVALID',
      'The signature does not match the signed statement: it was altered or not made with this key',
      { where: 'bundle.dsseEnvelope.signatures[0].sig' },
    );
  }
  const statement = parseStatement(b.payload);
  if (rootDigest(statement.resources) !== statement.subjectDigest) {
    throw new SignatureError('SUBJECT_MISMATCH', 'The subject digest does not match the listed file digests', {
      where: 'payload.subject[0].digest',
    });
  }
  return statement;
}

/** Compares the signed digests with the actual ones, file by file, into `result`. */
function compareDigests(result: VerifyResult, expected: Map<string, Resource>, actual: Map<string, string>): void {
  const names = [...new Set([...expected.keys(), ...actual.keys()])].sort(compareCodePoints);
  for (const name of names) {
    const want = expected.get(name)?.digest;
    const got = actual.get(name);
    if (want !== undefined && got === undefined) {
      result.files.push({ name, status: 'missing', expected: want });
      result.problems.push({ code: 'FILE_MISSING', file: name, message: `"${name}" is signed but missing` });
    } else if (want === undefined && got !== undefined) {
      result.files.push({ name, status: 'extra', actual: got });
      result.problems.push({ code: 'FILE_EXTRA', file: name, message: `"${name}" is not covered by the signature` });
    } else if (want !== got) {
      result.files.push({ name, status: 'modified', expected: want!, actual: got! });
      result.problems.push({
        code: 'FILE_MODIFIED',
        file: name,
        message: `"${name}" was modified after signing (digest differs)`,
      });
    } else {
      result.files.push({ name, status: 'ok', expected: want!, actual: got! });
    }
  }
}

/** What a bundle says before any key is chosen: the signer's key id (hint) and the signed files. */
export interface BundleClaims {
  keyId: string | undefined;
  /** Legacy bundles embed the PEM public key instead of a hint. */
  embeddedPublicKeyPem: string | undefined;
  files: { name: string; digest: string }[];
}

/** Reads a bundle's claims without verifying anything (to pick the key to verify with). */
export function readBundleClaims(text: string): BundleClaims {
  const b = parseBundle(text);
  const statement = parseStatement(b.payload);
  return {
    keyId: b.hint,
    embeddedPublicKeyPem: b.rawPublicKeyPem,
    files: statement.resources.map((r) => ({ name: r.name, digest: r.digest })),
  };
}

export interface DigestVerifyOptions {
  publicKeyPem: string;
  publicKeyWhere?: string;
  /** Where the bundle came from, for messages (e.g. "model.sig"). */
  signaturePath?: string;
  /** Every file of the model with its SHA-256 (hex), as a server that hashed the uploads knows them. */
  files: { name: string; digest: string }[];
}

/**
 * Verifies a bundle against files hashed by someone else (a platform that hashed uploads itself,
 * or OCI raw layers whose digest is the file SHA-256): the same checks as verifyModel without
 * reading any file. The signature file itself and the statement's ignore paths are left out.
 */
export function verifyBundleDigests(text: string, opts: DigestVerifyOptions): VerifyResult {
  const key = parsePublicKeyPem(opts.publicKeyPem, opts.publicKeyWhere);
  const signaturePath = opts.signaturePath ?? DEFAULT_SIGNATURE_NAME;
  const result = emptyResult(key.keyId, signaturePath);
  let statement: ParsedStatement;
  try {
    statement = checkedStatement(text, key);
    if (statement.serialization.hash_type !== 'sha256') {
      throw new SignatureError(
        'HASH_TYPE_UNSUPPORTED',
        `The bundle hashes files with ${statement.serialization.hash_type}; only sha256 can be checked against known digests`,
        { where: 'payload.predicate.serialization.hash_type', hint: 'Sign with the default (sha256) file hashes.' },
      );
    }
  } catch (e) {
    if (!(e instanceof SignatureError)) throw e;
    result.problems.push({ code: e.code, message: e.message });
    return result;
  }
  result.subject = { name: statement.subjectName, digest: statement.subjectDigest };
  const ignore = new IgnoreSet([...DEFAULT_IGNORES, signaturePath, ...(statement.serialization.ignore_paths ?? [])]);
  const actual = new Map(
    opts.files.filter((f) => !ignore.matches(f.name)).map((f) => [f.name, f.digest.toLowerCase()]),
  );
  compareDigests(result, new Map(statement.resources.map((r) => [r.name, r])), actual);
  result.verified = result.problems.length === 0;
  return result;
}

/** Verifies the model at `modelPath` against its bundle. Problems are returned, not thrown. */
export async function verifyModel(modelPath: string, opts: VerifyOptions): Promise<VerifyResult> {
  const root = resolve(modelPath);
  const key = parsePublicKeyPem(opts.publicKeyPem, opts.publicKeyWhere);
  const single = await isFile(root);
  const signaturePath = resolve(opts.signaturePath ?? defaultSignaturePath(root, single));
  const result = emptyResult(key.keyId, signaturePath);
  const fail = (code: string, message: string, file?: string) =>
    result.problems.push({ code, ...(file === undefined ? {} : { file }), message });

  const text = await readBundle(signaturePath);
  if (text === undefined) {
    fail('BUNDLE_MISSING', `No signature file at ${signaturePath}`);
    return result;
  }
  let statement;
  try {
    statement = checkedStatement(text, key);
  } catch (e) {
    if (!(e instanceof SignatureError)) throw e;
    fail(e.code, e.message);
    return result;
  }
  result.subject = { name: statement.subjectName, digest: statement.subjectDigest };

  const { set: ignore, user } = ignoreSet(
    root,
    single,
    signaturePath,
    opts.ignorePaths,
    statement.serialization.ignore_paths,
  );
  let local: ModelFile[];
  try {
    // An emptied folder is reported file by file (all missing), not as an unsignable model.
    local = (await listModelFiles(root, { ignore, signal: opts.signal, allowEmpty: true })).files;
  } catch (e) {
    if (!(e instanceof SignatureError) || e.code === 'MODEL_NOT_FOUND') throw e;
    fail(e.code, e.message);
    return result;
  }
  result.warnings = unmatchedIgnores(user, ignore);
  const expected = new Map(statement.resources.map((r) => [r.name, r]));
  // A single-file bundle names its one resource "." (the reference implementation, and Fleetpack
  // since) — the file's name is then the subject's — or by the file's basename (the OMS spec, and
  // Fleetpack before). Either form matches a lone file, but only under the name it was signed as.
  const only = statement.resources.length === 1 ? statement.resources[0]! : undefined;
  if (only && local.length === 1 && (only.name === SINGLE_FILE_RESOURCE || single)) {
    const signedAs = only.name === SINGLE_FILE_RESOURCE ? statement.subjectName : only.name;
    const name = local[0]!.name;
    if (signedAs !== name)
      fail('FILE_RENAMED', `"${name}" was signed as "${signedAs}": a renamed copy is not the signed file`, name);
    expected.clear();
    expected.set(name, { ...only, name });
  }
  if (opts.ignoreUnsignedFiles) local = local.filter((f) => expected.has(f.name));

  const digests = await hashFiles(local, {
    algorithm: FILE_HASHES[statement.serialization.hash_type],
    signal: opts.signal,
    onProgress: opts.onProgress,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  compareDigests(result, expected, new Map(digests.map((d) => [d.name, d.digest])));
  result.verified = result.problems.length === 0;
  return result;
}
