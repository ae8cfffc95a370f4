// Holder reports and finalizers (spec/domain.md §2.2 `complete`, `fail`, "Holder call idempotency",
// and the deferred reboot/upgrade settlement). Reached through lease.ts.
import type { DbOrTx } from "@nodepilot/store";
import { fromZodError, invalidInput } from "../errors.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { mustTransition } from "../machines/machine.ts";
import { taskMachine } from "../machines/task-machine.ts";
import { retryAvailableAt } from "./backoff.ts";
import { getCommand, type TaskCommand } from "./commands.ts";
import { redactDeep, sanitizeErrorMessage } from "./redact.ts";
import { appendTaskEvents, originFor, recordTransitions, taskEventRefs } from "./task-log.ts";
import type { TaskRow } from "./task-output.ts";
import {
  commandsByName,
  isFinal,
  leaseLost,
  lockTask,
  plusSeconds,
  taskCancelled,
  transition,
  updateTask,
  what,
} from "./task-row.ts";

const deferredOf = (row: TaskRow) =>
  row.status === "running" &&
  row.completion_id !== null &&
  commandsByName.get(row.command)?.deferredCompletion === true;

function parseResult(cmd: TaskCommand, result: unknown): Record<string, unknown> {
  const parsed = cmd.result.safeParse(result);
  if (!parsed.success) throw fromZodError(parsed.error, "result");
  return redactDeep(parsed.data as Record<string, unknown>);
}

/** A report that arrives after an abort is kept as a task event only; the holder is told task_cancelled. */
async function keepLateReport(
  db: DbOrTx,
  row: TaskRow,
  now: Date,
  completionId: string,
  data: Record<string, unknown>,
) {
  const next = await updateTask(db, row, now, { completion_id: completionId });
  await appendTaskEvents(db, now, [
    {
      taskId: row.id,
      type: "late_report",
      message: "reported after the task was aborted",
      data: { completion_id: completionId, ...data },
    },
  ]);
  return { late: next };
}

/**
 * running → succeeded with a valid result. Deferred commands (reboot, upgrade_boot_image) keep
 * running with the result stored and `deferred: true`; a finalizer settles them with settleTask.
 * A repeated call with the same completion id returns the stored outcome.
 */
export async function completeTask(
  db: DbOrTx,
  origin: EventOrigin,
  args: { taskId: string; leaseId: string; completionId: string; result: unknown; now: Date },
): Promise<{ task: TaskRow; deferred: boolean }> {
  const out = await db.transaction(async (tx) => {
    const row = await lockTask(tx, args.taskId);
    if (row.completion_id === args.completionId && (row.lease_id === args.leaseId || row.lease_id === null)) {
      if (row.status === "cancelled") throw taskCancelled(row);
      return { task: row, deferred: deferredOf(row) };
    }
    if (row.lease_id !== args.leaseId) throw leaseLost(row);
    if (row.status === "cancelled") {
      if (row.started_at === null) throw taskCancelled(row);
      return keepLateReport(tx, row, args.now, args.completionId, { result: redactDeep(args.result ?? null) });
    }
    // Finished, or already completed (deferred) under another completion id.
    if (isFinal(row.status) || row.completion_id !== null) throw leaseLost(row);
    mustTransition(taskMachine, row.status, "complete", what(row));
    const cmd = getCommand(row.command);
    const result = parseResult(cmd, args.result);
    if (cmd.deferredCompletion) {
      // Nobody renews while the node reboots: hold the lease until the timeout, so the reaper fails
      // an unsettled task as `timeout` rather than re-queueing a reboot.
      const settleBy = plusSeconds(row.started_at ?? args.now, row.timeout_seconds);
      const next = await updateTask(tx, row, args.now, {
        result,
        completion_id: args.completionId,
        lease_expires_at: row.lease_expires_at && row.lease_expires_at > settleBy ? row.lease_expires_at : settleBy,
      });
      await appendTaskEvents(tx, args.now, [
        {
          taskId: row.id,
          type: "deferred",
          message: "awaiting settlement by a heartbeat",
          data: { completion_id: args.completionId },
        },
      ]);
      await emitEvent(tx, originFor(origin, row.account_id), {
        kind: "task.deferred",
        payload: { command: row.command, attempt: row.attempt },
        ...taskEventRefs(next),
      });
      return { task: next, deferred: true };
    }
    const next = await updateTask(tx, row, args.now, {
      status: "succeeded",
      result,
      progress: 100,
      completed_at: args.now,
      completion_id: args.completionId,
      error_code: null,
      error_message: null,
    });
    await recordTransitions(tx, origin, [transition(next, row.status, "complete")]);
    return { task: next, deferred: false };
  });
  if ("late" in out) throw taskCancelled(out.late);
  return out;
}

const ERROR_CODE = /^[a-z][a-z0-9_.:-]{0,99}$/;

/**
 * leased|running → pending (retryable with attempts left; available again after the backoff) or
 * failed. The message is stored redacted and cut to 16 KB. Repeats with the same completion id
 * return the stored outcome.
 */
export async function failTask(
  db: DbOrTx,
  origin: EventOrigin,
  args: {
    taskId: string;
    leaseId: string;
    completionId: string;
    error_code: string;
    error_message: string;
    retryable: boolean;
    now: Date;
  },
): Promise<TaskRow> {
  const out = await db.transaction(async (tx) => {
    const row = await lockTask(tx, args.taskId);
    if (row.completion_id === args.completionId && (row.lease_id === args.leaseId || row.lease_id === null)) {
      if (row.status === "cancelled") throw taskCancelled(row);
      return { task: row };
    }
    if (row.lease_id !== args.leaseId) throw leaseLost(row);
    const message = sanitizeErrorMessage(args.error_message);
    if (row.status === "cancelled") {
      if (row.started_at === null) throw taskCancelled(row);
      return keepLateReport(tx, row, args.now, args.completionId, {
        error_code: args.error_code.slice(0, 100),
        error_message: message,
      });
    }
    if (isFinal(row.status)) throw leaseLost(row);
    if (!ERROR_CODE.test(args.error_code)) {
      throw invalidInput("error_code must be a short snake_case code", [
        { path: "error_code", message: "must match [a-z][a-z0-9_.:-]{0,99}" },
      ]);
    }
    const retry = args.retryable && row.attempt < row.max_attempts;
    mustTransition(taskMachine, row.status, retry ? "retry" : "fail", what(row));
    const next = await updateTask(
      tx,
      row,
      args.now,
      retry
        ? {
            status: "pending",
            available_at: retryAvailableAt(args.now, row.attempt),
            lease_id: null,
            lease_holder: null,
            leased_at: null,
            lease_expires_at: null,
            started_at: null,
            progress: 0,
            error_code: args.error_code,
            error_message: message,
            completion_id: args.completionId,
          }
        : {
            status: "failed",
            completed_at: args.now,
            error_code: args.error_code,
            error_message: message,
            completion_id: args.completionId,
          },
    );
    await recordTransitions(tx, origin, [
      transition(next, row.status, retry ? "retry" : "fail", {
        data: {
          error_code: args.error_code,
          retryable: args.retryable,
          ...(retry ? { available_at: next.available_at } : {}),
        },
      }),
    ]);
    return { task: next };
  });
  if ("late" in out) throw taskCancelled(out.late);
  return out.task;
}

/**
 * A finalizer settles a running task without a lease: a heartbeat with a new boot id (reboot) or
 * the target image SHA (upgrade_boot_image). A success result is merged over the holder's stored one
 * and validated; a failure needs an error code.
 */
export async function settleTask(
  db: DbOrTx,
  origin: EventOrigin,
  args: {
    taskId: string;
    outcome: "succeeded" | "failed";
    result?: Record<string, unknown>;
    error_code?: string;
    error_message?: string;
    now: Date;
  },
): Promise<TaskRow> {
  return db.transaction(async (tx) => {
    const row = await lockTask(tx, args.taskId);
    if (args.outcome === "succeeded") {
      mustTransition(taskMachine, row.status, "complete", what(row));
      const result = parseResult(getCommand(row.command), { ...(row.result ?? {}), ...(args.result ?? {}) });
      const next = await updateTask(tx, row, args.now, {
        status: "succeeded",
        result,
        progress: 100,
        completed_at: args.now,
        error_code: null,
        error_message: null,
      });
      await recordTransitions(tx, origin, [transition(next, row.status, "complete", { data: { settled: true } })]);
      return next;
    }
    mustTransition(taskMachine, row.status, "fail", what(row));
    if (!args.error_code || !ERROR_CODE.test(args.error_code)) {
      throw invalidInput("settling a failure needs an error_code", [
        { path: "error_code", message: "required, snake_case" },
      ]);
    }
    const next = await updateTask(tx, row, args.now, {
      status: "failed",
      completed_at: args.now,
      error_code: args.error_code,
      error_message: sanitizeErrorMessage(args.error_message ?? ""),
    });
    await recordTransitions(tx, origin, [
      transition(next, row.status, "fail", { data: { settled: true, error_code: args.error_code } }),
    ]);
    return next;
  });
}
