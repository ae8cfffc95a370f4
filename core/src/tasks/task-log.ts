// Writes what a task change leaves behind in the same transaction: task_events rows (append-only,
// `seq` per task) and one fleet event per transition, in the task's own account.
import { type DbOrTx, task_events } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { type EventInput, type EventOrigin, emitEvents, type Severity } from "../events/emit.ts";
import type { TaskState } from "../machines/task-machine.ts";
import type { TaskRow } from "./task-output.ts";

export interface TaskLogEntry {
  taskId: string;
  type: string;
  message?: string;
  data?: Record<string, unknown>;
}

export interface TaskTransition {
  /** The row after the change. */
  task: TaskRow;
  from: TaskState;
  to: TaskState;
  event: string;
  message?: string;
  data?: Record<string, unknown>;
}

/** Events land in the task's account, whoever (a cross-account worker, the reaper) caused them. */
export function originFor(origin: EventOrigin, accountId: string): EventOrigin {
  if (origin.principal.accountId === accountId) return origin;
  return { ...origin, principal: { ...origin.principal, accountId } };
}

/**
 * Append task events. Callers hold the task rows' locks, so max(seq)+1 cannot race; one statement
 * serves a whole batch as long as each task appears once in it.
 */
export async function appendTaskEvents(db: DbOrTx, now: Date, entries: TaskLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(task_events).values(
    entries.map((e) => ({
      task_id: e.taskId,
      seq: sql`(select coalesce(max(te.seq), 0) + 1 from task_events te where te.task_id = ${e.taskId}::uuid)`,
      type: e.type,
      message: e.message ?? "",
      data: e.data ?? {},
      created_at: now,
    })),
  );
}

const severityOf = (to: TaskState): Severity => (to === "failed" || to === "expired" ? "medium" : "low");

/** Where a task's fleet event points: the task itself, plus the instance or node it runs on. */
export function taskEventRefs(task: TaskRow) {
  return {
    subject_type: "task",
    subject_id: task.id,
    task_id: task.id,
    node_instance_id: task.subject_type === "node_instance" ? task.subject_id : null,
    node_id: task.subject_type === "node" ? task.subject_id : null,
  };
}

/**
 * Record transitions: one task event each (type = the machine event) and one `task.transitioned`
 * fleet event each, written per account in account order: each account's sequence row is locked to
 * commit, and a fixed order keeps two multi-account batches from deadlocking.
 */
export async function recordTransitions(db: DbOrTx, origin: EventOrigin, transitions: TaskTransition[]): Promise<void> {
  if (transitions.length === 0) return;
  await appendTaskEvents(
    db,
    origin.now,
    transitions.map((t) => ({
      taskId: t.task.id,
      type: t.event,
      message: t.message ?? `${t.from} → ${t.to}`,
      data: { from: t.from, to: t.to, attempt: t.task.attempt, ...(t.data ?? {}) },
    })),
  );
  const byAccount = new Map<string, EventInput[]>();
  for (const t of transitions) {
    const list = byAccount.get(t.task.account_id) ?? [];
    list.push({
      kind: "task.transitioned",
      severity: severityOf(t.to),
      payload: { from: t.from, to: t.to, event: t.event, command: t.task.command, attempt: t.task.attempt },
      ...taskEventRefs(t.task),
    });
    byAccount.set(t.task.account_id, list);
  }
  for (const accountId of [...byAccount.keys()].sort()) {
    await emitEvents(db, originFor(origin, accountId), byAccount.get(accountId)!);
  }
}
