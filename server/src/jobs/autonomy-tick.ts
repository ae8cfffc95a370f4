// The sensor tick as jobs (spec/autonomy.md §8 "Trigger", spec/domain.md §5.3 #2):
// `autonomy.tick_schedule` runs every 10 s and enqueues `autonomy.tick {account_id}` for each active
// account with at least one live instance or SDWAN network whose last tick started
// tick_interval_seconds ago or more, so an account's interval applies from its next tick and new
// accounts join without re-declaring schedules. A tick already waiting or running for the account
// is not queued twice (dedup key), and the tick runner's account lock refuses a concurrent one.
import {
  createProviderStatusReader,
  createTickRunner,
  type Decider,
  fleetSensorRegistry,
  type TickRunner,
  type TickRunnerDeps,
} from "@nodepilot/sensors";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { defineJob, type JobHandler } from "./define-job.ts";
import type { JobServices } from "./job-services.ts";

export const autonomyTickJob = defineJob({
  name: "autonomy.tick",
  description:
    "One autonomy tick for one account: sense with the 18 sensors, update conditions, persist signals past dedup, " +
    "decide, and record the tick in fleet_ticks under a tick:<16 hex> correlation id.",
  payload: z
    .object({
      account_id: z.uuid(),
      trigger: z.enum(["schedule", "manual"]).default("schedule"),
    })
    .strict(),
  // §5.3: a tick holds the account 90 s at most; a missed tick is simply the next one, never retried.
  timeoutMs: 90_000,
  attempts: 1,
  backoff: { type: "fixed", delayMs: 0 },
});

export const autonomyTickScheduleJob = defineJob({
  name: "autonomy.tick_schedule",
  description: "Enqueue autonomy.tick for every account whose tick interval has passed since its last tick.",
  payload: z
    .object({
      /** Consider one account only (test fleets sharing a database); the deployment's schedule has none. */
      account_id: z.uuid().optional(),
    })
    .strict(),
  timeoutMs: 30_000,
  attempts: 1,
  backoff: { type: "fixed", delayMs: 0 },
  lock: { ttlMs: 30_000 },
});

/** How often the schedule looks for due accounts; a tick starts at most this late. */
export const TICK_SCHEDULE_EVERY_MS = 10_000;

export interface TickDueRow {
  account_id: string;
  tick_interval_seconds: number;
  last_started_at: Date | string | null;
}

/**
 * Due when the account never ticked or its interval has passed since the last tick started, less
 * half a schedule period so that ticks keep their interval instead of drifting a period late.
 */
export function isTickDue(row: TickDueRow, now: Date): boolean {
  if (row.last_started_at === null) return true;
  const elapsed = now.getTime() - new Date(row.last_started_at).getTime();
  return elapsed >= row.tick_interval_seconds * 1000 - TICK_SCHEDULE_EVERY_MS / 2;
}

export const autonomyExecuteApprovalsJob = defineJob({
  name: "autonomy.execute_approvals",
  description:
    "Act at once on the account's decided approval requests (spec/autonomy.md §3.6) under the account tick lock: " +
    "resume each paused gate thread with its verdict, so an approved action runs without waiting for the next tick.",
  payload: z.object({ account_id: z.uuid(), approval_request_id: z.uuid().optional() }).strict(),
  timeoutMs: 120_000,
  // A tick holding the account refuses it; retried, and that tick's own step 2 may do it first.
  attempts: 6,
  backoff: { type: "exponential", delayMs: 2000 },
});

type TickPayload = z.output<typeof autonomyTickJob.payload>;
type SchedulePayload = z.output<typeof autonomyTickScheduleJob.payload>;
type ExecutePayload = z.output<typeof autonomyExecuteApprovalsJob.payload>;

export interface AutonomyTickDeps {
  /** The autonomy gate; absent, ticks sense and track conditions only. */
  decider?: Decider;
  /** The gate's steps of the tick (approvals, validation). */
  hooks?: TickRunnerDeps["hooks"];
}

/** One runner per process, so its in-process account guard (embedded databases) covers every tick and approval run. */
export function createAutonomyRunner(services: JobServices, deps: AutonomyTickDeps = {}): TickRunner {
  return createTickRunner({
    database: services.database,
    sensors: fleetSensorRegistry(),
    logger: services.logger,
    clock: services.clock,
    decider: deps.decider,
    hooks: deps.hooks,
    providerStatus:
      services.providers && services.secrets
        ? createProviderStatusReader({
            providers: services.providers,
            secrets: services.secrets,
            logger: services.logger,
          })
        : undefined,
  });
}

export function autonomyTickHandler(runner: TickRunner): JobHandler<TickPayload> {
  return async (payload) => {
    const result = await runner.run(payload.account_id, { trigger: payload.trigger });
    return {
      account_id: payload.account_id,
      tick_id: result.tickId,
      correlation_id: result.correlationId,
      status: result.status,
      signal_count: result.counts.signal_count ?? 0,
      decision_count: result.counts.decision_count ?? 0,
      sensors_failed: result.counts.sensors_failed ?? [],
    };
  };
}

export function autonomyExecuteApprovalsHandler(runner: TickRunner): JobHandler<ExecutePayload> {
  return async (payload) => {
    const result = await runner.runApprovals(payload.account_id);
    if (result.status === "skipped_locked")
      throw new Error(`account ${payload.account_id} is held by a tick; retrying`);
    return { account_id: payload.account_id, status: result.status, ...result.counts };
  };
}

export function autonomyTickScheduleHandler(
  services: JobServices,
  enqueue: (accountId: string) => Promise<unknown>,
): JobHandler<SchedulePayload> {
  return async (payload) => {
    const now = services.clock();
    const only = payload.account_id ? sql`AND a.id = ${payload.account_id}::uuid` : sql``;
    const res = await services.database.db.execute(sql`
      SELECT a.id AS account_id, COALESCE(s.tick_interval_seconds, 60) AS tick_interval_seconds,
        (SELECT max(t.started_at) FROM fleet_ticks t WHERE t.account_id = a.id AND t.status <> 'skipped_locked')
          AS last_started_at
      FROM accounts a
      LEFT JOIN autonomy_settings s ON s.account_id = a.id
      WHERE a.status = 'active' ${only}
        AND (EXISTS (SELECT 1 FROM node_instances i WHERE i.account_id = a.id AND i.status <> 'terminated')
          OR EXISTS (SELECT 1 FROM sdwan_networks n WHERE n.account_id = a.id))
      ORDER BY a.id`);
    const due = (res.rows as unknown as TickDueRow[]).filter((r) => isTickDue(r, now));
    for (const row of due) await enqueue(row.account_id);
    return { account_id: payload.account_id ?? null, accounts_considered: res.rows.length, ticks_enqueued: due.length };
  };
}
