/**
 * An AbortController that fires after `ms` without a `touch()`: a timeout for silence, not for a
 * whole transfer (a big file on a slow link still arrives). It aborts with a `TimeoutError`, as
 * `AbortSignal.timeout` does, so callers tell it from a cancel.
 */
export class Watchdog {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  fired = false;
  constructor(private readonly ms: number) {
    this.touch();
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new DOMException(`no data for ${this.ms} ms`, 'TimeoutError'));
    }, this.ms);
    this.timer.unref();
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}
