/**
 * The TUF repository in the database, on a controlled clock: every file follows the spec's rules,
 * online metadata is re-signed at half-life (and only then), superseded versions are collected
 * (never roots), and the server re-signs by itself before anything expires.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPlatform, Platform, type Store } from '../../src-main/platform/index.js';
import { openSecretBox, repositoryFor } from '../../src-main/platform/admin.js';
import { requireSettings } from '../../src-main/platform/settings.js';
import { loadOnlineSigners } from '../../src-main/platform/signers.js';
import { openStore } from '../../src-main/platform/store/database.js';
import { readMetadataFile, type Lifetimes } from '../../src-main/platform/tuf/repository.js';
import { startServer } from '../../src-main/server/index.js';
import { PASSPHRASE, testKeychains } from '../fixtures/platform.js';
import { tempDir } from '../fixtures/temp.js';
import { checkRepository, httpFiles } from '../fixtures/tuf-check.js';

const S = 1000;
const DAY = 86_400 * S;
const lifetimes: Lifetimes = { root: 365 * DAY, targets: 365 * DAY, bins: 8 * DAY, snapshot: 8 * DAY, timestamp: DAY };

class StoreFetcher extends BaseFetcher {
  constructor(private store: Store) {
    super();
  }
  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const name = url.replace(/^.*\/metadata\//, '');
    const body = await this.store.read((db) => readMetadataFile(db, name));
    if (body === undefined) throw new DownloadHTTPError(`404 ${name}`, 404);
    return Readable.toWeb(Readable.from([Buffer.from(body)])) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

describe('TUF repository on a controlled clock', () => {
  const keys = testKeychains('tuf');
  const env = { FLEETPACK_PLATFORM_PASSPHRASE: PASSPHRASE };
  let store: Store;
  let dir: string;
  let clock = Date.now();
  const now = () => new Date(clock);
  const ctx = () => ({ store, keystore: () => keys.keystore, secrets: () => keys.secrets, env, now, lifetimes });
  const files = (name: string) => store.read((db) => readMetadataFile(db, name));
  const raw = (name: string) =>
    store.read(
      async (db) => (await db.selectFrom('tuf_files').select('body').where('name', '=', name).executeTakeFirst())?.body,
    );
  const versions = async () =>
    Object.fromEntries(
      (await store.read((db) => db.selectFrom('tuf_roles').select(['role', 'version']).execute())).map((r) => [
        r.role,
        r.version,
      ]),
    );

  beforeAll(async () => {
    dir = tempDir();
    store = await openStore({ sqlite: join(dir, 'p.db') });
  });
  afterAll(async () => {
    await store.close();
    await keys.cleanup();
  });

  it('follows the spec from init, re-signs each online role at half-life, and tuf-js loads it', async () => {
    const init = await initPlatform(ctx(), { name: 't', bitLength: 3, actor: { name: 't', role: 'local' } });
    expect((await checkRepository(files, now())).problems).toEqual([]);
    const settings = await store.read((db) => requireSettings(db));
    const repo = repositoryFor(settings, ctx());
    const box = await openSecretBox(ctx(), settings);
    const online = await store.read((db) => loadOnlineSigners(db, box));
    await store.write((tx) =>
      repo.updateTargets(
        tx,
        {
          upsert: [
            {
              path: 'models/a/1.0.0/model.onnx',
              length: 3,
              sha256: 'ab'.repeat(32),
              custom: { releaseCounter: 1, channels: ['beta'] },
              releaseId: null,
            },
          ],
        },
        online,
      ),
    );
    const v0 = await versions();
    expect(Object.keys(v0).filter((r) => r.startsWith('bins-'))).toHaveLength(8);

    clock += 11 * 3600 * S; // less than half a day: nothing is due
    expect(await store.write((tx) => repo.refreshExpiring(tx, online))).toEqual([]);
    clock += 2 * 3600 * S; // 13 h: the timestamp is past half its day
    expect(await store.write((tx) => repo.refreshExpiring(tx, online))).toEqual(['timestamp']);
    expect((await versions()).timestamp).toBe(v0.timestamp! + 1);
    expect((await versions()).snapshot).toBe(v0.snapshot);
    clock += 4 * DAY; // bins and snapshot past half of 8 days
    const resigned = await store.write((tx) => repo.refreshExpiring(tx, online));
    expect(resigned).toEqual(expect.arrayContaining(['bins-0', 'bins-7', 'snapshot', 'timestamp']));
    const v1 = await versions();
    expect(v1['bins-0']).toBe(v0['bins-0']! + 1);
    const check = await checkRepository(files, now());
    expect(check.problems).toEqual([]);
    expect(check.targetCount).toBe(1);
    // Without the re-signing, the old timestamp would be expired by now.
    expect(
      (
        await checkRepository(
          async (n) => (n === 'timestamp.json' ? raw(`${v0.timestamp}.timestamp.json`) : files(n)),
          now(),
        )
      ).problems.join(),
    ).toMatch(/expired/);

    // Superseded versions go after the grace period; roots and current files stay.
    const removed = await store.write((tx) => repo.collectGarbage(tx, 3600 * S));
    expect(removed).toBeGreaterThan(0);
    expect(await files('1.snapshot.json')).toBeUndefined(); // replaced days ago
    expect(await files(`${v0.snapshot}.snapshot.json`)).toBeDefined(); // replaced just now: a client may still be reading it
    expect(await files('1.root.json')).toBeDefined();
    expect((await checkRepository(files, now())).problems).toEqual([]);

    const metaDir = tempDir();
    writeFileSync(join(metaDir, 'root.json'), init.root);
    // tuf-js checks expiry against the real clock; the repository's clock is days ahead of it, which is fine.
    const updater = new Updater({
      metadataDir: metaDir,
      metadataBaseUrl: 'http://x/metadata',
      fetcher: new StoreFetcher(store),
    });
    expect((await updater.getTargetInfo('models/a/1.0.0/model.onnx'))?.custom).toEqual({
      releaseCounter: 1,
      channels: ['beta'],
    });
  });

  it('the server re-signs the timestamp by itself before it expires', async () => {
    const short: Lifetimes = { ...lifetimes, timestamp: 3 * S };
    const own = await openStore({ sqlite: join(dir, 'own.db') });
    await initPlatform(
      {
        store: own,
        keystore: () => keys.keystore,
        secrets: () => keys.secrets,
        env,
        now: () => new Date(),
        lifetimes: short,
      },
      { name: 't2', bitLength: 1, actor: { name: 't', role: 'local' } },
    );
    const platform = await Platform.open({
      store: own,
      dataDir: dir,
      env,
      secrets: () => keys.secrets,
      lifetimes: short,
    });
    const server = await startServer(platform, { maintenanceMs: 200 });
    try {
      const first = JSON.parse((await httpFiles(server.url)('timestamp.json'))!) as {
        signed: { version: number; expires: string };
      };
      let latest = first;
      for (let i = 0; i < 100 && latest.signed.version === first.signed.version; i++) {
        await new Promise((r) => setTimeout(r, 100));
        latest = JSON.parse((await httpFiles(server.url)('timestamp.json'))!) as typeof first;
      }
      expect(latest.signed.version).toBeGreaterThan(first.signed.version);
      expect(Date.parse(latest.signed.expires)).toBeGreaterThan(Date.now());
      expect((await checkRepository(httpFiles(server.url))).problems).toEqual([]);
    } finally {
      await server.close();
      await own.close();
    }
  });
});
