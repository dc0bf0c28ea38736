/**
 * Publish through the HTTP API with the real client: upload, publish, list, channels, coverage,
 * and the published TUF metadata loaded by tuf-js over HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformClient } from '../../src-main/platform/index.js';
import { startServer, type RunningServer } from '../../src-main/server/index.js';
import { newTestPlatform, packageDir, tempDir, type TestPlatform } from '../fixtures/platform.js';

describe('publish over HTTP (SQLite)', () => {
  let tp: TestPlatform;
  let server: RunningServer;
  let work: string;

  beforeAll(async () => {
    tp = await newTestPlatform({ tag: 'pub' });
    server = await startServer(tp.platform);
    work = tempDir();
  });
  afterAll(async () => {
    await server?.close();
    await tp?.close();
  });

  it('publishes a package folder and tuf-js finds its targets with custom metadata', async () => {
    const dir = await packageDir(work, { version: '1.4.0' });
    const client = new PlatformClient(server.url, tp.publisher);
    const res = await client.publishDir(dir, { channel: 'beta' });
    expect(res.existed).toBe(false);
    expect(res.release.name).toBe('person-detector');
    expect(res.release.channels).toEqual(['beta']);
    expect(res.release.releaseCounter).toBe(1);
    expect(res.release.sbom.counted).toBe(true);
    expect(res.release.signature.status).toBe('unsigned');
    const model = res.release.files.find((f) => f.role === 'model')!;

    const metaDir = mkdtempSync(join(work, 'tuf-'));
    writeFileSync(join(metaDir, 'root.json'), tp.init.root);
    const updater = new Updater({ metadataDir: metaDir, metadataBaseUrl: `${server.url}/tuf` });
    await updater.refresh();
    const info = await updater.getTargetInfo(model.target);
    expect(info?.length).toBe(model.size);
    expect(`sha256:${info?.hashes.sha256}`).toBe(model.digest);
    expect(info?.custom).toMatchObject({ releaseCounter: 1, role: 'model', framework: 'onnx', channels: ['beta'] });

    const again = await client.publishDir(dir, { channel: 'beta' });
    expect(again.existed).toBe(true);
    expect(again.tuf.timestampVersion).toBe(res.tuf.timestampVersion);
  });
});
