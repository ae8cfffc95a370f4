// fleet_event_retention through a real queue with the real catalog: which events go (low/medium past
// 90 days, high/critical past 365), batching, the account scope, and the payload's retention floors.
import { randomUUID } from "node:crypto";
import { emitEvent, issueToken, type Severity, systemPrincipal } from "@nodepilot/core";
import { api_tokens, fleet_events } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import {
  autonomyExecuteApprovalsHandler,
  autonomyTickHandler,
  autonomyTickScheduleHandler,
  createAutonomyRunner,
} from "./autonomy-tick.ts";
import { JOBS } from "./catalog.ts";
import { complianceSnapshotHandler } from "./compliance-snapshot.ts";
import { eventRetentionHandler } from "./event-retention.ts";
import { waitFor } from "./job-queue.conformance.ts";
import { learningsEmbedHandler } from "./learnings-embed.ts";
import { createPgJobQueue } from "./pg-job-queue.ts";
import { taskReaperHandler } from "./task-reaper.ts";
import { quietLogger } from "./test-support.ts";

let fleet: TestFleet;
let other: TestFleet;
beforeAll(async () => {
  [fleet, other] = await Promise.all([
    createTestFleet({ startRunners: false }),
    createTestFleet({ startRunners: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([fleet?.close(), other?.close()]);
});

const DAY = 86400_000;

/** An event of `f`'s account, `ageDays` old; returns its seq. */
async function eventAged(f: TestFleet, severity: Severity, ageDays: number): Promise<number> {
  const db = f.runtime.database.db;
  const at = new Date(Date.now() - ageDays * DAY);
  const origin = {
    principal: systemPrincipal(f.runtime.accountId, []),
    source: "system" as const,
    correlationId: null,
    now: at,
  };
  const seq = await emitEvent(db, origin, { kind: "test.retention", severity, payload: { age_days: ageDays } });
  await db.execute(
    sql`UPDATE fleet_events SET created_at = ${at}::timestamptz WHERE account_id = ${f.runtime.accountId}::uuid AND seq = ${seq}`,
  );
  return seq;
}

async function remaining(f: TestFleet) {
  const rows = await f.runtime.database.db
    .select({ severity: fleet_events.severity, payload: fleet_events.payload })
    .from(fleet_events)
    .where(and(eq(fleet_events.account_id, f.runtime.accountId), eq(fleet_events.kind, "test.retention")));
  return rows.map((r) => `${r.severity}:${r.payload.age_days}`).sort();
}

describe("fleet_event_retention", () => {
  it("deletes low/medium events past 90 days and high/critical past 365, in batches, in one account", async () => {
    for (const [severity, age] of [
      ["low", 91],
      ["low", 95],
      ["low", 200],
      ["low", 89],
      ["medium", 91],
      ["medium", 10],
      ["high", 91],
      ["high", 366],
      ["critical", 364],
      ["critical", 400],
    ] as const) {
      await eventAged(fleet, severity, age);
    }
    await eventAged(other, "low", 500);
    // Web sessions ended more than 30 days ago go; recent ones, live ones and plain tokens stay.
    const session = async (f: TestFleet, name: string, expiresDays: number, revokedDays?: number) => {
      const { row } = await issueToken(f.runtime.database.db, {
        accountId: f.runtime.accountId,
        userId: null,
        name,
        scopes: ["fleet:read"],
        environmentIds: [],
        expiresAt: new Date(Date.now() + expiresDays * DAY),
      });
      if (revokedDays !== undefined) {
        await f.runtime.database.db
          .update(api_tokens)
          .set({ revoked_at: new Date(Date.now() - revokedDays * DAY) })
          .where(eq(api_tokens.id, row.id));
      }
    };
    await session(fleet, "web-session expired-31d", -31);
    await session(fleet, "web-session revoked-40d", 1, 40);
    await session(fleet, "web-session expired-29d", -29);
    await session(fleet, "web-session live", 1);
    await session(fleet, "ci token expired-60d", -60);
    await session(other, "web-session other-expired-31d", -31);

    const { services } = fleet.runtime;
    const queue = createPgJobQueue({
      db: services.database.db,
      catalog: JOBS,
      logger: quietLogger,
      queue: `retention-${randomUUID()}`,
      accountId: fleet.runtime.accountId,
      pollMs: 25,
    });
    const runner = createAutonomyRunner(services);
    try {
      queue.work({
        task_reaper: taskReaperHandler(services),
        fleet_event_retention: eventRetentionHandler(services),
        "autonomy.tick": autonomyTickHandler(runner),
        "autonomy.execute_approvals": autonomyExecuteApprovalsHandler(runner),
        "learnings.embed": learningsEmbedHandler(services, undefined),
        "autonomy.tick_schedule": autonomyTickScheduleHandler(services, async () => {}),
        "compliance.daily_snapshot": complianceSnapshotHandler(services),
      });
      const { id } = await queue.enqueue("fleet_event_retention", {
        account_id: fleet.runtime.accountId,
        batch_size: 2,
      });
      const state = await waitFor("the retention run", async () => {
        const s = await queue.inspect(id);
        return s?.state === "completed" || s?.state === "failed" ? s : undefined;
      });
      expect(state.state).toBe("completed");
    } finally {
      await queue.close();
    }
    expect(await remaining(fleet)).toEqual(["critical:364", "high:91", "low:89", "medium:10"]);
    // Another account's events are out of this run's scope.
    expect(await remaining(other)).toEqual(["low:500"]);
    const tokenNames = async (f: TestFleet) =>
      (
        await f.runtime.database.db
          .select({ name: api_tokens.name })
          .from(api_tokens)
          .where(eq(api_tokens.account_id, f.runtime.accountId))
      )
        .map((r) => r.name)
        .filter((n) => n.includes("web-session") || n.startsWith("ci token"))
        .sort();
    expect(await tokenNames(fleet)).toEqual(["ci token expired-60d", "web-session expired-29d", "web-session live"]);
    expect(await tokenNames(other)).toEqual(["web-session other-expired-31d"]);
  });

  it("refuses retention below the floors of 7 and 30 days, naming the field", async () => {
    const queue = createPgJobQueue({
      db: fleet.runtime.database.db,
      catalog: JOBS,
      logger: quietLogger,
      queue: `retention-${randomUUID()}`,
    });
    await expect(queue.enqueue("fleet_event_retention", { low_medium_days: 6 })).rejects.toMatchObject({
      code: "invalid_input",
      errors: [{ path: "low_medium_days" }],
    });
    await expect(queue.enqueue("fleet_event_retention", { high_critical_days: 29 })).rejects.toMatchObject({
      code: "invalid_input",
      errors: [{ path: "high_critical_days" }],
    });
    await queue.close();
  });
});
