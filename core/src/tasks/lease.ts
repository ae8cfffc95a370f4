// The holder protocol (spec/domain.md §2.2, agent.md §6): lease, start, renew here; complete, fail
// and settle (for finalizers) in report.ts, re-exported with the reaper so callers need one module.
// Agents (through the agent API) and control-plane workers call the same functions. Each call is one
// transaction (a savepoint inside a caller's transaction), writes its task events and one fleet event
// per transition, and treats the lease id as the holder's capability: a stale lease id is
// conflict/lease_lost and changes nothing.
import type { DbOrTx } from "@nodepilot/store";
import { conflict, fromZodError, invalidInput } from "../errors.ts";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { mustTransition } from "../machines/machine.ts";
import { taskMachine } from "../machines/task-machine.ts";
import { holdExclusivity, type LeaseFilter, leaseStatement } from "./lease-query.ts";
import { sanitizeErrorMessage } from "./redact.ts";
import { appendTaskEvents, originFor, recordTransitions, type TaskTransition, taskEventRefs } from "./task-log.ts";
import type { TaskRow } from "./task-output.ts";
import { checkHolder, commandsByName, lockTask, plusSeconds, transition, updateTask, what } from "./task-row.ts";

export type { LeaseFilter } from "./lease-query.ts";
export { type ReapOptions, type ReapStats, reapTasks } from "./reaper.ts";
export { completeTask, failTask, settleTask } from "./report.ts";

/**
 * Lease up to `limit` pending tasks for `holder` (spec/domain.md §2.2). Payloads are parsed again
 * here: one that no longer matches its command fails at once (invalid_payload) and is not returned.
 */
export async function leaseTasks(db: DbOrTx, origin: EventOrigin, args: LeaseFilter): Promise<TaskRow[]> {
  if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > 1000) {
    throw invalidInput("limit must be an integer from 1 to 1000", [{ path: "limit", message: "must be 1–1000" }]);
  }
  if (args.subjects?.length === 0 || args.commands?.length === 0) return [];
  return retryOnDeadlock(() =>
    db.transaction(async (tx) => {
      const leased = await leaseStatement(tx, args);
      if (leased.length === 0) return [];
      const reverted = await holdExclusivity(tx, leased, args.now);
      const kept: TaskRow[] = leased
        .filter((r) => !reverted.has(r.id))
        .map(({ prev_completion_id: _p, ...row }) => row);
      if (kept.length === 0) return [];
      // Row changes first, events last: the account's event row lock is then held only briefly.
      const valid: TaskRow[] = [];
      const failed: TaskTransition[] = [];
      for (const row of kept) {
        const problem = payloadProblem(row);
        if (!problem) {
          valid.push(row);
          continue;
        }
        const next = await updateTask(tx, row, args.now, {
          status: "failed",
          error_code: problem.code,
          error_message: sanitizeErrorMessage(problem.message),
          completed_at: args.now,
        });
        failed.push(transition(next, "leased", "fail", { data: { error_code: problem.code } }));
      }
      await recordTransitions(
        tx,
        origin,
        kept.map((t) => transition(t, "pending", "lease", { data: { holder: args.holder } })),
      );
      await recordTransitions(tx, origin, failed);
      return valid;
    }),
  );
}

function payloadProblem(row: TaskRow): { code: string; message: string } | undefined {
  const cmd = commandsByName.get(row.command);
  if (!cmd) return { code: "unknown_command", message: `command ${row.command} is no longer registered` };
  const parsed = cmd.payload.safeParse(row.payload);
  if (parsed.success) return undefined;
  return { code: "invalid_payload", message: fromZodError(parsed.error, "payload").message };
}

// Leasers lock rows, then subjects in order, then accounts in order, so they cannot deadlock each
// other; a transaction that takes its account's event row before locking tasks (an instance entering
// terminated cancels its tasks) can still deadlock with one. PostgreSQL aborts one side, and a leaser
// that lost simply leases again.
async function retryOnDeadlock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code =
        (err as { code?: string; cause?: { code?: string } }).code ??
        (err as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 3 || (code !== "40P01" && code !== "40001")) throw err;
    }
  }
}

/** leased → running; extends the lease. A repeated start under the same lease is harmless. */
export async function startTask(
  db: DbOrTx,
  origin: EventOrigin,
  args: { taskId: string; leaseId: string; now: Date },
): Promise<TaskRow> {
  return db.transaction(async (tx) => {
    const row = await lockTask(tx, args.taskId);
    checkHolder(row, args.leaseId);
    if (row.status === "running") return row;
    mustTransition(taskMachine, row.status, "start", what(row));
    const next = await updateTask(tx, row, args.now, {
      status: "running",
      started_at: args.now,
      lease_expires_at: plusSeconds(args.now, row.lease_ttl_seconds),
    });
    await recordTransitions(tx, origin, [transition(next, row.status, "start")]);
    return next;
  });
}

/**
 * Extend the lease by its TTL, optionally reporting progress (running only). Refused with
 * task_cancelled once a cancel is requested; past timeout_seconds the task is failed (`timeout`,
 * committed) and the call is refused with conflict/timeout.
 */
export async function renewTask(
  db: DbOrTx,
  origin: EventOrigin,
  args: { taskId: string; leaseId: string; progress?: number; message?: string; now: Date },
): Promise<TaskRow> {
  const out = await db.transaction(async (tx) => {
    const row = await lockTask(tx, args.taskId);
    checkHolder(row, args.leaseId);
    mustTransition(taskMachine, row.status, "renew", what(row));
    if (args.progress !== undefined) {
      if (!Number.isInteger(args.progress) || args.progress < 0 || args.progress > 100) {
        throw invalidInput("progress must be an integer from 0 to 100", [
          { path: "progress", message: "must be 0–100" },
        ]);
      }
      if (row.status !== "running") {
        throw invalidInput("progress can be reported only once the task is running", [
          { path: "progress", message: "call start first" },
        ]);
      }
    }
    if (
      row.status === "running" &&
      row.started_at &&
      args.now.getTime() - row.started_at.getTime() > row.timeout_seconds * 1000
    ) {
      const next = await updateTask(tx, row, args.now, {
        status: "failed",
        error_code: "timeout",
        error_message: `ran longer than timeout_seconds (${row.timeout_seconds} s)`,
        completed_at: args.now,
      });
      await recordTransitions(tx, origin, [transition(next, row.status, "fail", { data: { error_code: "timeout" } })]);
      return { timedOut: next, task: undefined };
    }
    const progressChanged = args.progress !== undefined && args.progress !== row.progress;
    // A renewal never shortens a lease (a deferred task holds its lease until its timeout).
    const extended = plusSeconds(args.now, row.lease_ttl_seconds);
    const next = await updateTask(tx, row, args.now, {
      lease_expires_at: row.lease_expires_at && row.lease_expires_at > extended ? row.lease_expires_at : extended,
      ...(args.progress !== undefined ? { progress: args.progress } : {}),
    });
    const gapMs = row.lease_expires_at ? args.now.getTime() - row.lease_expires_at.getTime() : 0;
    const note = args.message === undefined ? undefined : sanitizeErrorMessage(args.message).slice(0, 2000);
    // One statement per row: seq is max+1, so two rows for one task cannot share a statement.
    if (progressChanged || note !== undefined) {
      await appendTaskEvents(tx, args.now, [
        { taskId: row.id, type: "progress", message: note ?? "", data: { progress: next.progress } },
      ]);
    }
    if (gapMs > 0) {
      await appendTaskEvents(tx, args.now, [
        {
          taskId: row.id,
          type: "renewal_gap",
          message: `renewed ${gapMs} ms after the lease ran out`,
          data: { gap_ms: gapMs },
        },
      ]);
    }
    // Plain renewals are high-volume and change no state worth a fleet event; progress is.
    if (progressChanged) {
      await emitEvent(tx, originFor(origin, row.account_id), {
        kind: "task.progress",
        payload: { command: row.command, progress: next.progress, ...(note ? { message: note } : {}) },
        ...taskEventRefs(next),
      });
    }
    return { timedOut: undefined, task: next };
  });
  if (out.timedOut) {
    throw conflict(`${what(out.timedOut)} ran past its timeout and was failed`, {
      reason: "timeout",
      current_state: out.timedOut.status,
    });
  }
  return out.task;
}
