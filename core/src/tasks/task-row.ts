// Shared pieces of the holder calls: lock and update a task row, the holder checks, and the
// refusals (lease_lost, task_cancelled) every call answers the same way.
import { type DbOrTx, tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { conflict, notFound } from "../errors.ts";
import { FINAL_TASK_STATES, type TaskState } from "../machines/task-machine.ts";
import { TASK_COMMANDS } from "./commands.ts";
import type { TaskTransition } from "./task-log.ts";
import type { TaskRow } from "./task-output.ts";

export type TaskSet = Partial<Omit<typeof tasks.$inferInsert, "id" | "account_id" | "version">>;

export const commandsByName = new Map(TASK_COMMANDS.map((c) => [c.name, c]));
export const isFinal = (s: TaskState) => FINAL_TASK_STATES.includes(s);
export const what = (row: TaskRow) => `task ${row.id} (${row.command})`;

export async function lockTask(db: DbOrTx, taskId: string): Promise<TaskRow> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, taskId)).for("update");
  if (!row) throw notFound("task", taskId);
  return row;
}

export async function updateTask(db: DbOrTx, row: TaskRow, now: Date, set: TaskSet): Promise<TaskRow> {
  const [next] = await db
    .update(tasks)
    .set({ ...set, version: row.version + 1, updated_at: now })
    .where(and(eq(tasks.id, row.id), eq(tasks.version, row.version)))
    .returning();
  // The row is locked FOR UPDATE above, so this only fires if a caller skipped lockTask.
  if (!next)
    throw conflict(`${what(row)} changed concurrently`, { reason: "concurrent_update", current_state: row.status });
  return next;
}

export const leaseLost = (row: TaskRow) =>
  conflict(`the lease on ${what(row)} is no longer held`, { reason: "lease_lost", current_state: row.status });

export const taskCancelled = (row: TaskRow) =>
  conflict(`${what(row)} was cancelled`, {
    reason: "task_cancelled",
    current_state: row.status,
    details: { cancel_reason: row.cancel_reason },
  });

/** The holder's lease must be the current one, and the task must not have been cancelled. */
export function checkHolder(row: TaskRow, leaseId: string) {
  if (row.lease_id !== leaseId) throw leaseLost(row);
  if (row.status === "cancelled") throw taskCancelled(row);
}

export const plusSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

export const transition = (task: TaskRow, from: TaskState, event: string, extra: Partial<TaskTransition> = {}) => ({
  task,
  from,
  to: task.status,
  event,
  ...extra,
});
