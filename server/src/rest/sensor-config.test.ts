// Sensor thresholds over REST (spec/autonomy.md §1.1 rule 6): the 18 sensors with their defaults,
// partial-merge writes with their event, unknown keys and values ≤ 0 refused naming the field,
// unknown sensors not found, scopes and tenancy.
import { fleet_events } from "@nodepilot/store";
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

const path = (sensor: string) => `/api/v1/autonomy/sensors/${sensor}`;

describe("sensor configuration", () => {
  it("lists the 18 sensors in run order with their defaults", async () => {
    const res = await fleet.api("GET", "/api/v1/autonomy/sensors", { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    const items = res.body.data.items as {
      sensor: string;
      order: number;
      enabled: boolean;
      settings: object;
      defaults: object;
      version: number;
    }[];
    expect(items.map((i) => i.order)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(items.slice(0, 9).map((i) => i.sensor)).toEqual([
      "instance_silent",
      "instance_state_drift",
      "module_drift",
      "cert_expiring",
      "module_promotion_ready",
      "config_drift",
      "slo_violation",
      "honeypot_access",
      "external_pressure",
    ]);
    for (const item of items) {
      expect(item.enabled).toBe(true);
      expect(item.settings).toEqual(item.defaults);
      expect(item.version).toBe(0);
    }
    expect(items[0]!.defaults).toEqual({
      silent_threshold_seconds: 180,
      boot_grace_seconds: 600,
      critical_after_seconds: 1800,
    });
  });

  it("merges partial writes, resets a key with null, and records the change", async () => {
    const first = await fleet.api("PATCH", path("instance_silent"), {
      token: fleet.tokens.writer,
      body: { settings: { silent_threshold_seconds: 300 } },
    });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({
      settings: { silent_threshold_seconds: 300, boot_grace_seconds: 600, critical_after_seconds: 1800 },
      overrides: { silent_threshold_seconds: 300 },
      version: 1,
    });
    const second = await fleet.api("PATCH", path("instance_silent"), {
      body: { settings: { boot_grace_seconds: 900 } },
    });
    expect(second.body.data.overrides).toEqual({ silent_threshold_seconds: 300, boot_grace_seconds: 900 });
    const reset = await fleet.api("PATCH", path("instance_silent"), {
      body: { settings: { silent_threshold_seconds: null } },
    });
    expect(reset.body.data.overrides).toEqual({ boot_grace_seconds: 900 });
    expect(reset.body.data.settings.silent_threshold_seconds).toBe(180);
    const read = await fleet.api("GET", path("instance_silent"), { token: fleet.tokens.reader });
    expect(read.body.data).toMatchObject({ settings: { boot_grace_seconds: 900 }, version: 3 });
    const events = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.account_id, fleet.runtime.accountId),
          eq(fleet_events.kind, "autonomy.sensor_config_updated"),
        ),
      )
      .orderBy(fleet_events.seq);
    expect(events.map((e) => e.payload.changed)).toEqual([
      { silent_threshold_seconds: { from: 180, to: 300 } },
      { boot_grace_seconds: { from: 600, to: 900 } },
      { silent_threshold_seconds: { from: 300, to: 180 } },
    ]);
    // Another account keeps its defaults.
    const theirs = await other.api("GET", path("instance_silent"));
    expect(theirs.body.data.settings.boot_grace_seconds).toBe(600);
  });

  it("disables and re-enables a sensor", async () => {
    const off = await fleet.api("PATCH", path("honeypot_access"), { body: { enabled: false } });
    expect(off.body.data).toMatchObject({ enabled: false, overrides: {} });
    const list = await fleet.api("GET", "/api/v1/autonomy/sensors");
    expect(list.body.data.items.find((i: { sensor: string }) => i.sensor === "honeypot_access").enabled).toBe(false);
    const on = await fleet.api("PATCH", path("honeypot_access"), { body: { enabled: true } });
    expect(on.body.data.enabled).toBe(true);
  });

  it.each([
    ["an unknown key", "instance_silent", { no_such_setting: 5 }, "settings.no_such_setting"],
    ["zero", "instance_silent", { silent_threshold_seconds: 0 }, "settings.silent_threshold_seconds"],
    ["a negative value", "cert_expiring", { urgent_window_seconds: -1 }, "settings.urgent_window_seconds"],
    ["a fraction of a second", "config_drift", { stale_threshold_seconds: 1.5 }, "settings.stale_threshold_seconds"],
    ["a string", "module_drift", { high_changes: "3" }, "settings.high_changes"],
    ["a zero strength", "external_pressure", { strength_threshold: 0 }, "settings.strength_threshold"],
  ])("refuses %s naming the field", async (_l, sensor, settings, field) => {
    const res = await fleet.api("PATCH", path(sensor), { body: { settings } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_input");
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
  });

  it("accepts a fractional strength threshold and names every bad key at once", async () => {
    const ok = await fleet.api("PATCH", path("external_pressure"), {
      body: { settings: { strength_threshold: 0.25 } },
    });
    expect(ok.body.data.settings.strength_threshold).toBe(0.25);
    const bad = await fleet.api("PATCH", path("instance_silent"), {
      body: { settings: { silent_threshold_seconds: 0, nope: 1 } },
    });
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "settings.nope",
      "settings.silent_threshold_seconds",
    ]);
  });

  it("answers not_found for a sensor that does not exist", async () => {
    expect((await fleet.api("GET", path("no_such_sensor"))).status).toBe(404);
    const res = await fleet.api("PATCH", path("no_such_sensor"), { body: { enabled: false } });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });

  it("needs autonomy:write to change a sensor", async () => {
    const res = await fleet.api("PATCH", path("instance_silent"), {
      token: fleet.tokens.reader,
      body: { enabled: false },
    });
    expect(res.status).toBe(403);
  });
});
