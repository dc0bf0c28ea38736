/**
 * Publishing a release. The platform never loads weights: it reads `fleetpack.json`, `model.sig`
 * and the SBOM, and compares digests it computed itself (uploads) or that the registry's content
 * addressing guarantees (raw layers). Checks run first and report every problem at once; then one
 * write transaction records the release, its files, its channel and its TUF targets, re-signs the
 * touched bins, snapshot and timestamp, and writes the audit entry — all or nothing.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FleetpackError, messageOf, PlatformError } from '../errors.js';
import {
  isChannelName,
  type Manifest,
  validateDocument,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  parseManifestText,
  SBOM_FILES,
  SIGNATURE_FILE,
} from '../manifest/index.js';
import { MAX_PACKAGE_FILES } from '../package/index.js';
import { MAX_SBOM_BYTES, sbomCompliance } from '../sbom/index.js';
import { MAX_BUNDLE_BYTES, readBundleClaims, verifyBundleDigests } from '../signing/index.js';
import { type Actor, audit, newId } from './audit.js';
import { type Problem, ProblemList, PublishError } from './problems.js';
import { isUniqueViolation, type Tx } from './store/database.js';
import type { Database, ReleaseTable } from './store/schema.js';
import type { Json } from './tuf/metadata.js';
import type { OnlineSigners, TargetRow, TufRepository } from './tuf/repository.js';
import { DIGEST_RE } from './uploads.js';
import { decodeUtf8 } from '../json.js';

export interface IncomingFile {
  /** Path inside the package, `/`-separated. */
  path: string;
  /** `sha256:<hex>` as the platform computed it (upload) or the registry addresses it (raw layer). */
  digest: string;
  size: number;
}

/** Read access to the bytes behind a release's files. */
export interface BlobAccess {
  /** True when the store holds a blob with this digest and size. */
  has(digest: string, size: number): Promise<boolean>;
  /** A small file's bytes, verified, refused above `maxBytes`. */
  read(digest: string, size: number, maxBytes: number): Promise<Buffer>;
}

export type PublishSource =
  { kind: 'upload' } | { kind: 'registry'; repository: string; digest: string; reference: string };

export interface PublishRequest {
  files: IncomingFile[];
  channel?: string;
  source: PublishSource;
}

export interface PublishContext {
  store: { write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> };
  repo: TufRepository;
  /** The online signers, checked inside the transaction (a key rotated by another process is picked up). */
  online: (tx: Tx) => Promise<OnlineSigners>;
  blobs: BlobAccess;
  requirePublisherSignature: boolean;
  now: () => Date;
  /** Fault injection for tests: runs inside the transaction, just before commit. */
  beforeCommit?: () => Promise<void>;
}

/** The sbom verdict stored with a release (what `coverage` counts). */
export interface SbomVerdict {
  file?: string;
  format?: string;
  specVersion?: string;
  counted: boolean;
  compliant: boolean;
  ntiaScore?: number;
  reasons: string[];
}

export type SignatureStatus = 'verified' | 'unsigned' | 'unverified';

export interface ReleaseFile {
  path: string;
  digest: string;
  size: number;
  role: string;
  /** The TUF target path devices ask for. */
  target: string;
}

export interface Release {
  id: string;
  name: string;
  version: string;
  releaseCounter: number;
  manifestDigest: string;
  framework: string;
  profiles: string[];
  channels: string[];
  source: 'upload' | 'registry';
  oci?: { repository: string; digest: string };
  publisher: string;
  signature: { status: SignatureStatus; keyId?: string };
  sbom: SbomVerdict;
  publishedAt: string;
  files: ReleaseFile[];
}

export interface PublishResult {
  release: Release;
  /** True when the same content was already published under this version (nothing changed). */
  existed: boolean;
  tuf: { timestampVersion: number; snapshotVersion: number };
}

/** `models/NAME/VERSION/FILE`: what a release's file is called in TUF. */
export function targetPath(name: string, version: string, file: string): string {
  return `models/${name}/${version}/${file}`;
}

const SEGMENT_RE = /^[A-Za-z0-9_@+=,~-][A-Za-z0-9._@+=,~ -]{0,254}$/;

/** A package-relative path that is safe everywhere: no `..`, no absolute, no control characters. */
export function isSafePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024 || p.startsWith('/') || p.endsWith('/')) return false;
  return p.split('/').every((s) => SEGMENT_RE.test(s) && s !== '.' && s !== '..' && !s.endsWith(' '));
}

/** Digest over the sorted (path, digest) list: equal for equal content, whatever the order. */
export function contentDigest(files: IncomingFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    h.update(`${f.path}\0${f.digest}\n`);
  return `sha256:${h.digest('hex')}`;
}

interface Checked {
  manifest: Manifest;
  manifestDigest: string;
  signature: { status: SignatureStatus; keyId?: string };
  sbom: SbomVerdict;
  roles: Map<string, string>;
}

function fleetpackMessage(e: unknown): string {
  return messageOf(e);
}

/** Shape checks on the request itself: paths, digests, sizes, duplicates, count. */
function checkRequest(req: PublishRequest, problems: ProblemList): void {
  if (!Array.isArray(req.files) || req.files.length === 0) {
    problems.add({
      step: 'request',
      code: 'NO_FILES',
      message: 'The publish names no files',
      hint: 'List every package file with its digest and size.',
    });
    return;
  }
  if (req.files.length > MAX_PACKAGE_FILES) {
    problems.add({
      step: 'request',
      code: 'TOO_MANY_FILES',
      message: `The publish names ${req.files.length} files; the limit is ${MAX_PACKAGE_FILES}`,
    });
    return;
  }
  const seen = new Set<string>();
  for (const f of req.files) {
    if (!isSafePath(f.path)) {
      problems.add({
        step: 'request',
        code: 'PATH_INVALID',
        file: f.path.slice(0, 200),
        message: 'Not a safe package-relative path',
        hint: 'Use /-separated relative paths without "..", leading "/" or control characters.',
      });
    } else if (seen.has(f.path)) {
      problems.add({ step: 'request', code: 'PATH_DUPLICATE', file: f.path, message: 'The file is listed twice' });
    }
    seen.add(f.path);
    if (!DIGEST_RE.test(f.digest))
      problems.add({
        step: 'request',
        code: 'DIGEST_INVALID',
        file: f.path,
        message: `"${f.digest.slice(0, 80)}" is not a sha256 digest`,
      });
    if (!Number.isSafeInteger(f.size) || f.size < 0)
      problems.add({
        step: 'request',
        code: 'SIZE_INVALID',
        file: f.path,
        message: 'The size is not a non-negative integer',
      });
  }
  if (req.channel !== undefined && !isChannelName(req.channel)) {
    problems.add({
      step: 'channel',
      code: 'CHANNEL_INVALID',
      message: `"${req.channel.slice(0, 40)}" is not a channel name`,
      hint: 'Use stable, beta, canary or a lower-case name (letters, digits, "-"; at most 32).',
    });
  }
}

/**
 * Everything checked before the transaction: files present at their sizes, the manifest (schema,
 * rules, file list, sizes, digests), the signature and its policy, the SBOM. Throws a
 * PublishError listing every problem.
 */
export async function checkRelease(
  req: PublishRequest,
  blobs: BlobAccess,
  publisherKeys: { keyId: string; pem: string }[],
  requireSignature: boolean,
): Promise<Checked> {
  const problems = new ProblemList();
  checkRequest(req, problems);
  problems.throwIfAny('the package');
  const byPath = new Map(req.files.map((f) => [f.path, f]));
  for (const f of req.files) {
    if (!(await blobs.has(f.digest, f.size))) {
      problems.add({
        step: 'files',
        code: 'FILE_NOT_UPLOADED',
        file: f.path,
        message: `The platform holds no ${f.size}-byte blob ${f.digest}`,
        hint: 'Upload the file first (fleetpack publish uploads every file).',
      });
    }
  }
  const mf = byPath.get(MANIFEST_FILE);
  if (!mf) {
    problems.add({
      step: 'manifest',
      code: 'MANIFEST_MISSING',
      file: MANIFEST_FILE,
      message: `The package has no ${MANIFEST_FILE}`,
      hint: 'Create it with `fleetpack init MODEL`.',
    });
  }
  problems.throwIfAny('the package');

  // The manifest: parse, schema + rules, then the file list against what was received.
  let manifest: Manifest;
  try {
    const bytes = await blobs.read(mf!.digest, mf!.size, MAX_MANIFEST_BYTES);
    manifest = parseManifestText(decodeUtf8(bytes, MANIFEST_FILE), MANIFEST_FILE);
  } catch (e) {
    problems.add({
      step: 'manifest',
      code: e instanceof FleetpackError ? e.code : 'MANIFEST_UNREADABLE',
      file: MANIFEST_FILE,
      ...(e instanceof FleetpackError && e.where ? { pointer: e.where } : {}),
      message: fleetpackMessage(e),
      ...(e instanceof FleetpackError && e.hint ? { hint: e.hint } : {}),
    });
    return problems.refuse('the package');
  }
  const report = validateDocument(manifest);
  for (const f of report.errors) {
    problems.add({
      step: 'manifest',
      code: f.code,
      file: MANIFEST_FILE,
      pointer: f.pointer,
      message: f.message,
      ...(f.hint ? { hint: f.hint } : {}),
    });
  }
  const label =
    typeof manifest.name === 'string' && typeof manifest.version === 'string'
      ? `${manifest.name}@${manifest.version}`
      : 'the package';
  problems.throwIfAny(label);

  const roles = new Map<string, string>([[MANIFEST_FILE, 'manifest']]);
  for (const [i, a] of manifest.artifact.files.entries()) {
    const at = `/artifact/files/${i}`;
    roles.set(a.path, a.role);
    const got = byPath.get(a.path);
    if (!got) {
      problems.add({
        step: 'files',
        code: 'FILE_NOT_UPLOADED',
        file: a.path,
        pointer: `${at}/path`,
        message: `${a.path} is listed in the manifest but was not uploaded`,
        hint: 'Publish the whole package folder.',
      });
      continue;
    }
    if (got.size !== a.size) {
      problems.add({
        step: 'files',
        code: 'ARTIFACT_SIZE_MISMATCH',
        file: a.path,
        pointer: `${at}/size`,
        message: `${a.path} is ${got.size} bytes but the manifest says ${a.size}`,
        hint: 'The file changed after the manifest was written: re-run `fleetpack init`, or restore the file.',
      });
    } else if (got.digest !== `sha256:${a.sha256.toLowerCase()}`) {
      problems.add({
        step: 'files',
        code: 'ARTIFACT_DIGEST_MISMATCH',
        file: a.path,
        pointer: `${at}/sha256`,
        message: `${a.path} has digest ${got.digest} but the manifest says sha256:${a.sha256}`,
        hint: 'The file is not the one the manifest describes: restore it, or re-create the manifest.',
      });
    }
  }
  // The SBOM: recorded in the manifest, or one of the well-known names.
  const sbomPath = manifest.sbom?.file ?? Object.values(SBOM_FILES).find((n) => byPath.has(n));
  let sbomBytes: Buffer | undefined;
  if (sbomPath !== undefined) {
    roles.set(sbomPath, 'sbom');
    const f = byPath.get(sbomPath);
    if (!f) {
      problems.add({
        step: 'sbom',
        code: 'SBOM_MISSING',
        file: sbomPath,
        pointer: '/sbom/file',
        message: `The manifest names SBOM ${sbomPath} but it was not uploaded`,
        hint: 'Publish the whole package folder.',
      });
    } else if (manifest.sbom?.sha256 && f.digest !== `sha256:${manifest.sbom.sha256.toLowerCase()}`) {
      problems.add({
        step: 'sbom',
        code: 'SBOM_DIGEST_MISMATCH',
        file: sbomPath,
        pointer: '/sbom/sha256',
        message: `${sbomPath} does not match the digest the manifest records`,
        hint: 'The SBOM changed after it was attached: attach it again (fleetpack sbom attach).',
      });
    } else {
      sbomBytes = await blobs.read(f.digest, f.size, MAX_SBOM_BYTES).catch((e: unknown) => {
        problems.add({ step: 'sbom', code: 'SBOM_UNREADABLE', file: sbomPath, message: fleetpackMessage(e) });
        return undefined;
      });
    }
  }
  let sbom: SbomVerdict = { counted: false, compliant: false, reasons: ['no SBOM attached'] };
  if (sbomPath !== undefined && sbomBytes) {
    const verdict = sbomCompliance(manifest, { file: sbomPath, bytes: sbomBytes });
    sbom = {
      file: sbomPath,
      ...(verdict.sbom ? { format: verdict.sbom.format, specVersion: verdict.sbom.specVersion } : {}),
      counted: verdict.counted,
      compliant: verdict.compliant,
      ...(verdict.ntia ? { ntiaScore: Math.round(verdict.ntia.score * 1000) } : {}),
      reasons: verdict.reasons,
    };
    const invalid = verdict.reasons.find((r) => r.startsWith('SBOM invalid') || r.includes('unreadable'));
    if (invalid) {
      problems.add({
        step: 'sbom',
        code: 'SBOM_INVALID',
        file: sbomPath,
        message: invalid,
        hint: 'Validate it with `fleetpack sbom validate FILE`, fix it, and attach it again.',
      });
    }
  }
  // The signature: check what it signs against what arrived; verify with the publisher's key.
  let signature: Checked['signature'] = { status: 'unsigned' };
  const sig = byPath.get(SIGNATURE_FILE);
  if (sig) {
    roles.set(SIGNATURE_FILE, 'signature');
    const problem = (code: string, message: string, file?: string, hint?: string): Problem => ({
      step: 'signature',
      code,
      message,
      file: file ?? SIGNATURE_FILE,
      ...(hint ? { hint } : {}),
    });
    try {
      const text = decodeUtf8(await blobs.read(sig.digest, sig.size, MAX_BUNDLE_BYTES), SIGNATURE_FILE);
      const claims = readBundleClaims(text);
      const files = req.files.map((f) => ({ name: f.path, digest: f.digest.slice('sha256:'.length) }));
      const key =
        publisherKeys.find((k) => k.keyId === claims.keyId) ??
        (claims.embeddedPublicKeyPem
          ? publisherKeys.find((k) => k.pem.trim() === claims.embeddedPublicKeyPem!.trim())
          : undefined);
      if (key) {
        const v = verifyBundleDigests(text, { publicKeyPem: key.pem, files, signaturePath: SIGNATURE_FILE });
        for (const p of v.problems)
          problems.add(
            problem(
              p.code,
              p.message,
              p.file,
              p.file
                ? 'The file differs from what was signed: sign the package again, or publish the signed files.'
                : 'The signature does not verify: sign the package again.',
            ),
          );
        if (v.verified) signature = { status: 'verified', keyId: key.keyId };
      } else {
        // No registered key to verify with: still refuse files that differ from what the bundle lists.
        const signed = new Map(claims.files.map((f) => [f.name, f.digest]));
        for (const f of files) {
          if (f.name === SIGNATURE_FILE) continue;
          const want = signed.get(f.name);
          if (want === undefined)
            problems.add(
              problem(
                'FILE_EXTRA',
                `"${f.name}" is not covered by the signature`,
                f.name,
                'Sign the package again after the last change.',
              ),
            );
          else if (want !== f.digest)
            problems.add(
              problem(
                'FILE_MODIFIED',
                `"${f.name}" was modified after signing (digest differs)`,
                f.name,
                'Sign the package again, or publish the files that were signed.',
              ),
            );
        }
        for (const n of signed.keys())
          if (!byPath.has(n)) problems.add(problem('FILE_MISSING', `"${n}" is signed but was not uploaded`, n));
        signature = { status: 'unverified', ...(claims.keyId ? { keyId: claims.keyId } : {}) };
        if (requireSignature) {
          problems.add(
            problem(
              'SIGNATURE_KEY_UNKNOWN',
              `model.sig is signed by key ${claims.keyId ?? '(embedded)'}, which this publisher has not registered`,
              undefined,
              'Register the public key: `fleetpack platform publisher add-key NAME pub.pem`.',
            ),
          );
        }
      }
    } catch (e) {
      problems.add(
        problem(
          e instanceof FleetpackError ? e.code : 'SIGNATURE_INVALID',
          `model.sig cannot be read: ${fleetpackMessage(e)}`,
          undefined,
          'Sign the package again with `fleetpack sign DIR --key NAME`.',
        ),
      );
    }
  } else if (requireSignature) {
    problems.add({
      step: 'signature',
      code: 'SIGNATURE_REQUIRED',
      file: SIGNATURE_FILE,
      message: 'This platform requires a publisher signature (model.sig) and the package has none',
      hint: 'Sign it: `fleetpack sign DIR --key NAME`, with a key registered for your publisher.',
    });
  }
  for (const f of req.files) {
    if (!roles.has(f.path)) {
      problems.add({
        step: 'files',
        code: 'FILE_NOT_LISTED',
        file: f.path,
        message: `${f.path} is not listed in the manifest`,
        hint: 'List it in artifact.files (role "companion") or leave it out of the package.',
      });
    }
  }
  problems.throwIfAny(label);
  return { manifest, manifestDigest: mf!.digest, signature, sbom, roles };
}

/**
 * A target's signed `custom`. The model file's target carries the release's whole description
 * (what a device decides on: counter, manifest digest, framework, hardware profiles, channels,
 * pinned OCI digest, and — when the platform verified `model.sig` at publish — the signer's key
 * id and SPKI PEM public key, which the agent verifies `model.sig` against itself); the other
 * files of the release carry only the counter and their role, which keeps the hash bins — and so
 * every device's refresh — small.
 */
function customFor(
  r: ReleaseTable,
  role: string,
  channels: string[],
  signerKeyPem: string | undefined,
): Record<string, Json> {
  if (role !== 'model') return { releaseCounter: r.counter, role };
  return {
    releaseCounter: r.counter,
    role,
    manifest: r.manifest_digest,
    framework: r.framework,
    profiles: JSON.parse(r.profiles) as string[],
    channels: [...channels].sort(),
    ...(r.oci_digest ? { oci: r.oci_digest } : {}),
    ...(r.signer_key_id && signerKeyPem ? { signer: r.signer_key_id, signerKey: signerKeyPem } : {}),
  };
}

/** The PEM of the key a release's `model.sig` verified against at publish (publisher keys are never removed). */
async function verifiedSignerPem(tx: Tx, r: ReleaseTable): Promise<string | undefined> {
  if (r.signature_status !== 'verified' || !r.signer_key_id) return undefined;
  const k = await tx
    .selectFrom('publisher_keys')
    .select('public_key_pem')
    .where('key_id', '=', r.signer_key_id)
    .executeTakeFirst();
  if (!k)
    throw new PlatformError(
      'TUF_INTERNAL',
      `The publisher key ${r.signer_key_id} of release ${r.id} is not registered`,
      {
        hint: 'Register the key again (`fleetpack platform publisher add-key NAME pub.pem`).',
      },
    );
  return k.public_key_pem;
}

/**
 * The TUF targets of a release, with `custom` reflecting its current channels. `modelOnly`: just
 * the target whose custom names the channels (what a channel change re-signs).
 */
export async function releaseTargets(tx: Tx, releaseId: string, modelOnly = false): Promise<TargetRow[]> {
  const r = await tx.selectFrom('releases').selectAll().where('id', '=', releaseId).executeTakeFirstOrThrow();
  let q = tx.selectFrom('release_files').selectAll().where('release_id', '=', releaseId);
  if (modelOnly) q = q.where('role', '=', 'model');
  const files = await q.execute();
  const channels = (
    await tx.selectFrom('channels').select('channel').where('release_id', '=', releaseId).execute()
  ).map((c) => c.channel);
  const signerPem = files.some((f) => f.role === 'model') ? await verifiedSignerPem(tx, r) : undefined;
  return files.map((f) => ({
    path: targetPath(r.name, r.version, f.path),
    length: f.size,
    sha256: f.digest.slice('sha256:'.length),
    custom: customFor(r, f.role, channels, signerPem),
    releaseId,
  }));
}

/** Runs the checks, then the publish transaction. */
export async function publishRelease(
  ctx: PublishContext,
  actor: Actor,
  req: PublishRequest,
  publisherKeys: { keyId: string; pem: string }[],
): Promise<PublishResult> {
  const checked = await checkRelease(req, ctx.blobs, publisherKeys, ctx.requirePublisherSignature);
  const m = checked.manifest;
  const digest = contentDigest(req.files);
  const now = ctx.now();
  try {
    return await ctx.store.write(async (tx) => {
      const existing = await tx
        .selectFrom('releases')
        .select(['id', 'content_digest'])
        .where('name', '=', m.name)
        .where('version', '=', m.version)
        .executeTakeFirst();
      if (existing) {
        if (existing.content_digest === digest) {
          const release = (await loadReleases(tx, { id: existing.id }))[0]!;
          return { release, existed: true, tuf: await tufVersions(tx) };
        }
        throw versionExists(m.name, m.version);
      }
      const last = await tx
        .selectFrom('releases')
        .select((eb) => eb.fn.max('counter').as('max'))
        .where('name', '=', m.name)
        .executeTakeFirst();
      const counter = (last?.max ?? 0) + 1;
      const id = newId('r', now.getTime());
      const row: ReleaseTable = {
        id,
        name: m.name,
        version: m.version,
        counter,
        manifest_digest: checked.manifestDigest,
        framework: m.framework.format,
        profiles: JSON.stringify(m.target?.profiles ?? []),
        source: req.source.kind,
        oci_repository: req.source.kind === 'registry' ? req.source.repository : null,
        oci_digest: req.source.kind === 'registry' ? req.source.digest : null,
        content_digest: digest,
        publisher: actor.name,
        signature_status: checked.signature.status,
        signer_key_id: checked.signature.keyId ?? null,
        sbom: JSON.stringify(checked.sbom),
        published_at: now.toISOString(),
      };
      await tx.insertInto('releases').values(row).execute();
      await tx
        .insertInto('release_files')
        .values(
          req.files.map((f) => ({
            release_id: id,
            path: f.path,
            digest: f.digest,
            size: f.size,
            role: checked.roles.get(f.path) ?? 'companion',
          })),
        )
        .execute();
      const touched = [id];
      if (req.channel) touched.push(...(await pointChannel(tx, m.name, req.channel, id, actor, now)));
      const upsert: TargetRow[] = [];
      for (const rid of new Set(touched)) upsert.push(...(await releaseTargets(tx, rid, rid !== id)));
      await ctx.repo.updateTargets(tx, { upsert }, await ctx.online(tx));
      await audit(tx, now, actor, 'release.publish', `release:${m.name}@${m.version}`, {
        id,
        releaseCounter: counter,
        contentDigest: digest,
        source:
          req.source.kind === 'registry' ? { reference: req.source.reference, digest: req.source.digest } : 'upload',
        signature: checked.signature.status,
        ...(req.channel ? { channel: req.channel } : {}),
      });
      await ctx.beforeCommit?.();
      const release = (await loadReleases(tx, { id }))[0]!;
      return { release, existed: false, tuf: await tufVersions(tx) };
    });
  } catch (e) {
    // Two publishes of one NAME@VERSION racing: the loser sees the unique constraint.
    if (isUniqueViolation(e)) throw versionExists(m.name, m.version);
    throw e;
  }
}

function versionExists(name: string, version: string): PublishError {
  return new PublishError(
    'VERSION_EXISTS',
    `${name}@${version} is already published with different content (versions are immutable)`,
    [
      {
        step: 'version',
        code: 'VERSION_EXISTS',
        file: MANIFEST_FILE,
        pointer: '/version',
        message: `${name}@${version} already exists with other files or digests`,
      },
    ],
    'Bump the version in fleetpack.json (and sign again), then publish.',
  );
}

async function tufVersions(tx: Tx) {
  const rows = await tx
    .selectFrom('tuf_roles')
    .select(['role', 'version'])
    .where('role', 'in', ['timestamp', 'snapshot'])
    .execute();
  const v = (r: string) => rows.find((x) => x.role === r)?.version ?? 0;
  return { timestampVersion: v('timestamp'), snapshotVersion: v('snapshot') };
}

/**
 * Points `channel` of `model` at `releaseId` (recording who and from what) and returns the
 * releases whose TUF `custom.channels` changed. A no-op when it already points there.
 */
export async function pointChannel(
  tx: Tx,
  model: string,
  channel: string,
  releaseId: string,
  actor: Actor,
  now: Date,
): Promise<string[]> {
  if (!isChannelName(channel)) {
    throw new PlatformError('CHANNEL_INVALID', `"${channel.slice(0, 40)}" is not a channel name`, {
      hint: 'Use stable, beta, canary or a lower-case name (letters, digits, "-"; at most 32).',
    });
  }
  const cur = await tx
    .selectFrom('channels')
    .select('release_id')
    .where('model', '=', model)
    .where('channel', '=', channel)
    .executeTakeFirst();
  if (cur?.release_id === releaseId) return [];
  const row = { release_id: releaseId, updated_at: now.toISOString(), updated_by: actor.name };
  if (cur)
    await tx.updateTable('channels').set(row).where('model', '=', model).where('channel', '=', channel).execute();
  else
    await tx
      .insertInto('channels')
      .values({ model, channel, ...row })
      .execute();
  await tx
    .insertInto('channel_events')
    .values({
      id: newId('c', now.getTime()),
      model,
      channel,
      from_release: cur?.release_id ?? null,
      to_release: releaseId,
      actor: actor.name,
      at: now.toISOString(),
    })
    .execute();
  return cur ? [cur.release_id, releaseId] : [releaseId];
}

export interface ReleaseQuery {
  id?: string;
  name?: string;
  version?: string;
  channel?: string;
}

/** Releases with files and channels, newest first (per model by release counter). */
export async function loadReleases(db: Kysely<Database> | Tx, q: ReleaseQuery = {}): Promise<Release[]> {
  let query = db.selectFrom('releases').selectAll('releases');
  if (q.id) query = query.where('releases.id', '=', q.id);
  if (q.name) query = query.where('releases.name', '=', q.name);
  if (q.version) query = query.where('releases.version', '=', q.version);
  if (q.channel) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('channels')
          .select('channels.model')
          .whereRef('channels.release_id', '=', 'releases.id')
          .where('channels.channel', '=', q.channel!),
      ),
    );
  }
  const rows = await query.orderBy('releases.name').orderBy('releases.counter', 'desc').execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const files: { release_id: string; path: string; digest: string; size: number; role: string }[] = [];
  const channels: { release_id: string; channel: string }[] = [];
  // Chunked IN lists: SQLite limits bound parameters per statement.
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    files.push(
      ...(await db.selectFrom('release_files').selectAll().where('release_id', 'in', part).orderBy('path').execute()),
    );
    channels.push(
      ...(await db.selectFrom('channels').select(['release_id', 'channel']).where('release_id', 'in', part).execute()),
    );
  }
  const filesOf = groupBy(files, (f) => f.release_id);
  const channelsOf = groupBy(channels, (c) => c.release_id);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    version: r.version,
    releaseCounter: r.counter,
    manifestDigest: r.manifest_digest,
    framework: r.framework,
    profiles: JSON.parse(r.profiles) as string[],
    channels: (channelsOf.get(r.id) ?? []).map((c) => c.channel).sort(),
    source: r.source as Release['source'],
    ...(r.oci_repository && r.oci_digest ? { oci: { repository: r.oci_repository, digest: r.oci_digest } } : {}),
    publisher: r.publisher,
    signature: {
      status: r.signature_status as SignatureStatus,
      ...(r.signer_key_id ? { keyId: r.signer_key_id } : {}),
    },
    sbom: JSON.parse(r.sbom) as SbomVerdict,
    publishedAt: r.published_at,
    files: (filesOf.get(r.id) ?? []).map((f) => ({
      path: f.path,
      digest: f.digest,
      size: f.size,
      role: f.role,
      target: targetPath(r.name, r.version, f.path),
    })),
  }));
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
