import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src-main/errors.js';
import { sleep } from '../../src-main/sleep.js';

describe('sleep', () => {
  it('leaves no abort listener behind on a long-lived signal (an agent polls with one for months)', async () => {
    const ctl = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, ctl.signal);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with CancelledError when the signal fires, at once when it already has', async () => {
    const ctl = new AbortController();
    const waiting = sleep(60_000, ctl.signal);
    ctl.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    await expect(sleep(60_000, ctl.signal)).rejects.toBeInstanceOf(CancelledError);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });
});
