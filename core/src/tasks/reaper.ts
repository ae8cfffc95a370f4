// The task reaper's work (spec/domain.md §5.3 #1 `task_reaper`): fail running tasks past their
// timeout, expire leases (lease_expires_at + 15 s) back to pending or to failed per the retry policy,
// and expire pending tasks past expires_at. Every change is a conditional update on (status,
// lease_id) of rows picked with SKIP LOCKED, so a holder reporting at the same moment either wins
// (the reaper skips its row) or finds its lease gone (lease_lost). Runs across all accounts.
import type { DbOrTx } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";
import type { EventOrigin } from "../events/emit.ts";
import type { TaskState } from "../machines/task-machine.ts";
import { recordTransitions } from "./task-log.ts";
import { type TaskRow, taskFromRaw } from "./task-output.ts";

export interface ReapStats {
  lease_expired_requeued: number;
  lease_expired_failed: number;
  expired: number;
  timed_out: number;
}

/** Grace after lease_expires_at before a lease counts as dead (clock skew, a slow renewal). */
export const LEASE_GRACE_SECONDS = 15;
const BATCH = 500;

type Reaped = TaskRow & { from_status: TaskState };

// `candidates` selects id, from_status, from_lease; `set` is the SET list applied to the survivors.
const conditionalUpdate = (candidates: SQL, set: SQL) => sql`
  WITH cand AS (${candidates} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
  UPDATE tasks AS t SET ${set}
  FROM cand
  WHERE t.id = cand.id AND t.status = cand.from_status AND t.lease_id IS NOT DISTINCT FROM cand.from_lease
  RETURNING t.*, cand.from_status`;

async function reapStep(
  db: DbOrTx,
  origin: EventOrigin,
  statement: SQL,
  eventOf: (row: TaskRow) => string,
): Promise<Reaped[]> {
  const all: Reaped[] = [];
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const res = await tx.execute(statement);
      const rows = res.rows.map((r) => ({ ...taskFromRaw(r), from_status: r.from_status as TaskState }));
      await recordTransitions(
        tx,
        origin,
        rows.map(({ from_status, ...task }) => ({ task, from: from_status, to: task.status, event: eventOf(task) })),
      );
      return rows;
    });
    all.push(...batch);
    if (batch.length < BATCH) return all;
  }
}

export interface ReapOptions {
  /** Reap one account only (tests, and an operator's targeted run); the scheduled job reaps all. */
  accountId?: string;
}

export async function reapTasks(
  db: DbOrTx,
  origin: EventOrigin,
  now: Date,
  opts: ReapOptions = {},
): Promise<ReapStats> {
  const at = sql`${now}::timestamptz`;
  const scoped = opts.accountId ? sql`AND account_id = ${opts.accountId}::uuid` : sql``;
  const touched = sql`version = t.version + 1, updated_at = ${at}`;

  // Timeouts first: a running task past its timeout fails rather than being re-queued for its lease.
  const timedOut = await reapStep(
    db,
    origin,
    conditionalUpdate(
      sql`SELECT id, status AS from_status, lease_id AS from_lease FROM tasks
          WHERE status = 'running' AND started_at + timeout_seconds * interval '1 second' < ${at} ${scoped}
          ORDER BY started_at`,
      sql`status = 'failed', error_code = 'timeout',
          error_message = 'ran longer than timeout_seconds (' || t.timeout_seconds || ' s)',
          completed_at = ${at}, ${touched}`,
    ),
    () => "fail",
  );

  const requeue = sql`t.attempt < t.max_attempts`;
  const leaseExpired = await reapStep(
    db,
    origin,
    conditionalUpdate(
      sql`SELECT id, status AS from_status, lease_id AS from_lease FROM tasks
          WHERE status IN ('leased', 'running')
            AND lease_expires_at + ${sql.raw(`interval '${LEASE_GRACE_SECONDS} seconds'`)} < ${at} ${scoped}
          ORDER BY lease_expires_at`,
      // A re-queued task keeps its available_at (it was already due) and starts the next attempt clean.
      sql`status = CASE WHEN ${requeue} THEN 'pending' ELSE 'failed' END,
          lease_id = NULL, lease_expires_at = NULL,
          lease_holder = CASE WHEN ${requeue} THEN NULL ELSE t.lease_holder END,
          leased_at = CASE WHEN ${requeue} THEN NULL ELSE t.leased_at END,
          started_at = CASE WHEN ${requeue} THEN NULL ELSE t.started_at END,
          progress = CASE WHEN ${requeue} THEN 0 ELSE t.progress END,
          completed_at = CASE WHEN ${requeue} THEN NULL ELSE ${at} END,
          error_code = 'lease_expired',
          error_message = 'holder ' || coalesce(t.lease_holder, 'unknown') || ' stopped renewing its lease',
          ${touched}`,
    ),
    (row) => (row.status === "pending" ? "lease_expired" : "lease_expired_final"),
  );

  const expired = await reapStep(
    db,
    origin,
    conditionalUpdate(
      sql`SELECT id, status AS from_status, lease_id AS from_lease FROM tasks
          WHERE status = 'pending' AND expires_at < ${at} ${scoped}
          ORDER BY expires_at`,
      sql`status = 'expired', completed_at = ${at}, error_code = 'expired',
          error_message = 'no executor leased the task before expires_at', ${touched}`,
    ),
    () => "expire",
  );

  return {
    lease_expired_requeued: leaseExpired.filter((r) => r.status === "pending").length,
    lease_expired_failed: leaseExpired.filter((r) => r.status === "failed").length,
    expired: expired.length,
    timed_out: timedOut.length,
  };
}
