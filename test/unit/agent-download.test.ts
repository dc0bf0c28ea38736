/**
 * The agent's resumable target download (TokenFetcher.downloadFile) against a fetch that serves one
 * file with `Range`: a stalled transfer ends at the idle timeout as a network fault with its bytes
 * kept, the next call asks only for the rest, and a server that ignores `Range` gets a fresh start.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FetchLike, isNetworkFault, TokenFetcher } from '../../src-main/agent/index.js';
import { pseudoRandomBytes } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';
import { rangedResponse } from '../fixtures/tuf-sim.js';

const FILE = pseudoRandomBytes(100_000, 7);
const URL_ = 'http://platform.invalid/device/v1/targets/models/m/1.0.0/abc.weights.bin';

/** Serves FILE with `Range`; `stallAfter` bytes into the first answer it goes silent until the agent gives up. */
function server(opts: { stallAfter?: number; ignoreRange?: boolean }) {
  const ranges: (string | undefined)[] = [];
  let stall = opts.stallAfter;
  const fetch: FetchLike = (_url, init) => {
    ranges.push(init.headers.range);
    const cut = stall === undefined ? undefined : { bytes: stall, then: 'stall' as const, signal: init.signal };
    stall = undefined;
    return Promise.resolve(rangedResponse(FILE, opts.ignoreRange ? undefined : init.headers.range, cut));
  };
  return { fetch, ranges };
}

const read = (file: string) => Promise.resolve(readFileSync(file));

describe('resumable target downloads', () => {
  it('a stalled transfer is a network fault after the idle timeout; the next call fetches only the rest', async () => {
    const dir = tempDir('fleetpack-dl-');
    const s = server({ stallAfter: 30_000 });
    const fetcher = new TokenFetcher('t', 300, s.fetch, {
      dir,
      targetUrl: 'http://platform.invalid/device/v1/targets/',
    });
    const err = await fetcher.downloadFile(URL_, FILE.length, read).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('TimeoutError');
    expect(isNetworkFault(err)).toBe(true);
    const [partial] = readdirSync(dir);
    expect(readFileSync(join(dir, partial!)).length).toBe(30_000);
    const whole = await fetcher.downloadFile(URL_, FILE.length, read);
    expect(whole.equals(FILE)).toBe(true);
    expect(s.ranges).toEqual([undefined, 'bytes=30000-']);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('a server that ignores Range sends the whole file, which replaces the partial', async () => {
    const dir = tempDir('fleetpack-dl-');
    const s = server({ stallAfter: 10_000, ignoreRange: true });
    const fetcher = new TokenFetcher('t', 300, s.fetch, {
      dir,
      targetUrl: 'http://platform.invalid/device/v1/targets/',
    });
    await expect(fetcher.downloadFile(URL_, FILE.length, read)).rejects.toThrow();
    const whole = await fetcher.downloadFile(URL_, FILE.length, read);
    expect(whole.equals(FILE)).toBe(true);
    expect(s.ranges).toEqual([undefined, 'bytes=10000-']);
  });

  it('metadata is never resumed, and more than the signed length is refused as data, not network', async () => {
    const dir = tempDir('fleetpack-dl-');
    const s = server({});
    const fetcher = new TokenFetcher('t', 300, s.fetch, {
      dir,
      targetUrl: 'http://platform.invalid/device/v1/targets/',
    });
    const err = await fetcher.downloadFile(URL_, FILE.length - 1, read).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/More than the signed 99999 bytes/);
    expect(isNetworkFault(err)).toBe(false);
    expect(readdirSync(dir)).toHaveLength(0);
    const meta = await fetcher.downloadFile('http://platform.invalid/device/v1/tuf/timestamp.json', FILE.length, read);
    expect(meta.equals(FILE)).toBe(true);
    expect(readdirSync(dir)).toHaveLength(0);
  });
});
