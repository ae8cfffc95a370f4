// module_drift: severity by total changes (table), payload shape, then one statement over 1,000
// converged running instances plus the drifted cases (missing, extra, mismatched, disabled
// assignments, modules without a current version, stopped instances).
import { node_instances } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driftSeverity, driftSignal, type ModuleDriftRow, moduleDrift } from "./module-drift.ts";
import {
  createTestAccount,
  deleteTestAccount,
  openTestDatabase,
  seedInstances,
  senseCounted,
} from "./testing/database.ts";
import { assignModule, fakeDigest, type SeededModule, seedModule } from "./testing/modules.ts";

const defaults = moduleDrift.settings.parse({});
const m = (i: number) => `01900000-0000-7000-8000-0000000000${String(i).padStart(2, "0")}`;
const row = (missing: number, extra: number, mismatched: number): ModuleDriftRow => ({
  id: "01900000-0000-7000-8000-000000000001",
  node_id: "01900000-0000-7000-8000-0000000000aa",
  missing: Array.from({ length: missing }, (_, i) => ({ module_id: m(i), expected_digest: "sha256:a" })),
  extra: Array.from({ length: extra }, (_, i) => ({ module_id: m(20 + i), running_digest: "sha256:b" })),
  mismatched: Array.from({ length: mismatched }, (_, i) => ({
    module_id: m(40 + i),
    expected_digest: "sha256:c",
    running_digest: "sha256:d",
  })),
});

describe("module_drift rules", () => {
  it.each([
    [0, 0, 0, null],
    [1, 0, 0, "medium"],
    [0, 1, 1, "medium"],
    [1, 1, 1, "high"],
    [0, 0, 4, "high"],
    [2, 2, 1, "critical"],
    [0, 9, 0, "critical"],
  ])("missing %s, extra %s, mismatched %s → %s", (a, b, c, severity) => {
    expect(driftSignal(row(a, b, c), defaults)?.severity ?? null).toBe(severity);
  });

  it("follows per-account change thresholds", () => {
    const s = moduleDrift.settings.parse({ high_changes: 2, critical_changes: 10 });
    expect([driftSeverity(1, s), driftSeverity(2, s), driftSeverity(9, s), driftSeverity(10, s)]).toEqual([
      "medium",
      "high",
      "high",
      "critical",
    ]);
  });

  it("reports full counts but lists at most 40 entries per kind", () => {
    const signal = driftSignal(row(45, 1, 0), defaults)!;
    expect(signal.fingerprint).toBe("module_drift:01900000-0000-7000-8000-000000000001");
    expect(signal.payload).toMatchObject({ missing_count: 45, extra_count: 1, mismatched_count: 0 });
    expect(signal.payload.missing).toHaveLength(40);
    expect(signal.refs).toEqual({ node_id: row(0, 0, 0).node_id, node_instance_id: row(0, 0, 0).id });
  });
});

describe("module_drift on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const modules: SeededModule[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    for (let i = 0; i < 6; i++) modules.push(await seedModule(database, accountId));
    const [a, b, c, d, e, f] = modules as [
      SeededModule,
      SeededModule,
      SeededModule,
      SeededModule,
      SeededModule,
      SeededModule,
    ];
    const noVersion = await seedModule(database, accountId, { current: false });
    const converged = { [a.moduleId]: a.digest, [b.moduleId]: b.digest };
    // 1,000 converged running instances on one node assigned a and b (plus a disabled c and a module
    // with nothing to deliver, neither of which they need to run).
    const fleet = await seedInstances(database, accountId, 1000, {
      status: "running",
      running_module_digests: converged,
    });
    await assignModule(database, accountId, fleet.nodeId, a.moduleId);
    await assignModule(database, accountId, fleet.nodeId, b.moduleId);
    await assignModule(database, accountId, fleet.nodeId, c.moduleId, { enabled: false });
    await assignModule(database, accountId, fleet.nodeId, noVersion.moduleId);

    const drifted = await seedInstances(database, accountId, 4, { status: "running" });
    for (const mod of [a, b, c, d, e]) await assignModule(database, accountId, drifted.nodeId, mod.moduleId);
    const [medium, high, critical, extraOnly] = drifted.instanceIds as [string, string, string, string];
    const set = (id: string, digests: Record<string, string>) =>
      database.db.update(node_instances).set({ running_module_digests: digests }).where(eq(node_instances.id, id));
    const all5 = Object.fromEntries([a, b, c, d, e].map((x) => [x.moduleId, x.digest]));
    await set(medium, { ...all5, [a.moduleId]: fakeDigest() }); // 1 mismatched
    await set(high, { [a.moduleId]: a.digest, [b.moduleId]: b.digest, [f.moduleId]: f.digest }); // 3 missing + 1 extra
    await set(critical, {}); // 5 missing
    await set(extraOnly, { ...all5, [f.moduleId]: f.digest }); // 1 extra
    Object.assign(ids, { medium, high, critical, extraOnly });
    // A stopped instance missing everything is not running anything to drift.
    const stopped = await seedInstances(database, accountId, 1, { status: "stopped" });
    await assignModule(database, accountId, stopped.nodeId, a.moduleId);
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("compares 1,000 instances in one statement and reports each drifted one", async () => {
    const result = await senseCounted(database, moduleDrift, { accountId, now: new Date() });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as { fingerprint: string; severity: string; payload: Record<string, unknown> }[];
    const by = Object.fromEntries(signals.map((s) => [s.fingerprint, s]));
    expect(signals).toHaveLength(4);
    expect(by[`module_drift:${ids.medium}`]).toMatchObject({
      severity: "medium",
      payload: { missing_count: 0, extra_count: 0, mismatched_count: 1 },
    });
    expect(by[`module_drift:${ids.high}`]).toMatchObject({
      severity: "high",
      payload: { missing_count: 3, extra_count: 1, mismatched_count: 0 },
    });
    expect(by[`module_drift:${ids.critical}`]).toMatchObject({ severity: "critical", payload: { missing_count: 5 } });
    expect(by[`module_drift:${ids.extraOnly}`]?.payload.extra).toEqual([
      { module_id: modules[5]!.moduleId, running_digest: modules[5]!.digest },
    ]);
    const mismatched = by[`module_drift:${ids.medium}`]?.payload.mismatched as { expected_digest: string }[];
    expect(mismatched[0]?.expected_digest).toBe(modules[0]!.digest);
  });
});
