// A fixed-window, in-memory limiter per key (source IP, instance). Per process: behind N replicas
// the effective limit is N times this, which is acceptable for abuse protection of enroll/rotate.
import { AppError } from "@nodepilot/core";

export class WindowLimiter {
  readonly #hits = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until the key may try again, or 0 when this attempt is allowed (and counted). */
  take(key: string, nowMs: number): number {
    const w = this.#hits.get(key);
    if (!w || nowMs - w.start >= this.windowMs) {
      this.#sweep(nowMs);
      this.#hits.set(key, { start: nowMs, count: 1 });
      return 0;
    }
    if (w.count >= this.limit) return Math.max(1, Math.ceil((w.start + this.windowMs - nowMs) / 1000));
    w.count++;
    return 0;
  }

  // Old windows are dropped lazily so the map stays bounded by the keys active in one window.
  #sweep(nowMs: number) {
    if (this.#hits.size < 1024) return;
    for (const [k, w] of this.#hits) if (nowMs - w.start >= this.windowMs) this.#hits.delete(k);
  }
}

export function rateLimited(message: string, retryAfterSeconds: number): AppError {
  return new AppError("rate_limited", message, { details: { retry_after_seconds: retryAfterSeconds } });
}
