/**
 * Live updates of the Platform view: the platform has no server-sent events, so the view polls.
 * Every `every()` ms while `enabled` and the page is visible; while `failed()` the delay doubles up
 * to a minute; polling stops when the page is hidden or the view goes away, and asks again at
 * once when the page is shown again.
 */
import { useEffect } from 'react';

export const MAX_POLL_MS = 60_000;

/** `every` and `failed` read the store (module-level functions, so the effect does not restart). */
export function usePoll(load: () => Promise<void>, enabled: boolean, every: () => number, failed: () => boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let delay = every();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = { stopped: false, busy: false };
    const halted = () => run.stopped || document.hidden;
    const tick = async () => {
      timer = undefined;
      if (halted() || run.busy) return;
      run.busy = true;
      try {
        await load();
      } finally {
        run.busy = false;
      }
      if (halted()) return;
      delay = failed() ? Math.min(delay * 2, MAX_POLL_MS) : every();
      timer = setTimeout(() => void tick(), delay);
    };
    const onVisibility = () => {
      if (document.hidden) {
        if (timer) clearTimeout(timer);
        timer = undefined;
      } else if (!timer) {
        delay = every();
        void tick();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    void tick();
    return () => {
      run.stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [enabled, load, every, failed]);
}
