// Retrying a platform call (spec/agent.md §3): network errors, 5xx and 429 are retried with
// full-jitter backoff (Retry-After wins) until a deadline, an attempt cap or an abort.
import { type BackoffPolicy, DEFAULT_BACKOFF, nextDelay } from "./backoff.ts";
import { isRetryable, PlatformProblemError } from "./errors.ts";

export interface RetryOptions {
  policy?: BackoffPolicy;
  maxAttempts?: number;
  /** Absolute time after which no new attempt starts. */
  deadline?: Date;
  signal?: AbortSignal;
  rng?: () => number;
  now?: () => Date;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const rng = opts.rng ?? Math.random;
  const now = opts.now ?? (() => new Date());
  const sleep = opts.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || opts.signal?.aborted) throw err;
      if (opts.maxAttempts !== undefined && attempt + 1 >= opts.maxAttempts) throw err;
      const retryAfter = err instanceof PlatformProblemError ? err.retryAfterMs : undefined;
      const delay = nextDelay(attempt, rng, retryAfter, opts.policy ?? DEFAULT_BACKOFF);
      if (opts.deadline && now().getTime() + delay >= opts.deadline.getTime()) throw err;
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
