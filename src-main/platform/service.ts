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
import { type Catalog, defaultCatalog, importInventory, type InventoryFormat } from '../fleet/index.js';
import { Keychain, Keystore } from '../signing/index.js';
import { openSecretBox, registryAccess, repositoryFor } from './admin.js';
import { type Actor, audit, type AuditQuery, listAudit } from './audit.js';
import { LayoutBlobStore, RegistryBlobStore, type BlobStore } from './blobs.js';
import { channelHistory, type ChannelContext, listChannels, promote, setChannel } from './channels.js';
import { coverageReport } from './coverage.js';
import {
  addDevice,
  type DeviceInput,
  type DeviceQuery,
  type DeviceSource,
  deviceOfToken,
  getDevice,
  type InstalledModels,
  listDevices,
  reportDeviceFacts,
  upsertDevices,
} from './devices.js';
import {
  assignmentFor,
  createRollout,
  type DeviceUpdateState,
  listRollouts,
  previewRollout,
  mayDownload,
  DirectorCache,
  reportStatus,
  type RolloutRequest,
  rolloutStatus,
  setRolloutState,
  type StatusReport,
} from './rollouts.js';
import type { DeviceFacts } from '../fleet/index.js';
import type { Manifest } from '../manifest/index.js';
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
    const repo = await this.registryRepository(ref);
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

  /** A registry repository with the platform's stored credentials for its host (never sent to devices). */
  private async registryRepository(ref: { registry: string; repository: string }): Promise<RegistryRepository> {
    const access = await registryAccess(this.store, this.box, ref.registry);
    return new RegistryRepository(ref.registry, ref.repository, {
      credentials: staticCredentials(access?.credentials),
      ...(access?.plainHttp ? { plainHttp: true } : {}),
      ...(access?.insecure ? { insecure: true } : {}),
    });
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

  // --- devices and rollouts ---

  private catalogCache: Catalog | undefined;
  get catalog(): Catalog {
    return (this.catalogCache ??= defaultCatalog());
  }

  /** Registers a device and returns its token (shown once). */
  addDevice(actor: Actor, input: DeviceInput, source: DeviceSource = 'admin') {
    return this.store.write((tx) => addDevice(tx, input, this.catalog, actor, this.now(), source));
  }

  /** Imports an inventory file (fleet/'s importer: JSON, NDJSON or CSV) as devices without tokens. */
  async importDevices(actor: Actor, path: string, format?: InventoryFormat) {
    const inventory = await importInventory(path, this.catalog, format ? { format } : {});
    const imported = await this.store.write(async (tx) => {
      const n = await upsertDevices(tx, this.store.dialect, inventory, 'import', this.now());
      await audit(tx, this.now(), actor, 'device.import', 'devices', {
        devices: n,
        skippedRows: inventory.skippedRows,
      });
      return n;
    });
    return {
      imported,
      skippedRows: inventory.skippedRows,
      errors: inventory.errors.slice(0, 100),
      unreadableDevices: inventory.unreadableDevices,
      unreadable: inventory.unreadable.slice(0, 100),
    };
  }

  devices(q: DeviceQuery = {}) {
    return this.store.read((db) => listDevices(db, q));
  }

  device(id: string) {
    return this.store.read((db) => getDevice(db, id));
  }

  /** The device a device token is bound to, or undefined (not a device token, or the device is gone). */
  async deviceOf(actor: Actor): Promise<string | undefined> {
    if (actor.role !== 'device' || !actor.tokenId) return undefined;
    const tokenId = actor.tokenId;
    // A device token is created for one device and never rebound (a new token revokes the old one,
    // which `authenticate` refuses first), so the binding is kept once read.
    const known = this.deviceByToken.get(tokenId);
    if (known) return known;
    const id = await this.store.read((db) => deviceOfToken(db, tokenId));
    if (id) {
      if (this.deviceByToken.size >= 200_000) this.deviceByToken.delete(this.deviceByToken.keys().next().value!);
      this.deviceByToken.set(tokenId, id);
    }
    return id;
  }

  private readonly deviceByToken = new Map<string, string>();
  private readonly director = new DirectorCache();

  private rolloutContext() {
    return {
      catalog: this.catalog,
      now: this.now,
      dialect: this.store.dialect,
      readBlob: (digest: string, size: number, maxBytes: number) => this.blobs.read(digest, size, maxBytes),
    };
  }

  async createRollout(actor: Actor, req: RolloutRequest) {
    const { id } = await this.store.write((tx) => createRollout(tx, this.rolloutContext(), actor, req));
    return this.rollout(id);
  }

  rollout(id: string, limit?: number, states?: readonly DeviceUpdateState[]) {
    return this.store.read((db) => rolloutStatus(db, id, limit, states));
  }

  /** What a rollout of this manifest on the channel would decline (nothing is created). */
  previewRollout(req: { manifest: Manifest; channel: string; devices?: string }) {
    return this.store.read((db) => previewRollout(db, this.catalog, req.manifest, req));
  }

  rollouts(model?: string) {
    return this.store.read((db) => listRollouts(db, model));
  }

  async setRolloutState(actor: Actor, id: string, action: 'pause' | 'resume' | 'abort') {
    await this.store.write((tx) => setRolloutState(tx, actor, id, action, this.now()));
    return this.rollout(id);
  }

  assignment(deviceId: string) {
    return this.store.read((db) => assignmentFor(db, deviceId, this.director));
  }

  reportStatus(deviceId: string, s: StatusReport) {
    return this.store.write((tx) => reportStatus(tx, deviceId, s, this.now()));
  }

  reportFacts(deviceId: string, r: { facts?: DeviceFacts; profile?: string; installed?: InstalledModels }) {
    return this.store.write((tx) => reportDeviceFacts(tx, deviceId, r, this.catalog, this.now()));
  }

  private readonly caching = new Map<string, Promise<void>>();

  /**
   * The local file of a blob this device is assigned, or undefined when it is not assigned one with
   * that digest. A blob kept in a registry (serve --registry, or a release published by reference)
   * is copied into the local store first, with the platform's credentials, verified by digest.
   */
  async deviceBlob(deviceId: string, digest: string): Promise<{ path: string; size: number } | undefined> {
    const allowed = await this.store.read((db) => mayDownload(db, deviceId, digest, this.director));
    if (!allowed) return undefined;
    const { size } = allowed;
    if (!(await this.local.has(digest, size))) {
      let pending = this.caching.get(digest);
      if (!pending) {
        pending = (async () => {
          const rel = await this.store.read((db) =>
            db
              .selectFrom('releases')
              .select(['oci_repository'])
              .where('id', '=', allowed.releaseId)
              .executeTakeFirstOrThrow(),
          );
          const src = rel.oci_repository
            ? await (
                await this.registryRepository(registryRef(rel.oci_repository))
              ).openBlob({
                mediaType: 'application/octet-stream',
                digest,
                size,
              })
            : await this.blobs.open(digest, size);
          await this.local.layout.putBlob(src, { expected: { digest, size } });
        })().finally(() => this.caching.delete(digest));
        this.caching.set(digest, pending);
      }
      await pending;
    }
    return { path: this.local.layout.blobPath(digest), size };
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
