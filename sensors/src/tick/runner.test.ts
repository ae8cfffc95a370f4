// The tick runner on the real database (PGlite, or PostgreSQL with NODEPILOT_TEST_DATABASE_URL):
// the tick row and its events under one correlation id, conditions opened, continued and cleared,
// sensor failures and timeouts (rate-limited events, conditions kept), disabled sensors, rejected
// signals, the decider contract (decision order, dedup window), the budget, hooks and the lock.
import type { Logger } from "@nodepilot/core";
import {
  fleet_events,
  fleet_sensor_configs,
  fleet_sensor_cursors,
  fleet_signal_states,
  fleet_ticks,
  node_instances,
} from "@nodepilot/store";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { certExpiring } from "../cert-expiring.ts";
import { instanceSilent } from "../instance-silent.ts";
import { createSensorRegistry } from "../registry.ts";
import { sqlSensor } from "../sensor.ts";
import type { Signal } from "../signal.ts";
import { createTestAccount, deleteTestAccount, openTestDatabase, seedInstances } from "../testing/database.ts";
import type { ConditionState } from "./conditions.ts";
import type { Decider, DecisionRecord, TickContext } from "./decider.ts";
import { createTickRunner, type TickRunnerDeps } from "./runner.ts";

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const quiet = z.strictObject({});

const brokenProbe = sqlSensor({
  name: "broken_probe",
  order: 50,
  kinds: ["fleet.broken_probe"],
  settings: quiet,
  query: () => sql`SELECT * FROM no_such_table`,
  build: () => [],
});

const slowProbe = sqlSensor({
  name: "slow_probe",
  order: 51,
  kinds: ["fleet.slow_probe"],
  settings: quiet,
  query: () => sql`SELECT pg_sleep(2)`,
  build: () => [],
});

const sloppyProbe = sqlSensor({
  name: "sloppy_probe",
  order: 52,
  kinds: ["fleet.sloppy_probe"],
  settings: quiet,
  query: () => sql`SELECT 1 AS one`,
  build: (): Signal[] => [
    {
      kind: "fleet.sloppy_probe",
      severity: "low",
      sensor: "sloppy_probe",
      fingerprint: "sloppy:ok",
      payload: {},
      refs: {},
    },
    {
      kind: "fleet.not_mine",
      severity: "low",
      sensor: "sloppy_probe",
      fingerprint: "sloppy:bad",
      payload: {},
      refs: {},
    },
  ],
});

/** A stand-in for the gate (graphs/ implements the port): records what it was asked, in order. */
class RecordingDecider implements Decider {
  readonly calls: { fingerprint: string; severity: string; forceApproval: string | null; condition: ConditionState }[] =
    [];
  constructor(
    private readonly answer: (signal: Signal) => DecisionRecord = () => ({ decision: "proceed", reasons: [] }),
  ) {}
  async decide(signal: Signal, condition: ConditionState, tick: TickContext): Promise<DecisionRecord> {
    this.calls.push({
      fingerprint: signal.fingerprint,
      severity: signal.severity,
      forceApproval: tick.forceApproval,
      condition,
    });
    return this.answer(signal);
  }
}

describe("tick runner", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  const accounts: string[] = [];
  const now = () => new Date();
  const ago = (s: number) => new Date(Date.now() - s * 1000);

  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    if (database) {
      for (const id of accounts) await deleteTestAccount(database, id);
      await database.close();
    }
  });

  async function account() {
    const id = await createTestAccount(database);
    accounts.push(id);
    return id;
  }
  const runner = (o: Partial<TickRunnerDeps> = {}) =>
    createTickRunner({ database, sensors: createSensorRegistry([instanceSilent, certExpiring]), logger, ...o });
  const eventsOf = (accountId: string, correlationId: string) =>
    database.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, accountId), eq(fleet_events.correlation_id, correlationId)))
      .orderBy(asc(fleet_events.seq));
  const conditionsOf = (accountId: string) =>
    database.db.select().from(fleet_signal_states).where(eq(fleet_signal_states.account_id, accountId));

  it("senses, opens conditions and writes the tick with its events under one correlation id", async () => {
    const accountId = await account();
    const { instanceIds } = await seedInstances(database, accountId, 3, {
      status: "running",
      last_heartbeat_at: ago(400),
    });
    await seedInstances(database, accountId, 1000, { status: "running", last_heartbeat_at: ago(5) });
    const result = await runner().run(accountId, { trigger: "manual" });
    expect(result.correlationId).toMatch(/^tick:[0-9a-f]{16}$/);
    expect(result.status).toBe("ok");
    expect(result.sensors.instance_silent).toMatchObject({ status: "ok", signals: 3 });
    expect(result.sensors.cert_expiring).toMatchObject({ status: "ok", signals: 0 });
    expect(result.counts).toMatchObject({
      signal_count: 3,
      decision_count: 0,
      decider: "none",
      undecided: 3,
      by_kind: { "fleet.instance_silent": 3 },
      conditions: { opened: 3, cleared: 0 },
      signal_events_written: 3,
    });

    const [tick] = await database.db.select().from(fleet_ticks).where(eq(fleet_ticks.id, result.tickId));
    expect(tick).toMatchObject({ status: "ok", trigger: "manual", correlation_id: result.correlationId });
    expect(tick?.finished_at).not.toBeNull();
    expect(Object.keys(tick!.phase_ms)).toEqual(
      expect.arrayContaining(["lock", "sense", "conditions", "decide", "complete"]),
    );

    const events = await eventsOf(accountId, result.correlationId);
    expect(events[0]).toMatchObject({ kind: "autonomy.tick_started", source: "engine" });
    expect(events.at(-1)).toMatchObject({ kind: "autonomy.tick_completed", source: "engine" });
    const signalEvents = events.filter((e) => e.kind === "fleet.instance_silent");
    expect(signalEvents.map((e) => e.fingerprint).sort()).toEqual(
      instanceIds.map((id) => `instance_silent:${id}`).sort(),
    );
    for (const e of signalEvents) {
      expect(e).toMatchObject({ source: "sensor:instance_silent", severity: "medium", actor_id: "fleet-autonomy" });
      expect(e.node_instance_id).toBe(e.payload.instance_id);
      expect(e.payload._sensor).toBe("instance_silent");
    }
    const states = await conditionsOf(accountId);
    expect(states).toHaveLength(3);
    expect(states.every((s) => s.tick_count === 1 && s.episode === 1 && s.last_tick_id === result.tickId)).toBe(true);
  });

  it("continues conditions across ticks and clears the ones that went away", async () => {
    const accountId = await account();
    const { instanceIds } = await seedInstances(database, accountId, 2, {
      status: "running",
      last_heartbeat_at: ago(400),
    });
    const r = runner();
    await r.run(accountId);
    const second = await r.run(accountId);
    expect(second.counts.conditions).toMatchObject({ continued: 2 });
    await database.db
      .update(node_instances)
      .set({ last_heartbeat_at: now() })
      .where(eq(node_instances.id, instanceIds[0]!));
    const third = await r.run(accountId);
    expect(third.counts.conditions).toMatchObject({ continued: 1, cleared: 1 });
    const cleared = (await eventsOf(accountId, third.correlationId)).filter(
      (e) => e.kind === "autonomy.signal_cleared",
    );
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({
      fingerprint: `instance_silent:${instanceIds[0]}`,
      severity: "low",
      source: "engine",
    });
    const states = await conditionsOf(accountId);
    const byFp = Object.fromEntries(states.map((s) => [s.fingerprint, s]));
    expect(byFp[`instance_silent:${instanceIds[0]}`]?.cleared_at).not.toBeNull();
    expect(byFp[`instance_silent:${instanceIds[1]}`]).toMatchObject({ cleared_at: null, tick_count: 3 });
  });

  it("records failed and timed-out sensors, emits sensor_failed at most hourly, and keeps their conditions", async () => {
    const accountId = await account();
    // An open condition of the broken sensor must survive its failures.
    await database.db.insert(fleet_signal_states).values({
      account_id: accountId,
      kind: "fleet.broken_probe",
      fingerprint: "broken:1",
      sensor: "broken_probe",
      first_seen_at: ago(600),
      last_seen_at: ago(60),
      last_severity: "medium",
    });
    const r = createTickRunner({
      database,
      sensors: createSensorRegistry([instanceSilent, brokenProbe, slowProbe]),
      logger,
      statementTimeoutMs: 300,
    });
    const first = await r.run(accountId);
    expect(first.status).toBe("partial");
    expect(first.sensors.broken_probe).toMatchObject({
      status: "failed",
      error: expect.stringContaining("no_such_table"),
    });
    expect(first.sensors.slow_probe?.status).toBe("timeout");
    expect(first.sensors.instance_silent?.status).toBe("ok");
    expect(first.counts.sensors_failed).toEqual(["broken_probe", "slow_probe"]);
    const failed = (await eventsOf(accountId, first.correlationId)).filter((e) => e.kind === "autonomy.sensor_failed");
    expect(failed.map((e) => [e.payload.sensor, e.payload.status, e.severity])).toEqual([
      ["broken_probe", "failed", "medium"],
      ["slow_probe", "timeout", "medium"],
    ]);
    const second = await r.run(accountId);
    expect(
      (await eventsOf(accountId, second.correlationId)).filter((e) => e.kind === "autonomy.sensor_failed"),
    ).toEqual([]);
    const [kept] = await conditionsOf(accountId);
    expect(kept).toMatchObject({ fingerprint: "broken:1", cleared_at: null });
    const cursors = await database.db
      .select()
      .from(fleet_sensor_cursors)
      .where(eq(fleet_sensor_cursors.account_id, accountId));
    expect(Object.fromEntries(cursors.map((c) => [c.sensor, c.last_status]))).toEqual({
      instance_silent: "ok",
      broken_probe: "failed",
      slow_probe: "timeout",
    });
  });

  it("skips a disabled sensor and drops undeclared signals, reporting the sensor degraded", async () => {
    const accountId = await account();
    await seedInstances(database, accountId, 1, { status: "running", last_heartbeat_at: ago(400) });
    await database.db
      .insert(fleet_sensor_configs)
      .values({ account_id: accountId, sensor: "instance_silent", enabled: false });
    const result = await createTickRunner({
      database,
      sensors: createSensorRegistry([instanceSilent, sloppyProbe]),
      logger,
    }).run(accountId);
    expect(result.sensors.instance_silent).toMatchObject({ status: "disabled", signals: 0 });
    expect(result.sensors.sloppy_probe).toMatchObject({ status: "degraded", signals: 1, rejected: 1 });
    expect(result.status).toBe("partial");
    const events = await eventsOf(accountId, result.correlationId);
    const rejected = events.filter((e) => e.kind === "autonomy.signal_rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.payload).toMatchObject({ sensor: "sloppy_probe", rejected_count: 1 });
    expect(events.some((e) => e.kind === "fleet.instance_silent")).toBe(false);
  });

  it("applies per-account thresholds from fleet_sensor_configs", async () => {
    const accountId = await account();
    await seedInstances(database, accountId, 1, { status: "running", last_heartbeat_at: ago(400) });
    await database.db
      .insert(fleet_sensor_configs)
      .values({ account_id: accountId, sensor: "instance_silent", settings: { silent_threshold_seconds: 500 } });
    expect((await runner().run(accountId)).counts.signal_count).toBe(0);
  });

  it("hands surviving signals to the decider in decision order and dedups what it decided", async () => {
    const accountId = await account();
    const silent = (await seedInstances(database, accountId, 2, { status: "running", last_heartbeat_at: ago(400) }))
      .instanceIds;
    const never = (
      await seedInstances(database, accountId, 1, {
        status: "running",
        last_heartbeat_at: null,
        status_changed_at: ago(900),
      })
    ).instanceIds;
    const critical = (await seedInstances(database, accountId, 1, { status: "running", last_heartbeat_at: ago(4000) }))
      .instanceIds;
    const decider = new RecordingDecider();
    const r = runner({ decider });
    const first = await r.run(accountId);
    expect(first.counts).toMatchObject({ decider: "wired", decision_count: 4, by_decision: { proceed: 4 } });
    expect(decider.calls.map((c) => c.fingerprint)).toEqual([
      `instance_silent:${critical[0]}`,
      `instance_silent:${never[0]}`,
      ...silent.map((id) => `instance_silent:${id}`).sort(),
    ]);
    const stamped = await conditionsOf(accountId);
    expect(stamped.every((s) => s.last_decided_at !== null && s.last_decided_severity === s.last_severity)).toBe(true);

    // Within the dedup window the same signals are neither persisted nor decided again.
    decider.calls.length = 0;
    const second = await r.run(accountId);
    expect(decider.calls).toEqual([]);
    expect(second.counts).toMatchObject({ decision_count: 0, triage: { deduped: 4 }, signal_events_written: 0 });
    expect((await eventsOf(accountId, second.correlationId)).filter((e) => e.kind.startsWith("fleet."))).toEqual([]);
    expect((await conditionsOf(accountId)).every((s) => s.dedup_count === 1)).toBe(true);
  });

  it("does not stamp the dedup window for skipped(no_binding) or an engine error", async () => {
    const accountId = await account();
    await seedInstances(database, accountId, 2, { status: "running", last_heartbeat_at: ago(400) });
    let n = 0;
    const decider = new RecordingDecider(() => {
      n++;
      if (n === 1) throw new Error("gate exploded");
      return { decision: "skipped", reasons: [{ code: "no_binding" }] };
    });
    const result = await runner({ decider }).run(accountId);
    expect(result.status).toBe("partial");
    expect(result.counts.by_decision).toEqual({ skipped: 2 });
    expect((await conditionsOf(accountId)).every((s) => s.last_decided_at === null)).toBe(true);
  });

  it("leaves the rest undecided once the tick budget is spent, and says over_budget", async () => {
    const accountId = await account();
    await seedInstances(database, accountId, 3, { status: "running", last_heartbeat_at: ago(400) });
    let offset = 0;
    const decider = new RecordingDecider(() => {
      offset = 3600_000; // the first decision "takes an hour"
      return { decision: "pending", reasons: [] };
    });
    const hooks = { rollouts: async () => ({ rollouts_advanced: 1 }), breakers: async () => ({ breakers_checked: 1 }) };
    const result = await runner({ decider, clock: () => new Date(Date.now() + offset), hooks }).run(accountId);
    expect(result.status).toBe("over_budget");
    expect(result.counts).toMatchObject({ decision_count: 1, undecided: 2 });
    // Step 7 always runs; steps 8–10 are skipped when over budget.
    expect(result.counts.steps).toEqual({ breakers_checked: 1 });
  });

  it("runs the hooked steps and merges their counters into the summary", async () => {
    const accountId = await account();
    const hooks = {
      expire_approvals: async () => ({ approvals_expired: 2 }),
      validate: async () => ({ validated: 3 }),
      pressure: async () => {
        throw new Error("webhook down");
      },
    };
    const result = await runner({ hooks }).run(accountId);
    expect(result.counts).toMatchObject({ approvals_expired: 2, validated: 3 });
    expect(result.status).toBe("partial");
  });

  it("runs one tick per account at a time: a concurrent one is skipped_locked", async () => {
    const accountId = await account();
    await seedInstances(database, accountId, 200, { status: "running", last_heartbeat_at: ago(400) });
    const r = runner();
    const [a, b] = await Promise.all([r.run(accountId), r.run(accountId)]);
    expect([a.status, b.status].sort()).toEqual(["ok", "skipped_locked"]);
    const rows = await database.db
      .select({ status: fleet_ticks.status })
      .from(fleet_ticks)
      .where(inArray(fleet_ticks.id, [a.tickId, b.tickId]));
    expect(rows.map((x) => x.status).sort()).toEqual(["ok", "skipped_locked"]);
    // The lock is released at the end: the next tick runs.
    expect((await r.run(accountId)).status).toBe("ok");
  });

  it.runIf(!!process.env.NODEPILOT_TEST_DATABASE_URL)(
    "refuses a second runner (another process) through the advisory lock on PostgreSQL",
    async () => {
      const accountId = await account();
      await seedInstances(database, accountId, 300, { status: "running", last_heartbeat_at: ago(400) });
      const [a, b] = await Promise.all([runner().run(accountId), runner().run(accountId)]);
      expect([a.status, b.status].sort()).toEqual(["ok", "skipped_locked"]);
    },
  );

  it("marks a crashed tick failed, keeps what it committed, and releases the lock", async () => {
    const accountId = await account();
    await seedInstances(database, accountId, 1, { status: "running", last_heartbeat_at: ago(400) });
    // The clock fails once, when the decide step reads it: the tick crashes after sensing.
    let calls = 0;
    const clock = () => {
      calls++;
      if (calls === 2) throw new Error("clock stopped");
      return new Date();
    };
    await expect(runner({ decider: new RecordingDecider(), clock }).run(accountId)).rejects.toThrow("clock stopped");
    const [row] = await database.db.select().from(fleet_ticks).where(eq(fleet_ticks.account_id, accountId));
    expect(row).toMatchObject({ status: "failed", error: "clock stopped" });
    expect(await conditionsOf(accountId)).toHaveLength(1);
    const events = await eventsOf(accountId, row!.correlation_id);
    expect(events.at(-1)).toMatchObject({ kind: "autonomy.tick_completed", payload: { status: "failed" } });
    expect((await runner().run(accountId)).status).toBe("ok");
  });
});
