// One run of a job, the same on either backend (spec/domain.md §5.3): parse the payload again on
// dequeue, take the job's lock or record a skip, write the job_runs row, enforce the timeout, and on
// the third failure in a row emit `job.failing` (high).
import { type EventOrigin, emitEvent, fromZodError, type Logger, systemPrincipal } from "@nodepilot/core";
import { accounts, type Db, job_runs, newId } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import type { AnyJob, JobHandler, JobStats } from "./define-job.ts";
import { acquireJobLock, releaseJobLock } from "./job-lock.ts";

export interface RunEnv {
  db: Db;
  logger: Logger;
  /** Who runs it (host, pid, queue instance); stored on job_runs.worker and as the lock holder. */
  worker: string;
  /** The queue namespace: job ids are unique within it. */
  queue: string;
  /** Where `job.failing` goes: this account only (a test fleet's queue), else every account. */
  accountId?: string | undefined;
}

export interface Delivery {
  jobId: string;
  attempt: number;
  payload: unknown;
  scheduledFor: Date | undefined;
  /** Aborted by the backend when this worker lost the job (its lease was taken over). */
  lost?: AbortSignal;
}

/** A failure that no retry can fix (the payload no longer parses): the job fails at once. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export class JobTimeoutError extends Error {
  override name = "JobTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`ran longer than its timeout of ${timeoutMs} ms`);
  }
}

export const FAILING_STREAK = 3;

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message || err.name;
}

export type RunResult = { status: "succeeded"; stats: JobStats | undefined } | { status: "skipped" };

function withTimeout<T>(work: Promise<T>, ms: number, controller: AbortController): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new JobTimeoutError(ms);
      controller.abort(err);
      reject(err);
    }, ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Counts this failure's streak and, exactly when it reaches FAILING_STREAK, tells every account. */
async function recordFailure(env: RunEnv, def: AnyJob, runId: string, error: string, at: Date) {
  await env.db.transaction(async (tx) => {
    await tx.update(job_runs).set({ status: "failed", error, finished_at: at }).where(eq(job_runs.id, runId));
    const res = await tx.execute(sql`
      SELECT count(*)::int AS n FROM job_runs
      WHERE job = ${def.name} AND status = 'failed'
        AND started_at > coalesce(
          (SELECT max(started_at) FROM job_runs WHERE job = ${def.name} AND status = 'succeeded'), '-infinity')`);
    if ((res.rows[0] as { n: number }).n !== FAILING_STREAK) return;
    // The jobs that exist so far serve the whole platform, so every account hears of the streak.
    const ids = env.accountId
      ? [env.accountId]
      : (await tx.select({ id: accounts.id }).from(accounts).orderBy(accounts.id)).map((a) => a.id);
    for (const id of ids) {
      const origin: EventOrigin = { principal: systemPrincipal(id, []), source: "job", correlationId: null, now: at };
      await emitEvent(tx, origin, {
        kind: "job.failing",
        severity: "high",
        payload: { job: def.name, consecutive_failures: FAILING_STREAK, error },
      });
    }
  });
}

export async function runJob(env: RunEnv, def: AnyJob, handler: JobHandler<unknown>, d: Delivery): Promise<RunResult> {
  const startedAt = new Date();
  // An earlier attempt whose worker died never closed its row; it failed, and counts as such.
  await env.db
    .update(job_runs)
    .set({ status: "failed", finished_at: startedAt, error: "its worker stopped before the run finished (stalled)" })
    .where(and(eq(job_runs.queue, env.queue), eq(job_runs.job_id, d.jobId), eq(job_runs.status, "running")));

  const runId = newId();
  const row = {
    id: runId,
    job: def.name,
    queue: env.queue,
    job_id: d.jobId,
    attempt: d.attempt,
    worker: env.worker,
    started_at: startedAt,
  };
  const parsed = def.payload.safeParse(d.payload);
  if (!parsed.success) {
    const error = `payload no longer matches ${def.name}: ${fromZodError(parsed.error).message}`;
    await env.db.insert(job_runs).values({ ...row, status: "running" });
    await recordFailure(env, def, runId, error, new Date());
    throw new PermanentJobError(error);
  }

  if (def.lock && !(await acquireJobLock(env.db, def.name, runId, def.lock.ttlMs))) {
    await env.db.insert(job_runs).values({ ...row, status: "skipped", finished_at: startedAt, error: "lock held" });
    return { status: "skipped" };
  }
  let keepLock = false;
  try {
    await env.db.insert(job_runs).values({ ...row, status: "running" });
    const controller = new AbortController();
    const onLost = () => controller.abort(new Error("the worker lost the job"));
    d.lost?.addEventListener("abort", onLost, { once: true });
    try {
      const work = handler(parsed.data, {
        jobId: d.jobId,
        attempt: d.attempt,
        signal: controller.signal,
        scheduledFor: d.scheduledFor,
        logger: env.logger,
      });
      const stats = (await withTimeout(work, def.timeoutMs, controller)) ?? undefined;
      await env.db
        .update(job_runs)
        .set({ status: "succeeded", stats: stats ?? null, finished_at: new Date() })
        .where(eq(job_runs.id, runId));
      env.logger.debug("job run succeeded", { job: def.name, job_id: d.jobId, attempt: d.attempt, stats });
      return { status: "succeeded", stats };
    } catch (err) {
      // A timed-out handler may still be working; its lock lapses at its ttl instead of now.
      keepLock = err instanceof JobTimeoutError;
      env.logger.warn("job run failed", {
        job: def.name,
        job_id: d.jobId,
        attempt: d.attempt,
        error: describeError(err),
      });
      await recordFailure(env, def, runId, describeError(err), new Date());
      throw err;
    } finally {
      d.lost?.removeEventListener("abort", onLost);
    }
  } finally {
    if (def.lock && !keepLock) await releaseJobLock(env.db, def.name, runId);
  }
}
