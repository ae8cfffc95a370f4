// The queue every job goes through, with two implementations behind it (DESIGN.md §3.9): BullMQ on
// Redis, and the Postgres-backed runner for embedded mode and deployments without Redis. One
// conformance suite (job-queue.conformance.ts) runs against both.
import { AppError, fromZodError } from "@nodepilot/core";
import type { DbOrTx } from "@nodepilot/store";
import type { AnyJob, JobCatalog, JobHandlers, JobName, PayloadIn } from "./define-job.ts";

export interface EnqueueOptions {
  /**
   * While a job enqueued with this key is waiting or running, enqueueing the key again adds nothing
   * and returns that job's id. Once it has finished, the key is free again.
   */
  dedupKey?: string;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /**
   * The caller's open transaction. The Postgres queue inserts the job in it, so the job exists only
   * if the caller commits — and, embedded, a write through another connection while the caller
   * holds a transaction would wait forever (ADR 0001). BullMQ does not use it.
   */
  tx?: DbOrTx;
}

/** A repeatable schedule: every N ms (the first occurrence at once), or a cron pattern. */
export type Repeat = { everyMs: number } | { cron: string; tz?: string };

export interface WorkOptions {
  /** Jobs this process runs at once (default 4). */
  concurrency?: number;
}

export interface JobState {
  /** `waiting` includes delayed jobs and jobs waiting out a retry's backoff. */
  state: "waiting" | "active" | "completed" | "failed";
  /** Attempts started so far. */
  attempts: number;
  /** The last attempt's error, if it failed. */
  error: string | null;
}

export interface JobQueue<C extends JobCatalog> {
  readonly backend: "postgres" | "bullmq";
  /** Parses the payload (invalid_input naming the field) and adds the job; returns its id. */
  enqueue<N extends JobName<C>>(name: N, payload: PayloadIn<C, N>, opts?: EnqueueOptions): Promise<{ id: string }>;
  /**
   * Creates or updates the repeatable schedule `key`. Idempotent, so every process may declare the
   * same schedules at start; each occurrence runs once however many processes declared it.
   */
  schedule<N extends JobName<C>>(key: string, name: N, payload: PayloadIn<C, N>, repeat: Repeat): Promise<void>;
  /** A job's state while the backend still keeps it (finished jobs: an hour, failed: a week). */
  inspect(id: string): Promise<JobState | undefined>;
  /** Starts taking jobs (and, on Postgres, firing schedules) in this process. Once per queue. */
  work(handlers: JobHandlers<C>, opts?: WorkOptions): void;
  /** Stops taking jobs, waits for the runs in flight, and closes connections. */
  close(): Promise<void>;
}

/** The definition of `name` and its payload parsed, or invalid_input naming the field. */
export function parseForEnqueue(byName: Map<string, AnyJob>, name: string, payload: unknown) {
  const def = byName.get(name);
  if (!def) throw new AppError("invalid_input", `no job is named ${name}`, { reason: "unknown_job" });
  const parsed = def.payload.safeParse(payload);
  if (!parsed.success) throw fromZodError(parsed.error);
  return { def, payload: parsed.data as unknown };
}

export function checkRepeat(repeat: Repeat): void {
  if ("everyMs" in repeat && !(Number.isInteger(repeat.everyMs) && repeat.everyMs >= 10)) {
    throw new AppError("invalid_input", "everyMs must be an integer ≥ 10", {
      errors: [{ path: "everyMs", message: "must be an integer ≥ 10" }],
    });
  }
}
