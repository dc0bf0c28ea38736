/**
 * The platform as one object the HTTP server (and tests) drive: settings, TUF repository with its
 * online signers, blob store, upload sessions, and every operation of the publish side. Opening it
 * decrypts the online keys (the passphrase must be available) and checks the platform was
 * initialized. It never decides HTTP matters; errors are typed.
 */
import { join } from 'node:path';
import { PlatformError } from '../errors.js';
import {
  artifactFiles,
  parseReference,
  RegistryRepository,
  staticCredentials,
  type RegistryReference,
} from '../oci/index.js';
import { Keychain, Keystore } from '../signing/index.js';
import { openSecretBox, registryAccess, repositoryFor } from './admin.js';
import { type Actor, type AuditQuery, listAudit } from './audit.js';
import { LayoutBlobStore, RegistryBlobStore, type BlobStore } from './blobs.js';
import { channelHistory, type ChannelContext, listChannels, promote, setChannel } from './channels.js';
import { coverageReport } from './coverage.js';
import { ProblemList } from './problems.js';
import {
  type BlobAccess,
  type IncomingFile,
  loadReleases,
  publishRelease,
  type PublishResult,
  type ReleaseQuery,
} from './releases.js';
import { PLATFORM_KEYCHAIN_SERVICE, type SecretBox } from './secrets.js';
import { type PlatformSettings, requireSettings } from './settings.js';
import { loadOnlineSigners } from './signers.js';
import type { Store, Tx } from './store/database.js';
import { authenticate } from './tokens.js';
import { type Lifetimes, type OnlineSigners, readMetadataFile, type TufRepository } from './tuf/repository.js';
import { UploadSessions } from './uploads.js';

export interface PlatformOptions {
  store: Store;
  dataDir: string;
  /** `HOST/REPO`: keep package bytes in this registry repository instead of the local layout. */
  registry?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Turn the signature policy on for this server whatever the stored setting says. */
  requirePublisherSignature?: boolean;
  lifetimes?: Lifetimes;
  keystore?: () => Keystore;
  secrets?: () => Keychain;
  /** Fault injection for tests: called inside the publish transaction just before commit. */
  beforeCommit?: () => Promise<void>;
}

export class Platform {
  private constructor(
    readonly store: Store,
    readonly settings: PlatformSettings,
    readonly repo: TufRepository,
    private online: OnlineSigners,
    readonly blobs: BlobStore,
    readonly local: LayoutBlobStore,
    readonly uploads: UploadSessions,
    private readonly box: SecretBox,
    private readonly opts: PlatformOptions,
  ) {}

  static async open(opts: PlatformOptions): Promise<Platform> {
    const env = opts.env ?? process.env;
    const now = opts.now ?? (() => new Date());
    const settings = await opts.store.read((db) => requireSettings(db));
    const secrets = opts.secrets ?? (() => new Keychain(PLATFORM_KEYCHAIN_SERVICE));
    const box = await openSecretBox({ env, secrets }, settings);
    const online = await opts.store.read((db) => loadOnlineSigners(db, box));
    const repo = repositoryFor(settings, { now, ...(opts.lifetimes ? { lifetimes: opts.lifetimes } : {}) });
    const local = await LayoutBlobStore.open(join(opts.dataDir, 'blobs'));
    let blobs: BlobStore = local;
    if (opts.registry) {
      const ref = registryRef(opts.registry);
      const access = await registryAccess(opts.store, box, ref.registry);
      blobs = new RegistryBlobStore(
        new RegistryRepository(ref.registry, ref.repository, {
          credentials: staticCredentials(access?.credentials),
          ...(access?.plainHttp ? { plainHttp: true } : {}),
          ...(access?.insecure ? { insecure: true } : {}),
        }),
        local,
      );
    }
    // Upload files sit beside the layout so adopting one is a rename on the same file system.
    const uploads = new UploadSessions(join(opts.dataDir, 'uploads'));
    return new Platform(opts.store, settings, repo, online, blobs, local, uploads, box, { ...opts, env, now });
  }

  /**
   * The online signers for a write transaction. Another process (`platform rotate-key`, another
   * server) may have rotated a key since this server started: compare key ids with the database and
   * load the new keys, so nothing is ever signed with a key the root no longer lists.
   */
  private async signers(tx: Tx): Promise<OnlineSigners> {
    const rows = await tx.selectFrom('online_keys').select(['role', 'key_id']).execute();
    const known: Partial<Record<string, { keyId: string }>> = { ...this.online };
    const current = rows.every((r) => known[r.role]?.keyId === r.key_id);
    if (!current) this.online = await loadOnlineSigners(tx, this.box);
    return this.online;
  }

  get now(): () => Date {
    return this.opts.now!;
  }

  get requirePublisherSignature(): boolean {
    return this.settings.requirePublisherSignature || !!this.opts.requirePublisherSignature;
  }

  /** Name, id, root key ids and layout: what a client shows and compares with its devices' root. */
  async info() {
    const root = await this.store.read((db) => this.repo.current(db, 'root'));
    const signed = root.json.signed as { roles: { root: { keyids: string[] } }; version: number };
    return {
      id: this.settings.id,
      name: this.settings.name,
      rootVersion: signed.version,
      rootKeyIds: signed.roles.root.keyids,
      bins: 2 ** this.settings.bitLength,
      requirePublisherSignature: this.requirePublisherSignature,
      storage: { database: this.store.dialect, blobs: this.blobs.kind, location: this.blobs.location },
    };
  }

  authenticate(token: string): Promise<Actor | undefined> {
    return this.store.read((db) => authenticate(db, token));
  }

  private async publisherKeys(publisher: string) {
    const rows = await this.store.read((db) =>
      db.selectFrom('publisher_keys').select(['key_id', 'public_key_pem']).where('publisher', '=', publisher).execute(),
    );
    return rows.map((r) => ({ keyId: r.key_id, pem: r.public_key_pem }));
  }

  private publishContext(blobs: BlobAccess) {
    return {
      store: this.store,
      repo: this.repo,
      online: (tx: Tx) => this.signers(tx),
      blobs,
      requirePublisherSignature: this.requirePublisherSignature,
      now: this.now,
      ...(this.opts.beforeCommit ? { beforeCommit: this.opts.beforeCommit } : {}),
    };
  }

  /** Publish files uploaded earlier (their digests computed by this platform). */
  async publishUploaded(actor: Actor, files: IncomingFile[], channel?: string): Promise<PublishResult> {
    return publishRelease(
      this.publishContext(this.blobs),
      actor,
      { files, ...(channel ? { channel } : {}), source: { kind: 'upload' } },
      await this.publisherKeys(actor.name),
    );
  }

  /**
   * Publish by registry reference: resolve the tag to a digest and pin it, read the OCI manifest and
   * only the small layers (manifest, signature, SBOM — kept in the local layout), never the weights:
   * a raw layer's digest is the file's SHA-256 the manifest and signature record.
   */
  async publishFromRegistry(actor: Actor, reference: string, channel?: string): Promise<PublishResult> {
    const ref = registryRef(reference);
    const access = await registryAccess(this.store, this.box, ref.registry);
    const repo = new RegistryRepository(ref.registry, ref.repository, {
      credentials: staticCredentials(access?.credentials),
      ...(access?.plainHttp ? { plainHttp: true } : {}),
      ...(access?.insecure ? { insecure: true } : {}),
    });
    const fetched = await repo.fetchManifest(ref.digest ?? ref.tag ?? 'latest');
    if (fetched.content.kind !== 'manifest') {
      throw new PlatformError('REGISTRY_NOT_A_PACKAGE', `${reference} is an image index, not one package`, {
        hint: 'Publish the reference of one package manifest (fleetpack resolve shows what a tag points to).',
      });
    }
    const where = `${ref.registry}/${ref.repository}@${fetched.descriptor.digest}`;
    const { files } = artifactFiles(fetched.content.manifest, where);
    const problems = new ProblemList();
    for (const f of files) {
      if (f.encoding !== 'raw') {
        problems.add({
          step: 'registry',
          code: 'LAYER_NOT_RAW',
          file: f.path,
          message: `Layer ${f.descriptor.digest} is ${f.descriptor.mediaType}, not a raw file`,
          hint: 'Push the package with `fleetpack push` (one raw layer per file), so layer digests are file digests.',
        });
      }
    }
    problems.throwIfAny(reference);
    const byDigest = new Map(files.map((f) => [f.descriptor.digest, f.descriptor]));
    const local = this.local;
    const blobs: BlobAccess = {
      // The manifest lists the layer: it exists in the registry with this size (content addressing).
      has: (digest, size) => Promise.resolve(byDigest.get(digest)?.size === size),
      read: async (digest, size, maxBytes) => {
        if (await local.has(digest, size)) return local.read(digest, size, maxBytes);
        const bytes = await repo.fetchBlob(byDigest.get(digest)!, { maxBytes });
        await local.putBytes(bytes);
        return bytes;
      },
    };
    return publishRelease(
      this.publishContext(blobs),
      actor,
      {
        files: files.map((f) => ({ path: f.path, digest: f.descriptor.digest, size: f.descriptor.size })),
        ...(channel ? { channel } : {}),
        source: {
          kind: 'registry',
          repository: `${ref.registry}/${ref.repository}`,
          digest: fetched.descriptor.digest,
          reference,
        },
      },
      await this.publisherKeys(actor.name),
    );
  }

  private channelContext(): ChannelContext {
    return { store: this.store, repo: this.repo, online: (tx: Tx) => this.signers(tx), now: this.now };
  }

  setChannel(actor: Actor, model: string, version: string, channel: string) {
    return setChannel(this.channelContext(), actor, model, version, channel);
  }

  promote(actor: Actor, model: string, from: string, to: string) {
    return promote(this.channelContext(), actor, model, from, to);
  }

  releases(q: ReleaseQuery = {}) {
    return this.store.read((db) => loadReleases(db, q));
  }

  channels(model?: string) {
    return this.store.read((db) => listChannels(db, model));
  }

  channelHistory(model: string) {
    return this.store.read((db) => channelHistory(db, model));
  }

  coverage(channel?: string) {
    return this.store.read((db) => coverageReport(db, channel ? { channel } : {}));
  }

  audit(q: AuditQuery = {}) {
    return this.store.read((db) => listAudit(db, q));
  }

  /** A published metadata file by name (`timestamp.json`, `V.ROLE.json`), or undefined. */
  tufFile(name: string): Promise<string | undefined> {
    return this.store.read((db) => readMetadataFile(db, name));
  }

  /** Re-signs online metadata due for it and drops superseded versions; returns what was re-signed. */
  async maintainTuf(graceMs = 3600_000): Promise<string[]> {
    return this.store.write(async (tx) => {
      const roles = await this.repo.refreshExpiring(tx, await this.signers(tx));
      await this.repo.collectGarbage(tx, graceMs);
      return roles;
    });
  }

  async nextTufRefresh(): Promise<Date | undefined> {
    return this.store.read((db) => this.repo.nextRefresh(db));
  }
}

function registryRef(spec: string): RegistryReference {
  const ref = parseReference(spec);
  if (ref.kind !== 'registry') {
    throw new PlatformError('REGISTRY_REF_INVALID', `"${spec.slice(0, 200)}" is not a registry reference`, {
      hint: 'Give HOST[:PORT]/REPO[:TAG][@sha256:DIGEST]; layouts on the publisher machine are pushed first (fleetpack push).',
    });
  }
  return ref;
}
