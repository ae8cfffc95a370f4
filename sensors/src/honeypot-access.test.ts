// honeypot_access: fingerprints and payloads for hosted and unhosted triggers (pure), then one
// statement that maps recent triggers to the running instances of nodes assigned the canary.
import { type EventInput, emitEvent, systemPrincipal } from "@nodepilot/core";
import { fleet_events } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { honeypotAccess, honeypotSignal } from "./honeypot-access.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";
import { assignModule, seedModule } from "./testing/modules.ts";

describe("honeypot_access rules", () => {
  const base = {
    event_id: "01900000-0000-7000-8000-0000000000b1",
    module_id: "01900000-0000-7000-8000-0000000000e1",
    source: "203.0.113.9",
    emitted_at: "2026-01-01 12:00:00+00",
  };

  it("fires critical per hosting instance", () => {
    expect(
      honeypotSignal({
        ...base,
        instance_id: "01900000-0000-7000-8000-000000000001",
        node_id: "01900000-0000-7000-8000-0000000000aa",
      }),
    ).toEqual({
      kind: "fleet.honeypot_access",
      severity: "critical",
      sensor: "honeypot_access",
      fingerprint: "honeypot_access:01900000-0000-7000-8000-0000000000b1:01900000-0000-7000-8000-000000000001",
      payload: {
        event_id: base.event_id,
        module_id: base.module_id,
        source: "203.0.113.9",
        emitted_at: "2026-01-01T12:00:00.000Z",
        instance_id: "01900000-0000-7000-8000-000000000001",
        node_id: "01900000-0000-7000-8000-0000000000aa",
      },
      refs: {
        node_module_id: base.module_id,
        node_instance_id: "01900000-0000-7000-8000-000000000001",
        node_id: "01900000-0000-7000-8000-0000000000aa",
      },
    });
  });

  it("fires once, critical, for a trigger no running instance hosts", () => {
    const s = honeypotSignal({ ...base, instance_id: null, node_id: null });
    expect(s.fingerprint).toBe("honeypot_access:01900000-0000-7000-8000-0000000000b1");
    expect(s.severity).toBe("critical");
    expect(s.payload).not.toHaveProperty("instance_id");
  });
});

describe("honeypot_access on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const now = new Date();
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  let hosts: string[];
  let hostedEvent: string;
  let unhostedEvent: string;
  let malformedEvent: string;

  async function trigger(at: Date, input: Omit<EventInput, "kind">, kind = "fleet.honeypot_triggered") {
    const seq = await database.db.transaction((tx) =>
      emitEvent(
        tx,
        { principal: systemPrincipal(accountId, []), source: "agent", correlationId: null, now: at },
        { kind, severity: "high", ...input },
      ),
    );
    const [row] = await database.db
      .select({ id: fleet_events.id })
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, accountId), eq(fleet_events.seq, seq)));
    return row!.id;
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    const canary = await seedModule(database, accountId);
    const lonely = await seedModule(database, accountId);
    const ordinary = await seedModule(database, accountId);
    const fleet = await seedInstances(database, accountId, 1000, { status: "running" });
    await assignModule(database, accountId, fleet.nodeId, ordinary.moduleId);
    const canaryNode = await seedInstances(database, accountId, 2, { status: "running" });
    hosts = canaryNode.instanceIds;
    await assignModule(database, accountId, canaryNode.nodeId, canary.moduleId);
    const stopped = await seedInstances(database, accountId, 1, { status: "stopped" });
    await assignModule(database, accountId, stopped.nodeId, canary.moduleId);
    const off = await seedInstances(database, accountId, 1, { status: "running" });
    await assignModule(database, accountId, off.nodeId, canary.moduleId, { enabled: false });

    hostedEvent = await trigger(ago(300), { node_module_id: canary.moduleId, payload: { source: "198.51.100.7" } });
    unhostedEvent = await trigger(ago(60), { payload: { module_id: lonely.moduleId } });
    await trigger(ago(1200), { node_module_id: canary.moduleId });
    await trigger(ago(30), { node_module_id: canary.moduleId }, "fleet.something_else");
    malformedEvent = await trigger(ago(30), { payload: { module_id: "not-a-uuid" } });
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("maps recent triggers to hosting instances in one statement", async () => {
    const result = await senseCounted(database, honeypotAccess, { accountId, now });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as { fingerprint: string; payload: Record<string, unknown> }[];
    const fingerprints = signals.map((s) => s.fingerprint).sort();
    expect(fingerprints).toEqual(
      [
        ...hosts.map((id) => `honeypot_access:${hostedEvent}:${id}`),
        `honeypot_access:${unhostedEvent}`,
        // A trigger naming no usable module cannot be hosted anywhere: investigated, not dropped.
        `honeypot_access:${malformedEvent}`,
      ].sort(),
    );
    expect(signals.find((s) => s.fingerprint.startsWith(`honeypot_access:${hostedEvent}`))?.payload.source).toBe(
      "198.51.100.7",
    );
    expect(signals.find((s) => s.fingerprint === `honeypot_access:${unhostedEvent}`)?.payload.source).toBe("agent");
  });
});
