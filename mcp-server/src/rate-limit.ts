// Per-token call limits (spec/mcp.md §4: 120 reads and 30 writes a minute by default), counted in
// fixed one-minute windows in this process.
export interface RateLimits {
  readsPerMinute: number;
  writesPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { readsPerMinute: 120, writesPerMinute: 30 };

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait, or 0 when the call may go ahead (and is counted). */
  take(tokenId: string, kind: "read" | "write"): number {
    const limit = kind === "read" ? this.limits.readsPerMinute : this.limits.writesPerMinute;
    const key = `${tokenId}:${kind}`;
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(key, { start: now, count: 1 });
      return 0;
    }
    if (w.count >= limit) return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
    w.count++;
    return 0;
  }
}
