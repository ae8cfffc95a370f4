// Cancelling tasks (spec/domain.md §2.2 `cancel`, `abort`, and §2.1 "Entering terminated"). The lease
// id is kept, so the holder's next call is answered conflict/task_cancelled rather than lease_lost.
import { type DbOrTx, tasks } from "@nodepilot/store";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { EventOrigin } from "../events/emit.ts";
import { mustTransition } from "../machines/machine.ts";
import { type TaskState, taskMachine } from "../machines/task-machine.ts";
import type { TaskSubjectType } from "./commands.ts";
import { recordTransitions } from "./task-log.ts";
import type { TaskRow } from "./task-output.ts";

/** The cancel_reason an abort stores (spec/domain.md §2.2 `abort`). */
export const ABORTED = "aborted";

/**
 * Cancel one task the caller has locked: `cancel` for pending or leased, `abort` for running (a late
 * result is then kept only as a task event). An illegal state is conflict/invalid_transition.
 */
export async function cancelTask(
  db: DbOrTx,
  origin: EventOrigin,
  row: TaskRow,
  args: { event: "cancel" | "abort"; reason: string },
): Promise<TaskRow> {
  mustTransition(taskMachine, row.status, args.event, `task ${row.id} (${row.command})`);
  const [next] = await db
    .update(tasks)
    .set({
      status: "cancelled",
      cancel_requested_at: origin.now,
      cancel_reason: args.event === "abort" ? ABORTED : args.reason,
      completed_at: origin.now,
      version: row.version + 1,
      updated_at: origin.now,
    })
    .where(and(eq(tasks.id, row.id), eq(tasks.version, row.version)))
    .returning();
  if (!next) throw new Error(`task ${row.id} changed while locked`);
  await recordTransitions(db, origin, [
    {
      task: next,
      from: row.status,
      to: "cancelled",
      event: args.event,
      message: args.reason,
      data: { reason: args.reason },
    },
  ]);
  return next;
}

/** Cancel a subject's pending and leased tasks in one go (a terminated instance takes no more work). */
export async function cancelSubjectTasks(
  db: DbOrTx,
  origin: EventOrigin,
  args: { subjectType: TaskSubjectType; subjectId: string; reason: string; now: Date },
): Promise<TaskRow[]> {
  return db.transaction(async (tx) => {
    const open = await tx
      .select({ id: tasks.id, status: tasks.status })
      .from(tasks)
      .where(
        and(
          eq(tasks.subject_type, args.subjectType),
          eq(tasks.subject_id, args.subjectId),
          inArray(tasks.status, ["pending", "leased"]),
        ),
      )
      .orderBy(tasks.id)
      .for("update");
    if (open.length === 0) return [];
    const from = new Map<string, TaskState>(open.map((r) => [r.id, r.status]));
    const rows = await tx
      .update(tasks)
      .set({
        status: "cancelled",
        cancel_requested_at: args.now,
        cancel_reason: args.reason,
        completed_at: args.now,
        version: sql`${tasks.version} + 1`,
        updated_at: args.now,
      })
      .where(and(inArray(tasks.id, [...from.keys()]), inArray(tasks.status, ["pending", "leased"])))
      .returning();
    await recordTransitions(
      tx,
      { ...origin, now: args.now },
      rows.map((task) => ({
        task,
        from: from.get(task.id) ?? "pending",
        to: "cancelled" as const,
        event: "cancel",
        message: args.reason,
        data: { reason: args.reason },
      })),
    );
    return rows;
  });
}
