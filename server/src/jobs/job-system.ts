// Starts the job system of a process: the queue (BullMQ with REDIS_URL, else the Postgres runner),
// the schedules of spec/domain.md §5.3 that exist so far, and the workers. `npm start` runs it
// inside the server process; `nodepilot worker` runs it alone, as many times as wanted.

import type { LearningsIndex } from "@nodepilot/core";
import {
  type AutonomyTickDeps,
  autonomyExecuteApprovalsHandler,
  autonomyTickHandler,
  autonomyTickScheduleHandler,
  autonomyTickScheduleJob,
  createAutonomyRunner,
  TICK_SCHEDULE_EVERY_MS,
} from "./autonomy-tick.ts";
import { openBullmqJobQueue } from "./bullmq-job-queue.ts";
import { eventRetentionJob, JOBS, type Jobs, taskReaperJob } from "./catalog.ts";
import { complianceSnapshotHandler, complianceSnapshotJob } from "./compliance-snapshot.ts";
import { eventRetentionHandler } from "./event-retention.ts";
import type { JobQueue, Repeat } from "./job-queue.ts";
import type { JobServices } from "./job-services.ts";
import { LEARNINGS_EMBED_EVERY_MS, learningsEmbedHandler, learningsEmbedJob } from "./learnings-embed.ts";
import { createPgJobQueue } from "./pg-job-queue.ts";
import { taskReaperHandler } from "./task-reaper.ts";

export interface JobSystemOptions {
  services: JobServices;
  /** BullMQ on this Redis; undefined runs the Postgres-backed queue. */
  redisUrl?: string | undefined;
  /** Queue namespace (the BullMQ key prefix, or queued_jobs.queue); one per deployment. */
  queue?: string;
  /**
   * Narrow the platform-wide jobs (reaper, retention) to one account. Test fleets do, because they
   * share one PostgreSQL; a deployment never does.
   */
  accountId?: string;
  retention?: { lowMediumDays: number; highCriticalDays: number };
  /** Declare the schedules (default true). Workers without schedules still run what others schedule. */
  schedules?: boolean;
  concurrency?: number;
  /** How long a dead worker's job waits before it is retried (default 30 s). */
  lockMs?: number;
  /** The Postgres runner's idle poll (default 1000 ms). */
  pollMs?: number;
  /** The learnings index whose embedder learnings.embed uses (the process's, ADR 0007). */
  learnings?: LearningsIndex;
  /** The autonomy gate for ticks (decider and hooks); without it ticks sense and track conditions only. */
  autonomy?: AutonomyTickDeps;
}

export interface JobSystem {
  queue: JobQueue<Jobs>;
  close(): Promise<void>;
}

/** When the scheduled jobs run (spec/domain.md §5.3 table); jobs only ever enqueued have no entry. */
const SCHEDULE_TIMES = {
  task_reaper: { everyMs: 60_000 },
  fleet_event_retention: { cron: "30 4 * * *", tz: "UTC" },
  // After the event retention (spec/autonomy.md §7.2).
  "compliance.daily_snapshot": { cron: "45 4 * * *", tz: "UTC" },
  "autonomy.tick_schedule": { everyMs: TICK_SCHEDULE_EVERY_MS },
  "learnings.embed": { everyMs: LEARNINGS_EMBED_EVERY_MS },
} satisfies Partial<Record<Jobs[number]["name"], Repeat>>;

export async function startJobSystem(opts: JobSystemOptions): Promise<JobSystem> {
  const { services } = opts;
  const common = {
    db: services.database.db,
    catalog: JOBS,
    logger: services.logger,
    accountId: opts.accountId,
    ...(opts.queue ? { queue: opts.queue } : {}),
    ...(opts.lockMs ? { lockMs: opts.lockMs } : {}),
  };
  const queue: JobQueue<Jobs> = opts.redisUrl
    ? await openBullmqJobQueue({ ...common, redisUrl: opts.redisUrl })
    : createPgJobQueue({ ...common, ...(opts.pollMs ? { pollMs: opts.pollMs } : {}) });
  try {
    if (opts.schedules !== false) {
      const scope = opts.accountId ? { account_id: opts.accountId } : {};
      // A narrowed system keeps its own schedule keys, so it never rewrites the deployment's.
      const key = (name: string) => (opts.accountId ? `${name}:${opts.accountId}` : name);
      await queue.schedule(key(taskReaperJob.name), taskReaperJob.name, scope, SCHEDULE_TIMES.task_reaper);
      await queue.schedule(
        key(eventRetentionJob.name),
        eventRetentionJob.name,
        {
          ...scope,
          ...(opts.retention
            ? { low_medium_days: opts.retention.lowMediumDays, high_critical_days: opts.retention.highCriticalDays }
            : {}),
        },
        SCHEDULE_TIMES.fleet_event_retention,
      );
      await queue.schedule(
        key(autonomyTickScheduleJob.name),
        autonomyTickScheduleJob.name,
        scope,
        SCHEDULE_TIMES["autonomy.tick_schedule"],
      );
      await queue.schedule(
        key(learningsEmbedJob.name),
        learningsEmbedJob.name,
        scope,
        SCHEDULE_TIMES["learnings.embed"],
      );
      await queue.schedule(
        key(complianceSnapshotJob.name),
        complianceSnapshotJob.name,
        scope,
        SCHEDULE_TIMES["compliance.daily_snapshot"],
      );
    }
    const runner = createAutonomyRunner(services, opts.autonomy);
    queue.work(
      {
        task_reaper: taskReaperHandler(services),
        fleet_event_retention: eventRetentionHandler(services),
        "autonomy.tick": autonomyTickHandler(runner),
        "autonomy.execute_approvals": autonomyExecuteApprovalsHandler(runner),
        "autonomy.tick_schedule": autonomyTickScheduleHandler(services, (accountId) =>
          queue.enqueue("autonomy.tick", { account_id: accountId }, { dedupKey: `autonomy.tick:${accountId}` }),
        ),
        "compliance.daily_snapshot": complianceSnapshotHandler(services),
        "learnings.embed": learningsEmbedHandler(services, opts.learnings),
      },
      { concurrency: opts.concurrency ?? 4 },
    );
  } catch (err) {
    await queue.close().catch(() => {});
    throw err;
  }
  return { queue, close: () => queue.close() };
}
