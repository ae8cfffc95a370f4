// config_drift: the staleness edge and the apply rules (table), then one statement over a node of
// 1,000 running instances with applied configuration plus the drifted and skipped cases.
import { randomUUID } from "node:crypto";
import { node_instances, tasks } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConfigDriftRow, configDrift, configDriftSignal } from "./config-drift.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";
import { assignModule, seedModule } from "./testing/modules.ts";

const now = new Date();
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = configDrift.settings.parse({});
const row = (o: Partial<ConfigDriftRow>): ConfigDriftRow => ({
  id: "01900000-0000-7000-8000-0000000000a1",
  node_id: "01900000-0000-7000-8000-0000000000aa",
  node_module_id: "01900000-0000-7000-8000-0000000000e1",
  updated_at: ago(600),
  instance_ids: ["01900000-0000-7000-8000-000000000002", "01900000-0000-7000-8000-000000000001"],
  last_apply_at: null,
  in_flight: false,
  ...o,
});

describe("config_drift rules", () => {
  it.each([
    ["changed 300 s ago", row({ updated_at: ago(300) }), false],
    ["changed 301 s ago, never applied", row({ updated_at: ago(301) }), true],
    ["applied before the change", row({ last_apply_at: ago(700) }), true],
    ["applied after the change", row({ last_apply_at: ago(100) }), false],
    ["applied at the change", row({ last_apply_at: ago(600) }), false],
    ["an apply in flight", row({ in_flight: true }), false],
    ["no running instance", row({ instance_ids: [] }), false],
  ])("%s → fires %s", (_l, r, fires) => {
    expect(configDriftSignal(r, defaults, now) !== null).toBe(fires);
  });

  it("carries the spec payload, instance ids sorted", () => {
    const s = configDriftSignal(row({ last_apply_at: ago(900) }), defaults, now)!;
    expect(s).toEqual({
      kind: "fleet.config_drift",
      severity: "medium",
      sensor: "config_drift",
      fingerprint: "config_drift:01900000-0000-7000-8000-0000000000a1",
      payload: {
        node_id: "01900000-0000-7000-8000-0000000000aa",
        module_id: "01900000-0000-7000-8000-0000000000e1",
        assignment_id: "01900000-0000-7000-8000-0000000000a1",
        instance_ids: ["01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002"],
        changed_at: ago(600).toISOString(),
        last_apply_at: ago(900).toISOString(),
      },
      refs: { node_id: "01900000-0000-7000-8000-0000000000aa", node_module_id: "01900000-0000-7000-8000-0000000000e1" },
    });
  });

  it("follows the per-account staleness threshold", () => {
    const s = configDrift.settings.parse({ stale_threshold_seconds: 60 });
    expect(configDriftSignal(row({ updated_at: ago(61) }), s, now)).not.toBeNull();
  });
});

describe("config_drift on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const fires: Record<string, string> = {};

  async function applyTask(instanceId: string, status: "succeeded" | "pending" | "running", completedAt: Date | null) {
    await database.db.insert(tasks).values({
      account_id: accountId,
      subject_type: "node_instance",
      subject_id: instanceId,
      command: "apply_config",
      executor: "agent",
      status,
      payload_sha256: randomUUID(),
      expires_at: new Date(now.getTime() + 3600_000),
      initiated_by_type: "system",
      completed_at: completedAt,
    });
  }

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    const mod = await seedModule(database, accountId);
    const running = { status: "running" as const };
    // 1,000 running instances that applied after the change.
    const big = await seedInstances(database, accountId, 1000, running);
    await assignModule(database, accountId, big.nodeId, mod.moduleId, { updatedAt: ago(3600) });
    await applyTask(big.instanceIds[7]!, "succeeded", ago(1800));

    const never = await seedInstances(database, accountId, 2, running);
    fires.never = await assignModule(database, accountId, never.nodeId, mod.moduleId, { updatedAt: ago(600) });
    const before = await seedInstances(database, accountId, 1, running);
    fires.before = await assignModule(database, accountId, before.nodeId, mod.moduleId, { updatedAt: ago(600) });
    await applyTask(before.instanceIds[0]!, "succeeded", ago(1200));
    // The only apply since the change ran on an instance that is no longer running.
    const moved = await seedInstances(database, accountId, 1, running);
    fires.moved = await assignModule(database, accountId, moved.nodeId, mod.moduleId, { updatedAt: ago(600) });
    const gone = await seedInstances(database, accountId, 1, { status: "stopped" });
    await database.db
      .update(node_instances)
      .set({ node_id: moved.nodeId, name: "was-running" })
      .where(eq(node_instances.id, gone.instanceIds[0]!));
    await applyTask(gone.instanceIds[0]!, "succeeded", ago(60));

    const recent = await seedInstances(database, accountId, 1, running);
    await assignModule(database, accountId, recent.nodeId, mod.moduleId, { updatedAt: ago(120) });
    const inFlight = await seedInstances(database, accountId, 1, running);
    await assignModule(database, accountId, inFlight.nodeId, mod.moduleId, { updatedAt: ago(600) });
    await applyTask(inFlight.instanceIds[0]!, "pending", null);
    const idle = await seedInstances(database, accountId, 2, { status: "stopped" });
    await assignModule(database, accountId, idle.nodeId, mod.moduleId, { updatedAt: ago(600) });
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("finds the unapplied assignments in one statement", async () => {
    const result = await senseCounted(database, configDrift, { accountId, now });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as {
      fingerprint: string;
      payload: { instance_ids: string[]; last_apply_at: string | null };
    }[];
    expect(signals.map((s) => s.fingerprint).sort()).toEqual(
      [fires.never, fires.before, fires.moved].map((id) => `config_drift:${id}`).sort(),
    );
    const never = signals.find((s) => s.fingerprint === `config_drift:${fires.never}`)!;
    expect(never.payload.instance_ids).toHaveLength(2);
    expect(never.payload.last_apply_at).toBeNull();
    const before = signals.find((s) => s.fingerprint === `config_drift:${fires.before}`)!;
    expect(before.payload.last_apply_at).toBe(ago(1200).toISOString());
  });
});
