// The worker process worker-kill.test.ts kills: it takes the blocking job, says so on stdout, and
// holds it (renewing its lease) until SIGKILL. Run as `node --import tsx worker-kill-fixture.ts`
// with DATABASE_URL, JOB_NAMESPACE, JOB_BACKEND and, for bullmq, REDIS_URL.
import { fileURLToPath } from "node:url";
import type { Logger } from "@nodepilot/core";
import { type Db, openDatabase } from "@nodepilot/store";
import { z } from "zod";
import { openBullmqJobQueue } from "./bullmq-job-queue.ts";
import { defineJob } from "./define-job.ts";
import type { JobQueue } from "./job-queue.ts";
import { createPgJobQueue } from "./pg-job-queue.ts";

export const blockingJob = defineJob({
  name: "test.blocking",
  description: "blocks in the fixture worker; completes in the test's",
  payload: z.object({ marker: z.string() }).strict(),
  timeoutMs: 60_000,
  attempts: 3,
  backoff: { type: "fixed", delayMs: 10 },
});
export const KILL_CATALOG = [blockingJob] as const;
export const KILL_FIXTURE = fileURLToPath(import.meta.url);
/** Short, so the test does not wait 30 s for the dead worker's lease. */
export const KILL_LOCK_MS = 1000;

export interface KillQueueOptions {
  backend: "postgres" | "bullmq";
  db: Db;
  namespace: string;
  logger: Logger;
  redisUrl?: string | undefined;
}

export function openKillQueue(
  o: KillQueueOptions,
): Promise<JobQueue<typeof KILL_CATALOG>> | JobQueue<typeof KILL_CATALOG> {
  const common = { db: o.db, catalog: KILL_CATALOG, logger: o.logger, queue: o.namespace, lockMs: KILL_LOCK_MS };
  if (o.backend === "bullmq") {
    if (!o.redisUrl) throw new Error("the bullmq backend needs a Redis URL");
    return openBullmqJobQueue({ ...common, redisUrl: o.redisUrl });
  }
  return createPgJobQueue({ ...common, pollMs: 50 });
}

async function main() {
  const env = z
    .object({
      DATABASE_URL: z.string().url(),
      JOB_NAMESPACE: z.string().min(1),
      JOB_BACKEND: z.enum(["postgres", "bullmq"]),
      REDIS_URL: z.string().url().optional(),
    })
    .parse(process.env);
  const silent = () => {};
  const logger: Logger = { debug: silent, info: silent, warn: silent, error: silent };
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, migrate: false, poolSize: 2 });
  const queue = await openKillQueue({
    backend: env.JOB_BACKEND,
    db: database.db,
    namespace: env.JOB_NAMESPACE,
    logger,
    redisUrl: env.REDIS_URL,
  });
  queue.work({
    [blockingJob.name]: async (_payload, ctx) => {
      process.stdout.write(`started ${ctx.jobId} ${ctx.attempt}\n`);
      await new Promise(() => {});
    },
  });
  process.stdout.write("ready\n");
}

// Only when run as the process's entry; importing it (the test does) runs nothing.
if (process.argv[1] === KILL_FIXTURE) await main();
