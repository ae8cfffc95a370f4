// The statements of the Postgres job runner over queued_jobs and job_schedules. Claims use
// FOR UPDATE SKIP LOCKED, and every write to a claimed job is conditional on its lease_id, so a
// worker that lost its lease (presumed dead, job handed to another) can no longer finish it.
import { type Db, type DbOrTx, job_runs, job_schedules, newId, queued_jobs } from "@nodepilot/store";
import { and, eq, inArray, sql } from "drizzle-orm";
import { type AnyJob, backoffDelay } from "./define-job.ts";
import type { Repeat } from "./job-queue.ts";
import { firstOccurrence, nextOccurrence } from "./repeat-times.ts";

const DEDUP_LIVE = sql`dedup_key IS NOT NULL AND status IN ('waiting', 'active')`;
const at = (ms: number) => sql`${new Date(ms)}::timestamptz`;

export interface NewJob {
  def: AnyJob;
  payload: unknown;
  runAt: Date;
  dedupKey?: string | undefined;
  scheduledFor?: Date | undefined;
}

/** Inserts the job, or returns the live (waiting or active) job that holds its dedup key. */
export async function insertJob(db: DbOrTx, queue: string, job: NewJob): Promise<{ id: string; added: boolean }> {
  for (let tries = 0; ; tries++) {
    const [row] = await db
      .insert(queued_jobs)
      .values({
        id: newId(),
        queue,
        name: job.def.name,
        payload: job.payload,
        dedup_key: job.dedupKey ?? null,
        run_at: job.runAt,
        scheduled_for: job.scheduledFor ?? null,
        max_attempts: job.def.attempts,
        backoff_type: job.def.backoff.type,
        backoff_ms: job.def.backoff.delayMs,
      })
      .onConflictDoNothing({ target: [queued_jobs.queue, queued_jobs.dedup_key], where: DEDUP_LIVE })
      .returning({ id: queued_jobs.id });
    if (row) return { id: row.id, added: true };
    const [live] = await db
      .select({ id: queued_jobs.id })
      .from(queued_jobs)
      .where(and(eq(queued_jobs.queue, queue), eq(queued_jobs.dedup_key, job.dedupKey!), DEDUP_LIVE));
    if (live) return { id: live.id, added: false };
    // The holder finished between the two statements: the key is free now.
    if (tries >= 3) throw new Error(`could not enqueue ${job.def.name} under dedup key ${job.dedupKey}`);
  }
}

export interface ClaimedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts_made: number;
  max_attempts: number;
  backoff_type: "fixed" | "exponential";
  backoff_ms: number;
  lease_id: string;
  scheduled_for: Date | null;
}

export async function claimJobs(
  db: Db,
  queue: string,
  names: readonly string[],
  holder: string,
  limit: number,
  lockMs: number,
): Promise<ClaimedJob[]> {
  const now = Date.now();
  const res = await db.execute(sql`
    WITH cand AS (
      SELECT id FROM queued_jobs
      WHERE queue = ${queue} AND status = 'waiting' AND run_at <= ${at(now)}
        AND name IN (${sql.join(
          names.map((n) => sql`${n}`),
          sql`, `,
        )})
      ORDER BY run_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    UPDATE queued_jobs AS j SET status = 'active', attempts_made = j.attempts_made + 1,
      lease_id = gen_random_uuid(), lease_holder = ${holder}, lease_expires_at = ${at(now + lockMs)},
      updated_at = ${at(now)}
    FROM cand WHERE j.id = cand.id
    RETURNING j.id, j.name, j.payload, j.attempts_made, j.max_attempts, j.backoff_type, j.backoff_ms,
      j.lease_id, j.scheduled_for`);
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    ...(r as unknown as ClaimedJob),
    scheduled_for: r.scheduled_for ? new Date(r.scheduled_for as string | Date) : null,
  }));
}

/** Extends the leases still held; returns the lease ids that are not (taken over after a stall). */
export async function renewLeases(db: Db, leaseIds: readonly string[], lockMs: number): Promise<Set<string>> {
  if (leaseIds.length === 0) return new Set();
  const renewed = await db
    .update(queued_jobs)
    .set({ lease_expires_at: new Date(Date.now() + lockMs) })
    .where(and(inArray(queued_jobs.lease_id, [...leaseIds]), eq(queued_jobs.status, "active")))
    .returning({ lease_id: queued_jobs.lease_id });
  const held = new Set(renewed.map((r) => r.lease_id));
  return new Set(leaseIds.filter((l) => !held.has(l)));
}

export async function completeJob(db: Db, job: ClaimedJob): Promise<void> {
  const now = new Date();
  await db
    .update(queued_jobs)
    .set({ status: "completed", finished_at: now, lease_expires_at: null, updated_at: now })
    .where(and(eq(queued_jobs.id, job.id), eq(queued_jobs.lease_id, job.lease_id)));
}

/** Back to waiting after its backoff, or failed for good when attempts are used up or `permanent`. */
export async function failJob(db: Db, job: ClaimedJob, error: string, permanent: boolean): Promise<void> {
  const now = Date.now();
  const final = permanent || job.attempts_made >= job.max_attempts;
  const delay = backoffDelay({ type: job.backoff_type, delayMs: job.backoff_ms }, job.attempts_made);
  await db
    .update(queued_jobs)
    .set({
      status: final ? "failed" : "waiting",
      run_at: new Date(now + (final ? 0 : delay)),
      finished_at: final ? new Date(now) : null,
      last_error: error,
      lease_id: null,
      lease_holder: null,
      lease_expires_at: null,
      updated_at: new Date(now),
    })
    .where(and(eq(queued_jobs.id, job.id), eq(queued_jobs.lease_id, job.lease_id)));
}

/**
 * Jobs whose worker stopped renewing (killed, frozen, partitioned) go back to waiting at once, like
 * BullMQ's stalled-job check; one that has used up its attempts fails, and its open run row with it.
 */
export async function recoverStalled(db: Db, queue: string): Promise<number> {
  const now = Date.now();
  const res = await db.execute(sql`
    UPDATE queued_jobs SET
      status = CASE WHEN attempts_made < max_attempts THEN 'waiting' ELSE 'failed' END,
      finished_at = CASE WHEN attempts_made < max_attempts THEN NULL ELSE ${at(now)} END,
      run_at = ${at(now)}, last_error = 'stalled: ' || coalesce(lease_holder, 'its worker') || ' stopped renewing its lease',
      lease_id = NULL, lease_holder = NULL, lease_expires_at = NULL, updated_at = ${at(now)}
    WHERE queue = ${queue} AND status = 'active' AND lease_expires_at < ${at(now)}
    RETURNING id, status`);
  const dead = (res.rows as { id: string; status: string }[]).filter((r) => r.status === "failed").map((r) => r.id);
  if (dead.length > 0) {
    await db
      .update(job_runs)
      .set({
        status: "failed",
        finished_at: new Date(now),
        error: "its worker stopped before the run finished (stalled)",
      })
      .where(and(eq(job_runs.queue, queue), inArray(job_runs.job_id, dead), eq(job_runs.status, "running")));
  }
  return res.rows.length;
}

/** Finished jobs are kept as long as the BullMQ backend keeps them (bullmq-job-queue.ts). */
export async function pruneFinished(db: Db, queue: string, keep: { completedMs: number; failedMs: number }) {
  const now = Date.now();
  await db.execute(sql`
    DELETE FROM queued_jobs WHERE queue = ${queue} AND (
      (status = 'completed' AND finished_at < ${at(now - keep.completedMs)}) OR
      (status = 'failed' AND finished_at < ${at(now - keep.failedMs)}))`);
}

export async function jobState(db: Db, queue: string, id: string) {
  const [row] = await db
    .select({ state: queued_jobs.status, attempts: queued_jobs.attempts_made, error: queued_jobs.last_error })
    .from(queued_jobs)
    .where(and(eq(queued_jobs.queue, queue), eq(queued_jobs.id, id)));
  return row;
}

export async function upsertSchedule(
  db: Db,
  queue: string,
  key: string,
  def: AnyJob,
  payload: unknown,
  repeat: Repeat,
): Promise<void> {
  const every = "everyMs" in repeat ? repeat.everyMs : null;
  const cron = "cron" in repeat ? repeat.cron : null;
  const tz = "cron" in repeat ? (repeat.tz ?? null) : null;
  const first = firstOccurrence(repeat, new Date());
  // Re-declaring an unchanged schedule keeps its next occurrence, so a restart neither skips nor repeats one.
  await db.execute(sql`
    INSERT INTO job_schedules (queue, key, name, payload, every_ms, cron, tz, next_run_at)
    VALUES (${queue}, ${key}, ${def.name}, ${JSON.stringify(payload)}::jsonb, ${every}, ${cron}, ${tz}, ${first}::timestamptz)
    ON CONFLICT (queue, key) DO UPDATE SET
      name = excluded.name, payload = excluded.payload, every_ms = excluded.every_ms, cron = excluded.cron,
      tz = excluded.tz, updated_at = ${new Date()}::timestamptz,
      next_run_at = CASE
        WHEN job_schedules.every_ms IS NOT DISTINCT FROM excluded.every_ms
         AND job_schedules.cron IS NOT DISTINCT FROM excluded.cron
         AND job_schedules.tz IS NOT DISTINCT FROM excluded.tz
        THEN job_schedules.next_run_at ELSE excluded.next_run_at END`);
}

/**
 * Enqueues every due occurrence of this queue's schedules and moves each schedule on, in one
 * transaction with the rows locked: of several processes firing at once, one takes each occurrence.
 * An occurrence whose previous run is still waiting or running is coalesced into it.
 */
export async function fireDueSchedules(db: Db, queue: string, byName: Map<string, AnyJob>): Promise<number> {
  const names = [...byName.keys()];
  // The common case, nothing due, without a transaction (on PGlite a transaction has the backend to itself).
  const peek = await db
    .select({ key: job_schedules.key })
    .from(job_schedules)
    .where(
      and(
        eq(job_schedules.queue, queue),
        sql`${job_schedules.next_run_at} <= ${new Date()}::timestamptz`,
        inArray(job_schedules.name, names),
      ),
    )
    .limit(1);
  if (peek.length === 0) return 0;
  return db.transaction(async (tx) => {
    const now = new Date();
    const due = await tx
      .select()
      .from(job_schedules)
      .where(
        and(
          eq(job_schedules.queue, queue),
          sql`${job_schedules.next_run_at} <= ${now}::timestamptz`,
          inArray(job_schedules.name, names),
        ),
      )
      .orderBy(job_schedules.next_run_at)
      .limit(100)
      .for("update", { skipLocked: true });
    for (const s of due) {
      const def = byName.get(s.name)!;
      await insertJob(tx, queue, {
        def,
        payload: s.payload,
        runAt: now,
        dedupKey: `schedule:${s.key}`,
        scheduledFor: s.next_run_at,
      });
      const repeat: Repeat =
        s.every_ms !== null ? { everyMs: s.every_ms } : { cron: s.cron!, ...(s.tz ? { tz: s.tz } : {}) };
      await tx
        .update(job_schedules)
        .set({ next_run_at: nextOccurrence(repeat, s.next_run_at, now), updated_at: now })
        .where(and(eq(job_schedules.queue, queue), eq(job_schedules.key, s.key)));
    }
    return due.length;
  });
}
