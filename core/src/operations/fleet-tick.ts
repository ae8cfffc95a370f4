// Autonomy ticks as operations (spec/autonomy.md §8): ask for a tick now (`POST /fleet/ticks`, the
// same job and account lock as the schedule's) and read the tick log — status, per-sensor results,
// phase timings and the step-11 counts of each tick.
import { fleet_ticks } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { AppError } from "../errors.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { NullableTimestamp, Timestamp, Uuid } from "../schemas/common.ts";

const TickSchema = z.strictObject({
  id: Uuid,
  correlation_id: z.string(),
  trigger: z.enum(["schedule", "manual"]),
  status: z.string(),
  started_at: Timestamp,
  finished_at: NullableTimestamp,
  phase_ms: z.record(z.string(), z.number()),
  sensors: z.record(z.string(), z.unknown()),
  counts: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
});

type TickRow = typeof fleet_ticks.$inferSelect;

const tickOut = (t: TickRow): z.infer<typeof TickSchema> => ({
  id: t.id,
  correlation_id: t.correlation_id,
  trigger: t.trigger,
  status: t.status,
  started_at: t.started_at.toISOString(),
  finished_at: t.finished_at ? t.finished_at.toISOString() : null,
  phase_ms: t.phase_ms,
  sensors: t.sensors,
  counts: t.counts,
  error: t.error,
});

export const fleetTickRun = defineOperation({
  name: "fleet_tick.run",
  title: "Run an autonomy tick now",
  description:
    "Queue an autonomy tick for this account now instead of waiting for its interval: the 18 sensors run, conditions update, and each new signal goes through the autonomy gate (which may act, or ask for approval). Only one tick runs per account at a time; a tick already queued is not queued twice. Returns at once; follow it with fleet_tick.list or the event stream (autonomy.tick_completed).",
  examples: [
    { phrase: "check the fleet now", input: {} },
    { phrase: "run the sensors again", input: {} },
  ],
  input: z.strictObject({}),
  output: z.strictObject({ account_id: Uuid, job_id: z.string() }),
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.tick",
  idempotent: true,
  http: { method: "POST", path: "/fleet/ticks", status: 202 },
  async execute(ctx) {
    const request = ctx.services.requestTick;
    if (!request) {
      throw new AppError("unavailable", "this process runs no job system, so it cannot run ticks", {
        reason: "no_job_system",
      });
    }
    // Enqueued in the operation's transaction: a refused or failed call leaves no job behind.
    const { jobId } = await request(ctx.principal.accountId, ctx.db);
    return { account_id: ctx.principal.accountId, job_id: jobId };
  },
});

export const fleetTickList = defineOperation({
  name: "fleet_tick.list",
  title: "List autonomy ticks",
  description:
    "The account's autonomy ticks, newest first: when each ran, its trigger (schedule or manual), status (ok, partial, over_budget, failed, skipped_locked, or running), each sensor's status and signal count, the time spent per phase, and the counts of decisions, validations and approvals. Use the correlation_id with event.correlation for everything one tick wrote. Paginated with limit and cursor.",
  examples: [
    { phrase: "how did the last ticks go", input: { limit: 5 } },
    { phrase: "show the autonomy tick log", input: {} },
  ],
  input: z.strictObject({ ...listInputShape }),
  output: listOutput(TickSchema),
  scope: "autonomy:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/fleet/ticks" },
  async execute(ctx, input) {
    const t = fleet_ticks;
    const { after, order } = pageClause({ createdAt: t.started_at, id: t.id }, input.cursor, true);
    const rows = await ctx.db
      .select()
      .from(t)
      .where(whereAll(eq(t.account_id, ctx.principal.accountId), after))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(
      rows.map((r) => ({ ...r, created_at: r.started_at })),
      input.limit,
      tickOut,
    );
  },
});

export const fleetTickOperations = [fleetTickRun, fleetTickList];
