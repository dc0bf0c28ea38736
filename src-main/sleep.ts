import { CancelledError } from './errors.js';

/**
 * Waits `ms`, or rejects with CancelledError as soon as `signal` fires. The abort listener is removed
 * when the wait ends: a long-lived signal (an agent's, a client's) would otherwise gather one per wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
