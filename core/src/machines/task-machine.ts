// Task lifecycle (spec/domain.md §2.2). Guards (lease id, attempts) live with the runners.
import { TASK_STATES } from "@nodepilot/store";
import type { Machine } from "./machine.ts";

export { TASK_STATES };

export type TaskState = (typeof TASK_STATES)[number];
export type TaskEvent =
  | "lease"
  | "start"
  | "renew"
  | "complete"
  | "fail"
  | "retry"
  | "cancel"
  | "abort"
  | "lease_expired"
  | "lease_expired_final"
  | "expire";

export const taskMachine: Machine<TaskState, TaskEvent> = {
  name: "task",
  states: TASK_STATES,
  initial: "pending",
  final: ["succeeded", "failed", "cancelled", "expired"],
  rules: [
    { event: "lease", from: ["pending"], to: "leased" },
    { event: "start", from: ["leased"], to: "running" },
    { event: "renew", from: ["leased"], to: "leased" },
    { event: "renew", from: ["running"], to: "running" },
    { event: "complete", from: ["running"], to: "succeeded" },
    { event: "fail", from: ["leased", "running"], to: "failed" },
    // A retryable failure with attempts left goes back to the queue.
    { event: "retry", from: ["leased", "running"], to: "pending" },
    { event: "cancel", from: ["pending", "leased"], to: "cancelled" },
    { event: "abort", from: ["running"], to: "cancelled" },
    { event: "lease_expired", from: ["leased", "running"], to: "pending" },
    { event: "lease_expired_final", from: ["leased", "running"], to: "failed" },
    { event: "expire", from: ["pending"], to: "expired" },
  ],
};

export const FINAL_TASK_STATES: readonly TaskState[] = taskMachine.final;

/** Backoff before a retried task is leasable again: min(30 s · 2^(attempt−1), 600 s). */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(attempt - 1, 0), 600_000);
}
