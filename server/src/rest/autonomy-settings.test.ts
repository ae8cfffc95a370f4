// Autonomy settings over REST (spec/autonomy.md §0): defaults, partial writes with their event,
// bounds naming the field, the cross-field budget rule, scopes and tenancy.
import { AUTONOMY_DEFAULTS, loadAutonomySettings } from "@nodepilot/core";
import { autonomy_settings, fleet_events } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  other = await createTestFleet({ startRunners: false });
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("autonomy settings", () => {
  it("reads every default before anything was changed", async () => {
    const res = await fleet.api("GET", "/api/v1/autonomy/settings", { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    const { updated_by, updated_at, version, ...settings } = res.body.data;
    expect(settings).toEqual(AUTONOMY_DEFAULTS);
    expect([updated_by, updated_at, version]).toEqual([null, null, 0]);
  });

  it("keeps the database column defaults equal to the schema's defaults", async () => {
    const db = other.runtime.database.db;
    await db.insert(autonomy_settings).values({ account_id: other.runtime.accountId });
    expect(await loadAutonomySettings(db, other.runtime.accountId)).toEqual(AUTONOMY_DEFAULTS);
    await db.delete(autonomy_settings).where(eq(autonomy_settings.account_id, other.runtime.accountId));
  });

  it("merges a partial write, records who changed what, and the next read sees it", async () => {
    const res = await fleet.api("PATCH", "/api/v1/autonomy/settings", {
      token: fleet.tokens.writer,
      body: { autonomy_mode: "paused", dedup_window_seconds: 900 },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      autonomy_mode: "paused",
      dedup_window_seconds: 900,
      tick_interval_seconds: 60,
    });
    expect(res.body.data.version).toBe(1);
    expect(res.body.data.updated_by).toEqual(expect.any(String));
    const second = await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { tick_interval_seconds: 120 } });
    expect(second.body.data).toMatchObject({
      autonomy_mode: "paused",
      dedup_window_seconds: 900,
      tick_interval_seconds: 120,
    });
    expect(second.body.data.version).toBe(2);
    const loaded = await loadAutonomySettings(fleet.runtime.database.db, fleet.runtime.accountId);
    expect(loaded).toMatchObject({ autonomy_mode: "paused", dedup_window_seconds: 900, tick_interval_seconds: 120 });
    const events = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(
        and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.kind, "autonomy.settings_updated")),
      )
      .orderBy(fleet_events.seq);
    expect(events.map((e) => [e.severity, e.payload.changed])).toEqual([
      ["medium", { autonomy_mode: { from: "active", to: "paused" }, dedup_window_seconds: { from: 600, to: 900 } }],
      ["low", { tick_interval_seconds: { from: 60, to: 120 } }],
    ]);
    // The other account is untouched.
    const theirs = await other.api("GET", "/api/v1/autonomy/settings");
    expect(theirs.body.data.autonomy_mode).toBe("active");
  });

  it.each([
    ["tick_interval_seconds", 29],
    ["tick_interval_seconds", 601],
    ["dedup_window_seconds", 59],
    ["max_disruption_pct", 101],
    ["stuck_streak_threshold", 0],
    ["standing_signal_ticks", 10_001],
    ["settle_window_seconds", 3601],
    ["presumed_dead_seconds", 299],
    ["learning_similarity_threshold", 0.49],
    ["learning_similarity_threshold", 0.995],
    ["evolution_threshold", 51],
    ["throttle_strength_threshold", 0.09],
    ["rejection_cooldown_seconds", -1],
    ["autonomy_mode", "asleep"],
    ["no_such_setting", 1],
  ])("refuses %s = %s naming the field", async (field, value) => {
    const res = await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { [field]: value } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_input");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it("accepts the bounds themselves", async () => {
    const res = await other.api("PATCH", "/api/v1/autonomy/settings", {
      body: { dedup_window_seconds: 60, learning_similarity_threshold: 0.99, max_disruption_pct: 0 },
    });
    expect(res.status).toBe(200);
  });

  it("keeps the tick budget at most interval − 5, naming the field that was written", async () => {
    const budget = await other.api("PATCH", "/api/v1/autonomy/settings", { body: { tick_budget_seconds: 56 } });
    expect(budget.status).toBe(400);
    expect(budget.body.errors[0].path).toBe("tick_budget_seconds");
    const interval = await other.api("PATCH", "/api/v1/autonomy/settings", { body: { tick_interval_seconds: 40 } });
    expect(interval.status).toBe(400);
    expect(interval.body.errors[0].path).toBe("tick_interval_seconds");
    const both = await other.api("PATCH", "/api/v1/autonomy/settings", {
      body: { tick_interval_seconds: 40, tick_budget_seconds: 35 },
    });
    expect(both.status).toBe(200);
    expect(both.body.data).toMatchObject({ tick_interval_seconds: 40, tick_budget_seconds: 35 });
  });

  it("needs autonomy:write to change and autonomy:read to read", async () => {
    const res = await fleet.api("PATCH", "/api/v1/autonomy/settings", {
      token: fleet.tokens.reader,
      body: { dedup_window_seconds: 700 },
    });
    expect(res.status).toBe(403);
  });
});
