// The Postgres-backed job queue: what `npm start` runs without REDIS_URL, on the embedded PGlite or a
// PostgreSQL server shared by several processes. Jobs are rows, so a killed worker loses nothing:
// its lease lapses and the job is retried by whichever worker looks next (pg-job-store.ts).
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "@nodepilot/core";
import type { Db } from "@nodepilot/store";
import { indexCatalog, type JobCatalog, type JobHandler, type JobHandlers } from "./define-job.ts";
import { checkRepeat, type JobQueue, parseForEnqueue, type WorkOptions } from "./job-queue.ts";
import {
  type ClaimedJob,
  claimJobs,
  completeJob,
  failJob,
  fireDueSchedules,
  insertJob,
  jobState,
  pruneFinished,
  recoverStalled,
  renewLeases,
  upsertSchedule,
} from "./pg-job-store.ts";
import { describeError, PermanentJobError, type RunEnv, runJob } from "./run-job.ts";

export interface PgJobQueueOptions<C extends JobCatalog> {
  db: Db;
  catalog: C;
  logger: Logger;
  /** The namespace shared by the processes of one deployment (default `nodepilot`). */
  queue?: string;
  /** Report failure streaks (`job.failing`) to this account only; default every account. */
  accountId?: string | undefined;
  /** How often an idle worker looks for due jobs and schedules (default 1000 ms). */
  pollMs?: number;
  /**
   * A running job's lease, renewed every third of it. A worker silent this long is presumed dead
   * and its job goes back to the queue (default 30 s, BullMQ's lockDuration).
   */
  lockMs?: number;
}

const KEEP = { completedMs: 3600_000, failedMs: 7 * 86400_000 };
const PRUNE_EVERY_MS = 600_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const workerName = (backend: string) => `${backend}:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export function createPgJobQueue<C extends JobCatalog>(opts: PgJobQueueOptions<C>): JobQueue<C> {
  const byName = indexCatalog(opts.catalog);
  const { db, logger } = opts;
  const queue = opts.queue ?? "nodepilot";
  const pollMs = opts.pollMs ?? 1000;
  const lockMs = opts.lockMs ?? 30_000;
  const env: RunEnv = { db, logger, worker: workerName("postgres"), queue, accountId: opts.accountId };
  const inFlight = new Map<string, { job: ClaimedJob; lost: AbortController; done: Promise<void> }>();
  let loop: Promise<void> | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let woken = false;
  let interrupt: (() => void) | undefined;

  const wake = () => {
    woken = true;
    interrupt?.();
  };
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) {
        woken = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        interrupt = undefined;
        woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      interrupt = done;
    });

  async function execute(job: ClaimedJob, handler: JobHandler<unknown>, lost: AbortController) {
    try {
      await runJob(env, byName.get(job.name)!, handler, {
        jobId: job.id,
        attempt: job.attempts_made,
        payload: job.payload,
        scheduledFor: job.scheduled_for ?? undefined,
        lost: lost.signal,
      });
      await completeJob(db, job);
    } catch (err) {
      await failJob(db, job, describeError(err), err instanceof PermanentJobError);
    }
  }

  async function renew() {
    const lost = await renewLeases(db, [...inFlight.keys()], lockMs);
    for (const leaseId of lost) {
      const entry = inFlight.get(leaseId);
      logger.warn("a job's lease was taken over; abandoning it", { job_id: entry?.job.id, job: entry?.job.name });
      entry?.lost.abort();
    }
  }

  async function run(handlers: JobHandlers<C>, concurrency: number) {
    let nextStallCheck = 0;
    let nextPrune = Date.now() + PRUNE_EVERY_MS;
    while (!stopping) {
      let more = false;
      try {
        await fireDueSchedules(db, queue, byName);
        const now = Date.now();
        if (now >= nextStallCheck) {
          await recoverStalled(db, queue);
          nextStallCheck = now + lockMs / 2;
        }
        if (now >= nextPrune) {
          await pruneFinished(db, queue, KEEP);
          nextPrune = now + PRUNE_EVERY_MS;
        }
        const free = concurrency - inFlight.size;
        if (free > 0) {
          const claimed = await claimJobs(db, queue, [...byName.keys()], env.worker, free, lockMs);
          for (const job of claimed) {
            const lost = new AbortController();
            const handler = handlers[job.name as keyof JobHandlers<C>] as JobHandler<unknown>;
            const done = execute(job, handler, lost)
              .catch((err) => logger.error("could not record a job's outcome", { job_id: job.id, error: String(err) }))
              .finally(() => {
                inFlight.delete(job.lease_id);
                wake();
              });
            inFlight.set(job.lease_id, { job, lost, done });
          }
          more = claimed.length === free;
        }
      } catch (err) {
        logger.error("job queue poll failed; retrying at the next poll", { queue, error: describeError(err) });
      }
      if (!stopping && !(more && inFlight.size < concurrency)) await idle(pollMs);
    }
  }

  return {
    backend: "postgres",
    async enqueue(name, payload, o = {}) {
      const parsed = parseForEnqueue(byName, name, payload);
      const { id } = await insertJob(o.tx ?? db, queue, {
        def: parsed.def,
        payload: parsed.payload,
        runAt: new Date(Date.now() + (o.delayMs ?? 0)),
        dedupKey: o.dedupKey,
      });
      wake();
      return { id };
    },
    async schedule(key, name, payload, repeat) {
      checkRepeat(repeat);
      const parsed = parseForEnqueue(byName, name, payload);
      await upsertSchedule(db, queue, key, parsed.def, parsed.payload, repeat);
      wake();
    },
    async inspect(id) {
      const row = UUID.test(id) ? await jobState(db, queue, id) : undefined;
      return row ? { state: row.state, attempts: row.attempts, error: row.error } : undefined;
    },
    work(handlers: JobHandlers<C>, o: WorkOptions = {}) {
      if (loop) throw new Error("work() was already called on this queue");
      for (const name of byName.keys()) {
        if (typeof handlers[name as keyof JobHandlers<C>] !== "function") throw new Error(`no handler for job ${name}`);
      }
      renewTimer = setInterval(() => {
        renew().catch((err) => logger.error("job lease renewal failed", { error: describeError(err) }));
      }, lockMs / 3);
      loop = run(handlers, o.concurrency ?? 4);
    },
    async close() {
      stopping = true;
      wake();
      await loop;
      await Promise.allSettled([...inFlight.values()].map((e) => e.done));
      clearInterval(renewTimer);
    },
  };
}
