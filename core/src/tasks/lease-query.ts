// The lease statement and its exclusivity guard (spec/domain.md §2.2 "Lease query", "Exclusivity").
// One UPDATE leases up to `limit` rows picked with FOR UPDATE SKIP LOCKED, so concurrent leasers never
// take the same row. Exclusivity spans rows, which row locks cannot see: see holdExclusivity.
import type { DbOrTx } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";
import type { TaskExecutor, TaskSubjectType } from "./commands.ts";
import { type TaskRow, taskFromRaw } from "./task-output.ts";

export interface LeaseFilter {
  executor: TaskExecutor;
  holder: string;
  limit: number;
  /** Only tasks on these subjects (an agent's own instance, and its node when it is the only live one). */
  subjects?: { type: TaskSubjectType; id: string }[];
  /** Only these commands (the ones the executor supports). */
  commands?: string[];
  /** Only this account's tasks; control-plane workers otherwise serve every account. */
  accountId?: string;
  now: Date;
}

// Advisory-lock namespace ("task") for the per-subject exclusivity lock.
const LOCK_CLASS = 0x7461736b;

const list = (parts: SQL[]) => sql.join(parts, sql`, `);

/** A freshly leased row, with what a revert needs to restore. */
export type LeasedRow = TaskRow & { prev_completion_id: string | null };

/** Lease pending rows in queue order. Within one batch a subject gets one exclusive task, or only shared ones. */
export async function leaseStatement(db: DbOrTx, f: LeaseFilter): Promise<LeasedRow[]> {
  const subjectFilter = f.subjects
    ? sql`AND (t.subject_type, t.subject_id) IN (${list(f.subjects.map((s) => sql`(${s.type}, ${s.id}::uuid)`))})`
    : sql``;
  const commandFilter = f.commands ? sql`AND t.command IN (${list(f.commands.map((c) => sql`${c}`))})` : sql``;
  const accountFilter = f.accountId ? sql`AND t.account_id = ${f.accountId}::uuid` : sql``;
  const now = sql`${f.now}::timestamptz`;
  const res = await db.execute(sql`
    WITH cand AS (
      SELECT t.id, t.subject_type, t.subject_id, t.exclusive, t.priority, t.available_at, t.created_at,
        t.completion_id AS prev_completion_id
      FROM tasks t
      WHERE t.status = 'pending' AND t.executor = ${f.executor}
        AND t.available_at <= ${now} AND t.expires_at > ${now}
        ${accountFilter} ${subjectFilter} ${commandFilter}
        AND NOT EXISTS (
          SELECT 1 FROM tasks o
          WHERE o.subject_type = t.subject_type AND o.subject_id = t.subject_id
            AND o.status IN ('leased', 'running') AND (o.exclusive OR t.exclusive)
        )
      -- NULLS LAST matches the tasks_lease_queue index order (priority is NOT NULL), so the scan stops at LIMIT.
      ORDER BY t.priority DESC NULLS LAST, t.available_at, t.created_at
      LIMIT ${f.limit}
      FOR UPDATE OF t SKIP LOCKED
    ),
    ranked AS (
      SELECT id, prev_completion_id,
        first_value(exclusive) OVER w AS first_exclusive,
        row_number() OVER w AS rn,
        bool_or(exclusive) OVER w AS exclusive_so_far
      FROM cand
      WINDOW w AS (PARTITION BY subject_type, subject_id ORDER BY priority DESC, available_at, created_at, id)
    ),
    picked AS (
      SELECT id, prev_completion_id FROM ranked WHERE (first_exclusive AND rn = 1) OR NOT exclusive_so_far
    )
    UPDATE tasks AS t SET
      status = 'leased',
      lease_id = gen_random_uuid(),
      lease_holder = ${f.holder},
      leased_at = ${now},
      lease_expires_at = ${now} + t.lease_ttl_seconds * interval '1 second',
      attempt = t.attempt + 1,
      -- A new attempt reports under new completion ids; the previous one is kept for a revert.
      completion_id = NULL,
      version = t.version + 1,
      updated_at = ${now}
    FROM picked
    WHERE t.id = picked.id
    RETURNING t.*, picked.prev_completion_id`);
  return res.rows
    .map((r) => ({ ...taskFromRaw(r), prev_completion_id: (r.prev_completion_id as string | null) ?? null }))
    .sort(queueOrder);
}

const queueOrder = (a: TaskRow, b: TaskRow) =>
  b.priority - a.priority ||
  a.available_at.getTime() - b.available_at.getTime() ||
  a.created_at.getTime() - b.created_at.getTime();

/**
 * The lease statement's snapshot cannot see a concurrent, uncommitted lease on the same subject, so
 * two leasers could both pass the NOT EXISTS check (one of them exclusive). Each leaser therefore
 * takes a per-subject advisory lock (ordered, so leasers never deadlock on each other), then
 * re-checks under a fresh snapshot, which now sees every lease committed before it got the lock.
 * Rows that lost the race go back to pending untouched; returns the ids that were reverted.
 */
export async function holdExclusivity(db: DbOrTx, leased: LeasedRow[], now: Date): Promise<Set<string>> {
  const keys = [...new Set(leased.map((r) => `${r.subject_type}:${r.subject_id}`))];
  await db.execute(sql`
    SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int4, k.h)
    FROM (SELECT DISTINCT hashtext(x) AS h FROM unnest(ARRAY[${list(keys.map((k) => sql`${k}`))}]::text[]) AS x ORDER BY 1) AS k`);
  const ids = list(leased.map((r) => sql`${r.id}::uuid`));
  const lost = await db.execute(sql`
    SELECT t.id FROM tasks t
    WHERE t.id IN (${ids})
      AND EXISTS (
        SELECT 1 FROM tasks o
        WHERE o.subject_type = t.subject_type AND o.subject_id = t.subject_id
          AND o.status IN ('leased', 'running') AND o.id NOT IN (${ids}) AND (o.exclusive OR t.exclusive)
      )`);
  const reverted = new Set((lost.rows as { id: string }[]).map((r) => r.id));
  if (reverted.size > 0) {
    const restore = leased
      .filter((r) => reverted.has(r.id))
      .map((r) => sql`(${r.id}::uuid, ${r.prev_completion_id}::text)`);
    await db.execute(sql`
      UPDATE tasks AS t SET status = 'pending', lease_id = NULL, lease_holder = NULL, leased_at = NULL,
        lease_expires_at = NULL, attempt = t.attempt - 1, completion_id = v.prev_completion_id,
        version = t.version + 1, updated_at = ${now}::timestamptz
      FROM (VALUES ${list(restore)}) AS v(id, prev_completion_id)
      WHERE t.id = v.id`);
  }
  return reverted;
}
