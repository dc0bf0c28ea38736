/** A file still arriving from the browser: waiting reads, range requests, read-ahead, completion, stalls. */
import { describe, expect, it } from 'vitest';
import { ArrivingFile, BLOCK, type RangeRequest } from '../../src-main/studio/arriving.js';

describe('ArrivingFile', () => {
  it('resolves a read once its blocks arrive, asking only for what is missing', async () => {
    const f = new ArrivingFile('u', 10 * BLOCK + 100);
    const asked: RangeRequest[] = [];
    f.onRangeRequest((r) => asked.push(r));
    f.wrote(0, BLOCK);
    await f.ensure(10, 100); // already here: no request
    expect(asked).toEqual([]);
    let done = false;
    const p = f.ensure(3 * BLOCK + 5, BLOCK).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(asked).toEqual([{ upload: 'u', ranges: [{ offset: 3 * BLOCK, length: 2 * BLOCK }] }]);
    f.wrote(3 * BLOCK, BLOCK);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // block 4 still missing
    f.wrote(4 * BLOCK, BLOCK);
    await p;
    expect(done).toBe(true);
  });

  it('asks ahead at the stride of the last two misses (fewer round trips for header walks)', () => {
    const f = new ArrivingFile('u', 1000 * BLOCK);
    const asked: RangeRequest[] = [];
    f.onRangeRequest((r) => asked.push(r));
    void f.ensure(0, 10);
    void f.ensure(16 * BLOCK, 10);
    const second = asked[1]!.ranges.map((r) => r.offset / BLOCK);
    expect(second[0]).toBe(16);
    expect(second.slice(1, 4)).toEqual([32, 48, 64]);
    // Block 32 was already asked for: a read there asks only for new blocks further ahead.
    void f.ensure(32 * BLOCK, 10);
    const third = asked.slice(2).flatMap((r) => r.ranges.map((x) => x.offset / BLOCK));
    expect(third).not.toContain(32);
    expect(third.every((b) => b > second.at(-1)!)).toBe(true);
  });

  it('completes when every byte is there, including a short tail block', async () => {
    const f = new ArrivingFile('u', 2 * BLOCK + 7);
    expect(f.complete).toBe(false);
    f.wrote(0, 2 * BLOCK);
    expect(f.complete).toBe(false);
    f.wrote(2 * BLOCK, 7);
    expect(f.complete).toBe(true);
    expect(f.received).toBe(2 * BLOCK + 7);
    await f.done;
  });

  it('a failed upload fails the waiting readers with its error', async () => {
    const f = new ArrivingFile('u', 4 * BLOCK);
    const p = f.ensure(2 * BLOCK, 10);
    f.fail(new Error('page closed'));
    await expect(p).rejects.toThrow('page closed');
    await expect(f.done).rejects.toThrow('page closed');
  });

  it('a cancelled read stops waiting', async () => {
    const f = new ArrivingFile('u', 4 * BLOCK);
    const ctl = new AbortController();
    const p = f.ensure(2 * BLOCK, 10, ctl.signal);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
