// The tick as scheduled jobs in a real runtime (Postgres runner, or BullMQ with
// NODEPILOT_TEST_REDIS_URL): the schedule finds an account with an instance and enqueues its tick,
// the tick runs the sensors and writes fleet_ticks and its events, and the next schedule runs leave
// the account alone until its interval has passed. The due rule itself is a table.
import { fleet_events, fleet_ticks, job_runs, node_instances } from "@nodepilot/store";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertInstance } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { isTickDue, TICK_SCHEDULE_EVERY_MS } from "./autonomy-tick.ts";
import { waitFor } from "./job-queue.conformance.ts";

describe("isTickDue", () => {
  const now = new Date("2026-01-01T12:00:00.000Z");
  const row = (agoMs: number | null, interval = 60) => ({
    account_id: "01900000-0000-7000-8000-00000000acc1",
    tick_interval_seconds: interval,
    last_started_at: agoMs === null ? null : new Date(now.getTime() - agoMs),
  });
  it.each([
    ["never ticked", row(null), true],
    ["ticked 60 s ago", row(60_000), true],
    ["ticked half a schedule period early", row(60_000 - TICK_SCHEDULE_EVERY_MS / 2), true],
    ["ticked 50 s ago", row(50_000), false],
    ["a 120 s interval, 90 s ago", row(90_000, 120), false],
    ["a 120 s interval, 116 s ago", row(116_000, 120), true],
  ])("%s → %s", (_l, r, due) => {
    expect(isTickDue(r, now)).toBe(due);
  });
});

describe("autonomy.tick on the job system", () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await createTestFleet({ startRunners: false, startJobs: true });
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it("schedules a tick for an account with an instance and runs the sensors in it", { timeout: 120_000 }, async () => {
    const db = fleet.runtime.database.db;
    const accountId = fleet.runtime.accountId;
    // Inserted terminated (no tick is due for the account yet), then made a silent running instance
    // in one statement, so the first tick cannot see it half-made.
    const { instanceId } = await insertInstance(fleet, { status: "terminated" });
    await db
      .update(node_instances)
      .set({ status: "running", last_heartbeat_at: new Date(Date.now() - 900_000) })
      .where(eq(node_instances.id, instanceId));

    const tick = await waitFor(
      "a finished tick",
      async () => {
        const [t] = await db
          .select()
          .from(fleet_ticks)
          .where(and(eq(fleet_ticks.account_id, accountId), eq(fleet_ticks.status, "ok")));
        return t;
      },
      60_000,
    );
    expect(tick).toMatchObject({ trigger: "schedule", correlation_id: expect.stringMatching(/^tick:[0-9a-f]{16}$/) });
    expect(Object.keys(tick.sensors)).toHaveLength(18);
    const events = await db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, accountId), eq(fleet_events.correlation_id, tick.correlation_id)))
      .orderBy(asc(fleet_events.seq));
    expect(events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["autonomy.tick_started", "fleet.instance_silent", "autonomy.tick_completed"]),
    );
    expect(events.find((e) => e.kind === "fleet.instance_silent")?.fingerprint).toBe(`instance_silent:${instanceId}`);
    // The run is recorded after its handler returns, so a moment after the tick row closes.
    const run = await waitFor(
      "the tick's job run",
      async () => {
        const runs = await db
          .select()
          .from(job_runs)
          .where(and(eq(job_runs.job, "autonomy.tick"), eq(job_runs.status, "succeeded")))
          .orderBy(asc(job_runs.started_at));
        return runs.find((r) => r.stats?.account_id === accountId);
      },
      30_000,
    );
    expect(run.stats).toMatchObject({ account_id: accountId, tick_id: tick.id, status: "ok", signal_count: 1 });

    // The next schedule runs find the account ticked within its interval and queue nothing.
    const scheduled = await waitFor(
      "a later schedule run",
      async () => {
        const runs = await db
          .select()
          .from(job_runs)
          .where(and(eq(job_runs.job, "autonomy.tick_schedule"), eq(job_runs.status, "succeeded")));
        const later = runs.filter(
          (r) => r.stats?.account_id === accountId && r.started_at.getTime() > tick.finished_at!.getTime(),
        );
        return later[0];
      },
      60_000,
    );
    expect(scheduled.stats).toMatchObject({ accounts_considered: 1, ticks_enqueued: 0 });
    const ticks = await db.select().from(fleet_ticks).where(eq(fleet_ticks.account_id, accountId));
    expect(ticks).toHaveLength(1);
  });
});
