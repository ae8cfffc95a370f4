// When a retried task becomes leasable again (spec/domain.md §2.2 `fail`).
import { retryDelayMs } from "../machines/task-machine.ts";

/** now + min(30 s · 2^(attempt−1), 600 s), where `attempt` is the attempt that just failed. */
export function retryAvailableAt(now: Date, attempt: number): Date {
  return new Date(now.getTime() + retryDelayMs(attempt));
}
