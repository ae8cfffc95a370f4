// The job queue on BullMQ (REDIS_URL): one BullMQ queue for the whole catalog, each job carrying its
// definition's attempts and backoff; schedules are BullMQ job schedulers, and a worker that dies
// mid-job is found by BullMQ's stalled-job check and its job retried. Runs are recorded in
// PostgreSQL like on the Postgres runner (run-job.ts).
import type { Logger } from "@nodepilot/core";
import { type Db, newId } from "@nodepilot/store";
import { type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { type AnyJob, indexCatalog, type JobCatalog, type JobHandler, type JobHandlers } from "./define-job.ts";
import { checkRepeat, type JobQueue, parseForEnqueue, type WorkOptions } from "./job-queue.ts";
import { workerName } from "./pg-job-queue.ts";
import { describeError, PermanentJobError, type RunEnv, runJob } from "./run-job.ts";

export interface BullmqJobQueueOptions<C extends JobCatalog> {
  redisUrl: string;
  /** Run log and locks live in PostgreSQL on either backend. */
  db: Db;
  catalog: C;
  logger: Logger;
  /** The Redis key prefix shared by the processes of one deployment (default `nodepilot`). */
  queue?: string;
  /** Report failure streaks (`job.failing`) to this account only; default every account. */
  accountId?: string | undefined;
  /** BullMQ's lockDuration and stalled-check interval: how soon a dead worker's job is retried (default 30 s). */
  lockMs?: number;
}

const QUEUE_NAME = "jobs";

function jobOptions(def: AnyJob): JobsOptions {
  return {
    attempts: def.attempts,
    backoff: { type: def.backoff.type, delay: def.backoff.delayMs },
    // The history is in job_runs; Redis keeps only enough to inspect recent trouble.
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 86400 },
  };
}

/** A scheduler's occurrence: BullMQ names it `repeat:<scheduler id>:<due millis>`. */
function scheduledFor(job: Job): Date | undefined {
  const due = job.repeatJobKey ? /:(\d+)$/.exec(job.id ?? "") : null;
  return due ? new Date(Number(due[1])) : undefined;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** Connects (failing within 10 s when Redis is unreachable, rather than hanging the start). */
export async function openBullmqJobQueue<C extends JobCatalog>(opts: BullmqJobQueueOptions<C>): Promise<JobQueue<C>> {
  const byName = indexCatalog(opts.catalog);
  const { logger } = opts;
  const prefix = opts.queue ?? "nodepilot";
  const lockMs = opts.lockMs ?? 30_000;
  // Workers need commands that wait out a Redis restart instead of failing (BullMQ's requirement).
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on("error", (err) => logger.warn("redis connection error", { error: describeError(err) }));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`REDIS_URL: no answer from Redis within ${CONNECT_TIMEOUT_MS / 1000} s`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
  queue.on("error", (err) => logger.warn("bullmq queue error", { error: describeError(err) }));
  const env: RunEnv = { db: opts.db, logger, worker: workerName("bullmq"), queue: prefix, accountId: opts.accountId };
  let worker: Worker | undefined;

  return {
    backend: "bullmq",
    async enqueue(name, payload, o = {}) {
      const parsed = parseForEnqueue(byName, name, payload);
      const job = await queue.add(name, parsed.payload, {
        ...jobOptions(parsed.def),
        // Ids unique beyond this Redis: job_runs in PostgreSQL outlives any one Redis keyspace.
        jobId: newId(),
        ...(o.delayMs ? { delay: o.delayMs } : {}),
        ...(o.dedupKey ? { deduplication: { id: o.dedupKey } } : {}),
      });
      return { id: job.id! };
    },
    async schedule(key, name, payload, repeat) {
      checkRepeat(repeat);
      const parsed = parseForEnqueue(byName, name, payload);
      await queue.upsertJobScheduler(
        key,
        "everyMs" in repeat ? { every: repeat.everyMs } : { pattern: repeat.cron, tz: repeat.tz ?? "UTC" },
        { name, data: parsed.payload, opts: jobOptions(parsed.def) },
      );
    },
    async inspect(id) {
      const job = await queue.getJob(id);
      if (!job) return undefined;
      const raw = await job.getState();
      const state =
        raw === "active" || raw === "completed" || raw === "failed" ? raw : raw === "unknown" ? undefined : "waiting";
      return state ? { state, attempts: job.attemptsStarted, error: job.failedReason ?? null } : undefined;
    },
    work(handlers: JobHandlers<C>, o: WorkOptions = {}) {
      if (worker) throw new Error("work() was already called on this queue");
      for (const name of byName.keys()) {
        if (typeof handlers[name as keyof JobHandlers<C>] !== "function") throw new Error(`no handler for job ${name}`);
      }
      worker = new Worker(
        QUEUE_NAME,
        async (job, _token, signal) => {
          const def = byName.get(job.name);
          // Thrown as retryable: during a rolling deploy a newer worker may know the job.
          if (!def) throw new Error(`this worker's catalog has no job named ${job.name}`);
          const handler = handlers[job.name as keyof JobHandlers<C>] as JobHandler<unknown>;
          try {
            return await runJob(env, def, handler, {
              jobId: job.id!,
              attempt: job.attemptsStarted,
              payload: job.data,
              scheduledFor: scheduledFor(job),
              ...(signal ? { lost: signal } : {}),
            });
          } catch (err) {
            if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
            throw err;
          }
        },
        {
          connection: redis,
          prefix,
          concurrency: o.concurrency ?? 4,
          lockDuration: lockMs,
          stalledInterval: lockMs,
          maxStalledCount: 1,
          name: env.worker,
        },
      );
      worker.on("error", (err) => logger.error("bullmq worker error", { error: describeError(err) }));
    },
    async close() {
      await worker?.close();
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
