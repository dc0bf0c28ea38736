/**
 * The golden repository (tuf-conformance static_data layout): tuf-js loads it at its faketime and
 * downloads the target; every file follows the spec's rules; the current code still writes the
 * same signed content (signatures aside: ECDSA is randomized).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkRepository } from '../fixtures/tuf-check.js';
import { FAKETIME, generateGolden, readGolden, type GoldenRepo } from '../fixtures/tuf-golden.js';
import { tempDir } from '../fixtures/temp.js';

class StaticFetcher extends BaseFetcher {
  constructor(private repo: GoldenRepo) {
    super();
  }
  fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const path = new URL(url).pathname.slice(1);
    const bytes = path.startsWith('metadata/')
      ? this.repo.metadata.get(path.slice('metadata/'.length))
      : this.repo.targets.get(path);
    if (bytes === undefined) return Promise.reject(new DownloadHTTPError(`404 ${path}`, 404));
    return Promise.resolve(
      Readable.toWeb(Readable.from([Buffer.from(bytes)])) as ReadableStream<Uint8Array<ArrayBuffer>>,
    );
  }
}

/**
 * Each file's signed content, without the lengths and hashes snapshot and timestamp record of
 * other files: those follow the offline ECDSA signatures, which differ from run to run.
 */
const signedParts = (repo: GoldenRepo) =>
  Object.fromEntries(
    [...repo.metadata].map(([name, body]) => {
      const signed = (JSON.parse(body) as { signed: { meta?: Record<string, { length?: number; hashes?: unknown }> } })
        .signed;
      for (const m of Object.values(signed.meta ?? {})) {
        delete m.length;
        delete m.hashes;
      }
      return [name, signed];
    }),
  );

describe('golden TUF repository', () => {
  afterEach(() => vi.useRealTimers());

  it('loads with tuf-js at its faketime and the target downloads and verifies', async () => {
    const golden = readGolden();
    const faketime = new Date(FAKETIME.replace(' ', 'T'));
    expect((await checkRepository((n) => Promise.resolve(golden.metadata.get(n)), faketime)).problems).toEqual([]);
    vi.useFakeTimers({ toFake: ['Date'], now: faketime });
    const metadataDir = tempDir('fleetpack-golden-client-');
    writeFileSync(join(metadataDir, 'root.json'), golden.initialRoot);
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: 'http://golden/metadata',
      targetBaseUrl: 'http://golden/targets',
      targetDir: tempDir('fleetpack-golden-targets-'),
      fetcher: new StaticFetcher(golden),
    });
    await updater.refresh();
    const info = await updater.getTargetInfo(golden.targetpath);
    expect(info?.custom).toMatchObject({ releaseCounter: 1, role: 'model', channels: ['stable'] });
    const file = await updater.downloadTarget(info!);
    expect(file).toBeTruthy();
  });

  it('matches what the current code writes (regenerate with test/tools/tuf-golden.ts after an intended change)', async () => {
    const fresh = await generateGolden();
    const golden = readGolden();
    expect(fresh.targetpath).toBe(golden.targetpath);
    expect([...fresh.targets.keys()].sort()).toEqual([...golden.targets.keys()].sort());
    expect(signedParts(fresh)).toEqual(signedParts(golden));
  });
});
