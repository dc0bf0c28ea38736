import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError, HashError } from '../../src-main/errors.js';
import { hashFiles, type HashProgress } from '../../src-main/package/index.js';
import { pseudoRandomBytes } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';

const CHUNK = 64 * 1024;

function makeFiles(sizes: number[]) {
  const dir = tempDir();
  return sizes.map((size, i) => {
    const data = pseudoRandomBytes(size, i + 3);
    const path = join(dir, `f${i}`);
    writeFileSync(path, data);
    return { name: `f${i}`, path, size, data };
  });
}

describe('parallel streaming digest', () => {
  it('matches node:crypto over chunk boundaries, keeps input order, for every algorithm', async () => {
    const files = makeFiles([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 10 * CHUNK]);
    for (const algorithm of ['sha256', 'sha384', 'sha512', 'blake2b512'] as const) {
      const out = await hashFiles(files, { algorithm, chunkSize: CHUNK, concurrency: 3 });
      expect(out.map((d) => d.name)).toEqual(files.map((f) => f.name));
      for (const [i, d] of out.entries()) {
        expect(d.digest).toBe(createHash(algorithm).update(files[i]!.data).digest('hex'));
        expect(d.size).toBe(files[i]!.size);
      }
    }
  });

  it('gives the same digests with one worker as with many', async () => {
    const files = makeFiles([5000, 200_000, 70_000, 1]);
    const one = await hashFiles(files, { concurrency: 1, chunkSize: CHUNK });
    const many = await hashFiles(files, { concurrency: 8, chunkSize: CHUNK });
    expect(many).toEqual(one);
  });

  it('reports progress up to the total bytes and files', async () => {
    const files = makeFiles([100_000, 300_000, 50_000]);
    const events: HashProgress[] = [];
    await hashFiles(files, { onProgress: (p) => events.push(p), chunkSize: CHUNK });
    const last = events.at(-1)!;
    expect(last).toEqual({ bytesDone: 450_000, bytesTotal: 450_000, filesDone: 3, filesTotal: 3 });
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
  });

  it('cancels: a fired AbortSignal rejects with CancelledError and stops the workers', async () => {
    const files = makeFiles(Array.from({ length: 40 }, () => 200_000));
    const ctrl = new AbortController();
    let seen = 0;
    const p = hashFiles(files, {
      signal: ctrl.signal,
      concurrency: 2,
      chunkSize: CHUNK,
      onProgress: () => {
        if (++seen === 2) ctrl.abort();
      },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toBeLessThan(40 * 2);
    const pre = new AbortController();
    pre.abort();
    await expect(hashFiles(files, { signal: pre.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('turns an unreadable file into a typed error naming it', async () => {
    const files = makeFiles([10]);
    const missing = { name: 'gone.bin', path: join(tempDir(), 'gone.bin'), size: 5 };
    const err = await hashFiles([...files, missing]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashError);
    expect(err).toMatchObject({ code: 'FILE_UNREADABLE', where: missing.path });
    expect((err as Error).message).toMatch(/gone\.bin.*ENOENT/);
  });

  it('returns nothing for no files', async () => {
    expect(await hashFiles([])).toEqual([]);
  });
});
