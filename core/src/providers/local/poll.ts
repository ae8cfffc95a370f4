// Bounded polling for local process state: every wait ends by its own bound, the call's deadline,
// or the call's abort signal, whichever comes first.
import { setTimeout as sleep } from "node:timers/promises";
import type { ProviderCallContext } from "../adapter.ts";
import { ProviderTimeoutError } from "../errors.ts";

const POLL_INTERVAL_MS = 50;

/** Throws when the call was aborted or its deadline has already passed. */
export function assertCallable(ctx: ProviderCallContext, what: string): void {
  ctx.signal.throwIfAborted();
  if (Date.now() >= ctx.deadline.getTime()) {
    throw new ProviderTimeoutError(`deadline passed before ${what}`, { providerType: "local" });
  }
}

/**
 * Polls `check` until it returns true (→ true) or `boundMs` elapses (→ false). Passing the call's
 * deadline first is a ProviderTimeoutError, because the caller can no longer use the answer.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  boundMs: number,
  ctx: ProviderCallContext,
  what: string,
): Promise<boolean> {
  const bound = Date.now() + boundMs;
  for (;;) {
    if (await check()) return true;
    const now = Date.now();
    if (now >= ctx.deadline.getTime()) {
      throw new ProviderTimeoutError(`deadline passed while waiting for ${what}`, { providerType: "local" });
    }
    if (now >= bound) return false;
    await sleep(Math.min(POLL_INTERVAL_MS, bound - now, ctx.deadline.getTime() - now), undefined, {
      signal: ctx.signal,
    });
  }
}
