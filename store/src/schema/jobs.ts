// Background jobs (spec/domain.md §5.3): the Postgres-backed queue and schedules the in-process runner
// uses when no Redis is configured, plus the run log and run locks every job writes on either backend.
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt } from "./columns.ts";

export const QUEUED_JOB_STATES = ["waiting", "active", "completed", "failed"] as const;
export const JOB_RUN_STATES = ["running", "succeeded", "failed", "skipped"] as const;

/**
 * One job of the Postgres runner: waiting, held by a worker, or finished. Finished jobs are pruned
 * like BullMQ's (completed after an hour, failed after a week); their history is in job_runs.
 */
export const queued_jobs = pgTable(
  "queued_jobs",
  {
    id: id(),
    /** Namespace of one queue (like BullMQ's prefix): processes sharing it share the jobs. */
    queue: text("queue").notNull(),
    name: text("name").notNull(),
    payload: jsonb("payload").$type<unknown>().notNull(),
    status: text("status", { enum: QUEUED_JOB_STATES }).notNull().default("waiting"),
    /** While a job with this key is waiting or active, enqueueing the key again returns that job. */
    dedup_key: text("dedup_key"),
    run_at: ts("run_at").notNull(),
    /** Set for a schedule's occurrence: the time it was due. */
    scheduled_for: ts("scheduled_for"),
    /** Attempts started, a stalled one included. */
    attempts_made: integer("attempts_made").notNull().default(0),
    max_attempts: integer("max_attempts").notNull(),
    backoff_type: text("backoff_type", { enum: ["fixed", "exponential"] }).notNull(),
    backoff_ms: integer("backoff_ms").notNull(),
    lease_id: uuid("lease_id"),
    lease_holder: text("lease_holder"),
    lease_expires_at: ts("lease_expires_at"),
    last_error: text("last_error"),
    finished_at: ts("finished_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("queued_jobs_due").on(t.queue, t.status, t.run_at),
    uniqueIndex("queued_jobs_dedup")
      .on(t.queue, t.dedup_key)
      .where(sql`dedup_key IS NOT NULL AND status IN ('waiting', 'active')`),
  ],
);

/** A repeatable job of the Postgres runner: whoever moves next_run_at on first enqueues the occurrence. */
export const job_schedules = pgTable(
  "job_schedules",
  {
    queue: text("queue").notNull(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    payload: jsonb("payload").$type<unknown>().notNull(),
    every_ms: integer("every_ms"),
    cron: text("cron"),
    tz: text("tz"),
    next_run_at: ts("next_run_at").notNull(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.key] })],
);

/** One execution of a job (spec/domain.md §5.3 `job_runs`), on whichever backend ran it. */
export const job_runs = pgTable(
  "job_runs",
  {
    id: id(),
    job: text("job").notNull(),
    /** The queue namespace and the backend's id of the queued job; a retry of the job shares both. */
    queue: text("queue").notNull(),
    job_id: text("job_id").notNull(),
    attempt: integer("attempt").notNull(),
    worker: text("worker").notNull(),
    status: text("status", { enum: JOB_RUN_STATES }).notNull(),
    stats: jsonb("stats").$type<Record<string, unknown>>(),
    error: text("error"),
    started_at: ts("started_at").notNull(),
    finished_at: ts("finished_at"),
  },
  (t) => [index("job_runs_job_started").on(t.job, t.started_at), index("job_runs_job_id").on(t.queue, t.job_id)],
);

/** The per-run lock of a job (spec/domain.md §5.3): held until released or until expires_at. */
export const job_locks = pgTable("job_locks", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  expires_at: ts("expires_at").notNull(),
});
