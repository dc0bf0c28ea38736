/**
 * The platform's TUF repository, kept in the database: every metadata file ever published
 * (`tuf_files`, named `V.ROLE.json` — consistent snapshots), the current version of each role
 * (`tuf_roles`) and the targets of the hash bins (`tuf_targets`). Every change runs inside the
 * caller's write transaction, in the order the spec gives: changed bins, then snapshot, then
 * timestamp — so a release and its metadata become visible together or not at all.
 *
 * Layout: root and top-level targets are signed offline (keychain); targets delegates all paths
 * to 2^bitLength succinct hash bins (TAP 15) signed by the online bins key; snapshot and timestamp
 * are online. Only the bins a change touches are re-signed, so a client's refresh stays small.
 */
import { Targets } from '@tufjs/models';
import { PlatformError } from '../../errors.js';
import type { Tx } from '../store/database.js';
import { keyIdOf as keyIdOfKey, type TufKey, type TufSigner } from './keys.js';
import {
  BIN_PREFIX,
  binSigned,
  type Json,
  type MetaEntry,
  rootSigned,
  type RootInput,
  type SignedFile,
  signDocument,
  snapshotSigned,
  SPEC_VERSION,
  targetsSigned,
  type TargetEntry,
  timestampSigned,
  tufTime,
} from './metadata.js';

const DAY = 86_400_000;

/** How long each role's metadata stays valid; online roles are re-signed at half-life. */
export interface Lifetimes {
  root: number;
  targets: number;
  bins: number;
  snapshot: number;
  timestamp: number;
}

export const DEFAULT_LIFETIMES: Lifetimes = {
  root: 365 * DAY,
  targets: 365 * DAY,
  bins: 7 * DAY,
  snapshot: 7 * DAY,
  timestamp: DAY,
};

export interface OnlineSigners {
  snapshot: TufSigner;
  timestamp: TufSigner;
  bins: TufSigner;
}

export interface RepositoryConfig {
  bitLength: number;
  /** List length and sha256 of every bin in snapshot (hash pinning) or only versions and lengths. */
  snapshotBinHashes: boolean;
  lifetimes: Lifetimes;
  now: () => Date;
}

export interface TargetRow extends TargetEntry {
  releaseId: string | null;
}

/** The succinct-roles helper of @tufjs/models, for bin names and the path → bin mapping. */
export function binMapper(bitLength: number) {
  const t = Targets.fromJSON({
    _type: 'targets',
    spec_version: SPEC_VERSION,
    version: 1,
    expires: '2099-01-01T00:00:00Z',
    targets: {},
    delegations: {
      keys: {},
      succinct_roles: { keyids: [], threshold: 1, bit_length: bitLength, name_prefix: BIN_PREFIX },
    },
  });
  const roles = t.delegations!.succinctRoles!;
  return {
    binOf: (path: string) => roles.getRoleForTarget(path),
    all: () => [...roles.getRoles()],
  };
}

export class TufRepository {
  private readonly bins: ReturnType<typeof binMapper>;

  constructor(readonly config: RepositoryConfig) {
    if (!Number.isInteger(config.bitLength) || config.bitLength < 1 || config.bitLength > 14) {
      throw new PlatformError('TUF_CONFIG', `Hash-bin bit length ${config.bitLength} is out of range`, {
        hint: 'Use 1..14 (2 to 16,384 bins); about the square root of the expected number of targets.',
      });
    }
    this.bins = binMapper(config.bitLength);
  }

  binOf(path: string): string {
    return this.bins.binOf(path);
  }

  binNames(): string[] {
    return this.bins.all();
  }

  private expires(role: keyof Lifetimes): Date {
    return new Date(this.config.now().getTime() + this.config.lifetimes[role]);
  }

  /** Creates version 1 of every role. Root is signed by `rootSigners`, targets by `targetsSigner`. */
  async init(
    tx: Tx,
    offline: { root: TufSigner[]; targets: TufSigner },
    online: OnlineSigners,
  ): Promise<{ root: SignedFile; rootKeyIds: string[] }> {
    const existing = await tx.selectFrom('tuf_roles').select('role').where('role', '=', 'root').executeTakeFirst();
    if (existing) {
      throw new PlatformError('PLATFORM_EXISTS', 'This platform already has TUF metadata', {
        hint: 'Use `fleetpack platform rotate-key ROLE` to change keys; init runs once per platform.',
      });
    }
    const root = await this.writeRoot(tx, 1, offline.root, offline.targets.key, online, offline.root);
    await this.writeTargets(tx, 1, offline.targets, online.bins.key);
    for (const bin of this.bins.all()) await this.writeBin(tx, bin, 1, [], online.bins);
    await this.snapshotAndTimestamp(tx, online);
    return { root, rootKeyIds: offline.root.map((s) => s.keyId) };
  }

  /**
   * Writes root version `version` listing the given keys, signed by `signers` (on rotation: the
   * old root keys and the new ones, so clients can walk from one to the next).
   */
  async writeRoot(
    tx: Tx,
    version: number,
    rootKeys: TufSigner[] | TufKey[],
    targetsKey: TufKey,
    online: { snapshot: { key: TufKey }; timestamp: { key: TufKey } },
    signers: TufSigner[],
  ): Promise<SignedFile> {
    const keys: Record<string, TufKey> = {};
    const ids = (ks: TufKey[]) => ks.map((k) => add(k));
    const add = (k: TufKey) => {
      const id = keyIdOfKey(k);
      keys[id] = k;
      return id;
    };
    const rootKeyList = rootKeys.map((k) => ('sign' in k ? k.key : k));
    const input: RootInput = {
      version,
      expires: this.expires('root'),
      keys,
      roles: {
        root: { keyIds: ids(rootKeyList), threshold: 1 },
        targets: { keyIds: ids([targetsKey]), threshold: 1 },
        snapshot: { keyIds: ids([online.snapshot.key]), threshold: 1 },
        timestamp: { keyIds: ids([online.timestamp.key]), threshold: 1 },
      },
    };
    const file = signDocument(rootSigned(input), signers);
    await this.putFile(tx, 'root', version, file, input.expires);
    return file;
  }

  async writeTargets(tx: Tx, version: number, signer: TufSigner, binKey: TufKey): Promise<void> {
    const expires = this.expires('targets');
    const doc = targetsSigned({
      version,
      expires,
      binKeys: { [keyIdOfKey(binKey)]: binKey },
      bitLength: this.config.bitLength,
    });
    await this.putFile(tx, 'targets', version, signDocument(doc, [signer]), expires);
  }

  private async writeBin(tx: Tx, bin: string, version: number, targets: TargetEntry[], signer: TufSigner) {
    const expires = this.expires('bins');
    const file = signDocument(binSigned({ version, expires, targets }), [signer]);
    await this.putFile(tx, bin, version, file, expires);
  }

  /** Adds or replaces targets (and removes paths), re-signs the bins they live in, then snapshot and timestamp. */
  async updateTargets(tx: Tx, change: { upsert?: TargetRow[]; remove?: string[] }, online: OnlineSigners) {
    const touched = new Set<string>();
    for (const path of change.remove ?? []) {
      touched.add(this.binOf(path));
      await tx.deleteFrom('tuf_targets').where('path', '=', path).execute();
    }
    const rows = (change.upsert ?? []).map((t) => {
      const bin = this.binOf(t.path);
      touched.add(bin);
      return {
        path: t.path,
        bin,
        release_id: t.releaseId,
        length: t.length,
        sha256: t.sha256,
        custom: JSON.stringify(t.custom),
      };
    });
    // One statement per 200 rows (SQLite's bound-parameter limit), insert or replace by path.
    for (let i = 0; i < rows.length; i += 200) {
      await tx
        .insertInto('tuf_targets')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) =>
          oc.column('path').doUpdateSet((eb) => ({
            bin: eb.ref('excluded.bin'),
            release_id: eb.ref('excluded.release_id'),
            length: eb.ref('excluded.length'),
            sha256: eb.ref('excluded.sha256'),
            custom: eb.ref('excluded.custom'),
          })),
        )
        .execute();
    }
    if (touched.size === 0) return;
    await this.resignBins(tx, [...touched].sort(), online.bins);
    await this.snapshotAndTimestamp(tx, online);
  }

  /** Re-signs every bin (a new bins key). */
  async resignAllBins(tx: Tx, signer: TufSigner): Promise<void> {
    await this.resignBins(tx, this.binNames(), signer);
  }

  private async resignBins(tx: Tx, bins: string[], signer: TufSigner) {
    // In groups: one query for the versions and one for the targets of up to 64 bins.
    for (let i = 0; i < bins.length; i += 64) {
      const group = bins.slice(i, i + 64);
      const versions = new Map(
        (await tx.selectFrom('tuf_roles').select(['role', 'version']).where('role', 'in', group).execute()).map((r) => [
          r.role,
          r.version,
        ]),
      );
      const rows = await tx
        .selectFrom('tuf_targets')
        .select(['bin', 'path', 'length', 'sha256', 'custom'])
        .where('bin', 'in', group)
        .orderBy('path')
        .execute();
      for (const bin of group) {
        const version = versions.get(bin);
        if (version === undefined)
          throw new PlatformError('PLATFORM_NOT_INITIALIZED', `The platform has no ${bin} metadata`);
        const targets = rows
          .filter((r) => r.bin === bin)
          .map((r) => ({
            path: r.path,
            length: r.length,
            sha256: r.sha256,
            custom: JSON.parse(r.custom) as Record<string, Json>,
          }));
        await this.writeBin(tx, bin, version + 1, targets, signer);
      }
    }
  }

  /** A new snapshot over the current targets and bins, then a new timestamp over it. */
  async snapshotAndTimestamp(tx: Tx, online: Pick<OnlineSigners, 'snapshot' | 'timestamp'>): Promise<void> {
    const rows = await tx
      .selectFrom('tuf_roles')
      .select(['role', 'version', 'length', 'sha256'])
      .where('role', 'not in', ['root', 'snapshot', 'timestamp'])
      .execute();
    const meta: Record<string, MetaEntry> = {};
    for (const r of rows.sort((a, b) => (a.role < b.role ? -1 : 1))) {
      // Top-level targets is pinned by length and hash; bins by version alone unless configured
      // otherwise (they are signed by an online key like snapshot itself, so a hash adds no trust,
      // and a version-only entry keeps the snapshot — which every device downloads — small).
      const pin = r.role === 'targets' || this.config.snapshotBinHashes;
      meta[`${r.role}.json`] = pin
        ? { version: r.version, length: r.length, sha256: r.sha256 }
        : { version: r.version };
    }
    const snapVersion = ((await this.roleOrNull(tx, 'snapshot'))?.version ?? 0) + 1;
    const snapExpires = this.expires('snapshot');
    const snap = signDocument(snapshotSigned({ version: snapVersion, expires: snapExpires, meta }), [online.snapshot]);
    await this.putFile(tx, 'snapshot', snapVersion, snap, snapExpires);
    await this.timestamp(tx, online.timestamp, { version: snapVersion, length: snap.length, sha256: snap.sha256 });
  }

  private async timestamp(tx: Tx, signer: TufSigner, snapshot: MetaEntry) {
    const version = ((await this.roleOrNull(tx, 'timestamp'))?.version ?? 0) + 1;
    const expires = this.expires('timestamp');
    await this.putFile(
      tx,
      'timestamp',
      version,
      signDocument(timestampSigned({ version, expires, snapshot }), [signer]),
      expires,
    );
  }

  /**
   * Re-signs online metadata that has used half its lifetime (bins, snapshot, timestamp), so devices
   * never see expired metadata while a server runs. Returns the roles re-signed.
   */
  async refreshExpiring(tx: Tx, online: OnlineSigners): Promise<string[]> {
    const now = this.config.now().getTime();
    const due = (r: { expires: string }, life: number) => Date.parse(r.expires) - now < life / 2;
    const roles = await tx.selectFrom('tuf_roles').select(['role', 'expires']).execute();
    const bins = roles
      .filter((r) => r.role.startsWith(`${BIN_PREFIX}-`) && due(r, this.config.lifetimes.bins))
      .map((r) => r.role);
    const snap = roles.find((r) => r.role === 'snapshot');
    const ts = roles.find((r) => r.role === 'timestamp');
    if (bins.length) await this.resignBins(tx, bins.sort(), online.bins);
    if (bins.length || (snap && due(snap, this.config.lifetimes.snapshot))) {
      await this.snapshotAndTimestamp(tx, online);
      return [...bins, 'snapshot', 'timestamp'];
    }
    if (ts && due(ts, this.config.lifetimes.timestamp)) {
      const s = await this.role(tx, 'snapshot');
      await this.timestamp(tx, online.timestamp, { version: s.version, length: s.length, sha256: s.sha256 });
      return ['timestamp'];
    }
    return [];
  }

  /** The earliest time an online role becomes due for re-signing (for scheduling). */
  async nextRefresh(tx: Tx): Promise<Date | undefined> {
    const roles = await tx.selectFrom('tuf_roles').select(['role', 'expires']).execute();
    let next: number | undefined;
    for (const r of roles) {
      const life = r.role.startsWith(`${BIN_PREFIX}-`)
        ? this.config.lifetimes.bins
        : r.role === 'snapshot' || r.role === 'timestamp'
          ? this.config.lifetimes[r.role]
          : undefined;
      if (life === undefined) continue;
      const at = Date.parse(r.expires) - life / 2;
      if (next === undefined || at < next) next = at;
    }
    return next === undefined ? undefined : new Date(next);
  }

  async role(tx: Tx, role: string) {
    const r = await this.roleOrNull(tx, role);
    if (!r) {
      throw new PlatformError('PLATFORM_NOT_INITIALIZED', `The platform has no ${role} metadata`, {
        hint: 'Run `fleetpack platform init` first.',
      });
    }
    return r;
  }

  async roleOrNull(tx: Tx, role: string) {
    const r = await tx.selectFrom('tuf_roles').selectAll().where('role', '=', role).executeTakeFirst();
    return r && { ...r, version: r.version, length: r.length };
  }

  /** The current metadata of a role, parsed (for rotation and checks). */
  async current(tx: Tx, role: string): Promise<{ version: number; json: Record<string, unknown> }> {
    const r = await this.role(tx, role);
    const f = await tx
      .selectFrom('tuf_files')
      .select('body')
      .where('name', '=', `${r.version}.${role}.json`)
      .executeTakeFirstOrThrow();
    return { version: r.version, json: JSON.parse(f.body) as Record<string, unknown> };
  }

  private async putFile(tx: Tx, role: string, version: number, file: SignedFile, expires: Date) {
    await tx
      .insertInto('tuf_files')
      .values({
        name: `${version}.${role}.json`,
        role,
        version,
        body: file.body,
        created_at: tufTime(this.config.now()),
      })
      .execute();
    const row = { version, expires: tufTime(expires), length: file.length, sha256: file.sha256 };
    await tx
      .insertInto('tuf_roles')
      .values({ role, ...row })
      .onConflict((oc) => oc.column('role').doUpdateSet(row))
      .execute();
  }

  /**
   * Deletes superseded metadata (never root: clients walk every root version) that was replaced
   * more than `graceMs` ago, so a client that read an older timestamp can still finish its refresh.
   */
  async collectGarbage(tx: Tx, graceMs: number): Promise<number> {
    const cutoff = tufTime(new Date(this.config.now().getTime() - graceMs));
    const res = await tx
      .deleteFrom('tuf_files as f')
      .where('f.role', '<>', 'root')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('tuf_files as n')
            .select('n.name')
            .whereRef('n.role', '=', 'f.role')
            .whereRef('n.version', '>', 'f.version')
            .where('n.created_at', '<', cutoff),
        ),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

/** Reads a served metadata file: `timestamp.json` is the current timestamp, everything else by name. */
export async function readMetadataFile(tx: Tx, name: string): Promise<string | undefined> {
  if (name === 'timestamp.json') {
    const r = await tx.selectFrom('tuf_roles').select('version').where('role', '=', 'timestamp').executeTakeFirst();
    if (!r) return undefined;
    name = `${r.version}.timestamp.json`;
  } else if (!/^[1-9][0-9]{0,15}\.[a-z0-9-]{1,40}\.json$/.test(name) || name.endsWith('.timestamp.json')) {
    return undefined;
  }
  const f = await tx.selectFrom('tuf_files').select('body').where('name', '=', name).executeTakeFirst();
  return f?.body;
}
