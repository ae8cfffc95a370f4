// Retry timing (spec/agent.md §3): exponential backoff with full jitter, base 1 s, cap 5 min;
// a server's Retry-After always wins.
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 300_000 };
/** Rotation failures back off from 1 min up to 1 h (spec/agent.md §7). */
export const ROTATION_BACKOFF: BackoffPolicy = { baseMs: 60_000, capMs: 3_600_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry): uniform in
 * [0, min(cap, base·2^attempt)), or exactly `retryAfterMs` when the server sent one.
 */
export function nextDelay(attempt: number, rng: () => number, retryAfterMs?: number, policy = DEFAULT_BACKOFF): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return retryAfterMs;
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(rng() * ceiling);
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
