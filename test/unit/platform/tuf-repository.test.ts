/** The TUF repository in the database: init, targets in hash bins, re-signing; loaded by tuf-js. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPlatform, repositoryFor, openSecretBox } from '../../../src-main/platform/admin.js';
import { requireSettings } from '../../../src-main/platform/settings.js';
import { loadOnlineSigners } from '../../../src-main/platform/signers.js';
import { openStore, type Store } from '../../../src-main/platform/store/database.js';
import { readMetadataFile } from '../../../src-main/platform/tuf/repository.js';
import { Keychain, Keystore } from '../../../src-main/signing/index.js';

class StoreFetcher extends BaseFetcher {
  fetched: string[] = [];
  constructor(private store: Store) {
    super();
  }
  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const name = url.replace(/^.*\/metadata\//, '');
    this.fetched.push(name);
    const body = await this.store.read((db) => readMetadataFile(db, name));
    if (body === undefined) throw new DownloadHTTPError(`404 ${name}`, 404);
    return Readable.toWeb(Readable.from([Buffer.from(body)])) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

describe('TUF repository', () => {
  let dir: string;
  let store: Store;
  const keystore = new Keystore({ service: `fleetpack-test-${process.pid}-tuf` });
  const env = { FLEETPACK_PLATFORM_PASSPHRASE: 'correct horse battery staple' };
  const secrets = new Keychain(`fleetpack-test-${process.pid}-secrets`);
  const ctx = () => ({ store, keystore: () => keystore, secrets: () => secrets, env, now: () => new Date() });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetpack-tuf-'));
    store = await openStore({ sqlite: join(dir, 'platform.db') });
  });
  afterAll(async () => {
    await store.close();
    for (const k of await keystore.list()) await keystore.delete(k.name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('initializes every role and tuf-js finds a target added to a bin', async () => {
    const actor = { name: 'test', role: 'local' as const };
    const init = await initPlatform(ctx(), { name: 'test', bitLength: 4, actor });
    expect(init.rootKeyIds).toHaveLength(1);
    const settings = await store.read((db) => requireSettings(db));
    const repo = repositoryFor(settings, ctx());
    const online = await loadOnlineSigners(
      store.read((db) => Promise.resolve(db)) as never,
      await openSecretBox(ctx(), settings),
    ).catch(async () => store.read(async (db) => loadOnlineSigners(db, await openSecretBox(ctx(), settings))));
    await store.write((tx) =>
      repo.updateTargets(
        tx,
        {
          upsert: [
            {
              path: 'models/a/1.0.0/model.onnx',
              length: 3,
              sha256: 'a'.repeat(64),
              custom: { releaseCounter: 1, framework: 'onnx' },
              releaseId: null,
            },
          ],
        },
        online,
      ),
    );
    const metaDir = mkdtempSync(join(dir, 'client-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(metaDir, 'root.json'), init.root);
    const fetcher = new StoreFetcher(store);
    const updater = new Updater({ metadataDir: metaDir, metadataBaseUrl: 'http://x/metadata', fetcher });
    await updater.refresh();
    const t = await updater.getTargetInfo('models/a/1.0.0/model.onnx');
    expect(t?.custom).toEqual({ releaseCounter: 1, framework: 'onnx' });
    expect(fetcher.fetched).toContain('2.snapshot.json');
    expect(fetcher.fetched.some((f) => /^2\.bins-[0-9a-f]\.json$/.test(f))).toBe(true);
  });
});
