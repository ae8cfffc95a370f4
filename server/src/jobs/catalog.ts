// The job catalog: every job this platform runs, by name, with its payload schema and run policy
// (spec/domain.md §5.3). Producers and workers share it; the handlers are in the files named below.
// The sensor tick (`fleet_reconcile`, spec/autonomy.md §8) joins this list with the sensors.
import { z } from "zod";
import { autonomyExecuteApprovalsJob, autonomyTickJob, autonomyTickScheduleJob } from "./autonomy-tick.ts";
import { complianceSnapshotJob } from "./compliance-snapshot.ts";
import { defineJob } from "./define-job.ts";
import { learningsEmbedJob } from "./learnings-embed.ts";

/** §5.3 #1, handler in task-reaper.ts. */
export const taskReaperJob = defineJob({
  name: "task_reaper",
  description:
    "Return tasks whose holder stopped renewing its lease to the queue (or fail them per their retry policy), " +
    "expire pending tasks past expires_at, and fail running tasks past timeout_seconds.",
  payload: z
    .object({
      /** Reap one account only; the scheduled run reaps every account. */
      account_id: z.uuid().optional(),
    })
    .strict(),
  timeoutMs: 50_000,
  attempts: 2,
  backoff: { type: "fixed", delayMs: 5000 },
  lock: { ttlMs: 55_000 },
});

/** §5.3 #5, handler in event-retention.ts. */
export const eventRetentionJob = defineJob({
  name: "fleet_event_retention",
  description:
    "Delete low and medium fleet events older than low_medium_days and high and critical ones older than " +
    "high_critical_days, in batches; also drop web-session tokens 30 days after they ended and job_runs older than 30 days.",
  payload: z
    .object({
      account_id: z.uuid().optional(),
      low_medium_days: z.number().int().min(7).max(36_500).default(90),
      high_critical_days: z.number().int().min(30).max(36_500).default(365),
      batch_size: z.number().int().min(1).max(100_000).default(10_000),
    })
    .strict(),
  timeoutMs: 55 * 60_000,
  attempts: 3,
  backoff: { type: "exponential", delayMs: 60_000 },
  lock: { ttlMs: 3600_000 },
});

export const JOBS = [
  taskReaperJob,
  eventRetentionJob,
  autonomyTickJob,
  autonomyTickScheduleJob,
  autonomyExecuteApprovalsJob,
  learningsEmbedJob,
  complianceSnapshotJob,
] as const;
export type Jobs = typeof JOBS;
