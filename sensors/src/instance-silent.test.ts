// instance_silent: the threshold edges and severity rules as a table (pure), then the one statement
// against a 1,000-instance fixture on the real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InstanceSilentRow, instanceSilent, silentSignal } from "./instance-silent.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";

const now = new Date("2026-01-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = instanceSilent.settings.parse({});
const row = (o: Partial<InstanceSilentRow>): InstanceSilentRow => ({
  id: "01900000-0000-7000-8000-000000000001",
  node_id: "01900000-0000-7000-8000-0000000000aa",
  status: "running",
  last_heartbeat_at: ago(10),
  status_changed_at: ago(5000),
  ...o,
});

describe("instance_silent rules", () => {
  it.each([
    ["heartbeat 180 s old (not over the threshold)", row({ last_heartbeat_at: ago(180) }), null],
    ["heartbeat 180.001 s old", row({ last_heartbeat_at: new Date(ago(180).getTime() - 1) }), "medium"],
    ["heartbeat 1979 s old", row({ last_heartbeat_at: ago(1979) }), "medium"],
    ["heartbeat 1980 s old (180 + 1800)", row({ last_heartbeat_at: ago(1980) }), "critical"],
    ["never heartbeated, 600 s in status", row({ last_heartbeat_at: null, status_changed_at: ago(600) }), null],
    ["never heartbeated, 601 s in status", row({ last_heartbeat_at: null, status_changed_at: ago(601) }), "high"],
    ["never heartbeated for a day stays high", row({ last_heartbeat_at: null, status_changed_at: ago(86400) }), "high"],
    ["starting and silent", row({ status: "starting", last_heartbeat_at: ago(200) }), "medium"],
  ])("%s → %s", (_label, r, severity) => {
    expect(silentSignal(r, defaults, now)?.severity ?? null).toBe(severity);
  });

  it("follows per-account thresholds", () => {
    const s = instanceSilent.settings.parse({ silent_threshold_seconds: 60, critical_after_seconds: 60 });
    expect(silentSignal(row({ last_heartbeat_at: ago(61) }), s, now)?.severity).toBe("medium");
    expect(silentSignal(row({ last_heartbeat_at: ago(120) }), s, now)?.severity).toBe("critical");
  });

  it("carries the spec payload, fingerprint and refs", () => {
    const r = row({ last_heartbeat_at: ago(300) });
    expect(silentSignal(r, defaults, now)).toEqual({
      kind: "fleet.instance_silent",
      severity: "medium",
      sensor: "instance_silent",
      fingerprint: `instance_silent:${r.id}`,
      payload: {
        instance_id: r.id,
        node_id: r.node_id,
        status: "running",
        last_heartbeat_at: ago(300).toISOString(),
        silent_seconds: 300,
        threshold_seconds: 180,
      },
      refs: { node_id: r.node_id, node_instance_id: r.id },
    });
    const never = silentSignal(row({ last_heartbeat_at: null, status_changed_at: ago(700) }), defaults, now);
    expect(never?.payload).toMatchObject({ last_heartbeat_at: null, silent_seconds: 700, threshold_seconds: 600 });
  });
});

describe("instance_silent on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  let silent: string[];
  let never: string[];
  let critical: string[];
  let other: string;

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    // 1,000 healthy running instances, plus the cases that must and must not fire.
    await seedInstances(database, accountId, 1000, { status: "running", last_heartbeat_at: ago(30) });
    silent = (await seedInstances(database, accountId, 3, { status: "running", last_heartbeat_at: ago(400) }))
      .instanceIds;
    critical = (await seedInstances(database, accountId, 2, { status: "starting", last_heartbeat_at: ago(4000) }))
      .instanceIds;
    never = (
      await seedInstances(database, accountId, 2, {
        status: "running",
        last_heartbeat_at: null,
        status_changed_at: ago(900),
      })
    ).instanceIds;
    // Silent but not running or starting, or still in its boot grace: never fire.
    await seedInstances(database, accountId, 5, { status: "stopped", last_heartbeat_at: ago(4000) });
    await seedInstances(database, accountId, 5, {
      status: "running",
      last_heartbeat_at: null,
      status_changed_at: ago(100),
    });
    // Another account's silent instance is not ours.
    other = await createTestAccount(database);
    await seedInstances(database, other, 3, { status: "running", last_heartbeat_at: ago(4000) });
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await deleteTestAccount(database, other);
      await database.close();
    }
  });

  it("finds the silent instances among 1,000 healthy ones in one statement", async () => {
    const result = await senseCounted(database, instanceSilent, { accountId, now });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as { fingerprint: string; severity: string }[];
    const bySeverity = (sev: string) =>
      signals
        .filter((s) => s.severity === sev)
        .map((s) => s.fingerprint)
        .sort();
    expect(bySeverity("medium")).toEqual(silent.map((id) => `instance_silent:${id}`).sort());
    expect(bySeverity("critical")).toEqual(critical.map((id) => `instance_silent:${id}`).sort());
    expect(bySeverity("high")).toEqual(never.map((id) => `instance_silent:${id}`).sort());
    expect(signals).toHaveLength(7);
  });
});
