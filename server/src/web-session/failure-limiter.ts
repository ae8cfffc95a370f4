// Failed sign-ins counted per key (an email, a client IP) in a fixed window, in this process's
// memory: behind N replicas an attacker gets N times the budget, which still turns an online
// password guess from thousands a minute into a handful. Successes are not counted.
export class FailureLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until `key` may try again, or 0 while it is under the limit. Counts nothing. */
  retryAfter(key: string, nowMs: number): number {
    const w = this.#windows.get(key);
    if (!w || nowMs - w.start >= this.windowMs || w.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - nowMs) / 1000));
  }

  fail(key: string, nowMs: number): void {
    const w = this.#windows.get(key);
    if (w && nowMs - w.start < this.windowMs) {
      w.failures++;
      return;
    }
    this.#sweep(nowMs);
    this.#windows.set(key, { start: nowMs, failures: 1 });
  }

  /** Forget a key's failures (an email after its owner signed in). */
  clear(key: string): void {
    this.#windows.delete(key);
  }

  // Closed windows are dropped lazily, so the map holds only keys that failed within one window.
  #sweep(nowMs: number) {
    if (this.#windows.size < 1024) return;
    for (const [k, w] of this.#windows) if (nowMs - w.start >= this.windowMs) this.#windows.delete(k);
  }
}
