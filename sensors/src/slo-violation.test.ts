// slo_violation: severity by violated targets, the comparator edges and the min_samples rule
// (tables), then one statement that aggregates 1,000+ samples per SLO in the database.
import { module_slo_samples, module_slos, type SloTarget } from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeasuredTarget, type SloRow, sloSignal, sloViolation, violates } from "./slo-violation.ts";
import { createTestAccount, deleteTestAccount, openTestDatabase, senseCounted } from "./testing/database.ts";
import { seedModule } from "./testing/modules.ts";

const defaults = sloViolation.settings.parse({});
const target = (o: Partial<MeasuredTarget>): MeasuredTarget => ({
  metric: "latency_ms",
  aggregation: "p99",
  comparator: "lte",
  objective: 250,
  samples: 10,
  observed: 100,
  ...o,
});
const slo = (targets: MeasuredTarget[]): SloRow => ({
  id: "01900000-0000-7000-8000-0000000005a1",
  node_module_id: "01900000-0000-7000-8000-0000000000e1",
  name: "api",
  window_seconds: 3600,
  targets,
  last_sample_at: "2026-01-01 11:59:00+00",
});
const bad = target({ observed: 300 });

describe("slo_violation rules", () => {
  it.each([
    ["lte at the objective", target({ observed: 250 }), false],
    ["lte above it", target({ observed: 250.001 }), true],
    ["gte at the objective", target({ comparator: "gte", objective: 99.5, observed: 99.5 }), false],
    ["gte below it", target({ comparator: "gte", objective: 99.5, observed: 99.49 }), true],
    ["no observation", target({ observed: null, samples: 0 }), false],
  ])("%s → violated %s", (_l, t, violated) => {
    expect(violates(t)).toBe(violated);
  });

  it.each([
    [[target({})], null],
    [[bad], "medium"],
    [[bad, bad], "high"],
    [[bad, bad, bad], "critical"],
    [[bad, bad, bad, bad, target({})], "critical"],
  ])("%# violated targets → %s", (targets, severity) => {
    expect(sloSignal(slo(targets), defaults)?.severity ?? null).toBe(severity);
  });

  it("is unmeasured (low) when any target has fewer than min_samples", () => {
    const s = sloSignal(slo([bad, target({ samples: 4 })]), defaults)!;
    expect(s).toMatchObject({
      kind: "fleet.slo_unmeasured",
      severity: "low",
      fingerprint: "slo_unmeasured:01900000-0000-7000-8000-0000000005a1",
      payload: { sample_count: 4, last_sample_at: "2026-01-01T11:59:00.000Z", slo_name: "api", window_seconds: 3600 },
    });
    expect(sloSignal(slo([target({ samples: 5 })]), defaults)).toBeNull();
    expect(sloSignal(slo([target({ samples: 2 })]), sloViolation.settings.parse({ min_samples: 2 }))).toBeNull();
  });

  it("lists each violation with its objective and observation", () => {
    const s = sloSignal(
      slo([
        bad,
        target({
          metric: "availability_pct",
          aggregation: "avg",
          comparator: "gte",
          objective: 99.5,
          observed: 97.12345,
        }),
      ]),
      defaults,
    )!;
    expect(s.fingerprint).toBe("slo_violation:01900000-0000-7000-8000-0000000005a1");
    expect(s.payload.violations).toEqual([
      { target: "p99(latency_ms) <= 250", objective: 250, observed: 300 },
      { target: "avg(availability_pct) >= 99.5", objective: 99.5, observed: 97.123 },
    ]);
    expect(s.payload.module_id).toBe("01900000-0000-7000-8000-0000000000e1");
  });
});

describe("slo_violation on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const now = new Date();
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  const ids: Record<string, string> = {};

  const TARGETS: SloTarget[] = [
    { metric: "latency_ms", aggregation: "p99", comparator: "lte", objective: 250 },
    { metric: "availability_pct", aggregation: "avg", comparator: "gte", objective: 99.5 },
    { metric: "error_rate_pct", aggregation: "max", comparator: "lte", objective: 1 },
  ];

  async function seedSlo(name: string, samples: { metric: string; value: number; at: Date }[], enabled = true) {
    const mod = await seedModule(database, accountId);
    const [row] = await database.db
      .insert(module_slos)
      .values({
        account_id: accountId,
        node_module_id: mod.moduleId,
        name,
        window_seconds: 3600,
        targets: TARGETS,
        enabled,
      })
      .returning();
    for (let i = 0; i < samples.length; i += 1000) {
      await database.db.insert(module_slo_samples).values(
        samples.slice(i, i + 1000).map((s) => ({
          account_id: accountId,
          node_module_id: mod.moduleId,
          metric: s.metric,
          value: s.value,
          observed_at: s.at,
        })),
      );
    }
    return row!.id;
  }
  const series = (metric: string, n: number, value: (i: number) => number, from = 60) =>
    Array.from({ length: n }, (_, i) => ({ metric, value: value(i), at: ago(from + i) }));

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    // Healthy: 1,000 latency samples, p99 under 250 (one outlier of 900 does not move p99).
    ids.healthy = await seedSlo("healthy", [
      ...series("latency_ms", 1000, (i) => (i === 0 ? 900 : 100 + (i % 50))),
      ...series("availability_pct", 20, () => 99.9),
      ...series("error_rate_pct", 20, () => 0.2),
    ]);
    // Latency breaches the p99 objective only.
    ids.oneBad = await seedSlo("one-bad", [
      ...series("latency_ms", 200, (i) => (i < 10 ? 400 : 120)),
      ...series("availability_pct", 20, () => 99.9),
      ...series("error_rate_pct", 20, () => 0.2),
    ]);
    ids.allBad = await seedSlo("all-bad", [
      ...series("latency_ms", 50, () => 500),
      ...series("availability_pct", 20, () => 95),
      ...series("error_rate_pct", 20, (i) => (i === 3 ? 4 : 0.5)),
    ]);
    // Plenty of samples, but all but three availability samples are older than the window.
    ids.unmeasured = await seedSlo("unmeasured", [
      ...series("latency_ms", 50, () => 100),
      ...series("availability_pct", 3, () => 99.9),
      ...series("availability_pct", 100, () => 50, 4000),
      ...series("error_rate_pct", 20, () => 0.2),
    ]);
    await seedSlo(
      "disabled",
      series("latency_ms", 50, () => 10_000),
      false,
    );
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("aggregates every SLO's window in one statement", async () => {
    const result = await senseCounted(database, sloViolation, { accountId, now });
    expect(result.statements).toHaveLength(1);
    const signals = result.signals as {
      kind: string;
      fingerprint: string;
      severity: string;
      payload: Record<string, unknown>;
    }[];
    const by = Object.fromEntries(signals.map((s) => [s.fingerprint, s]));
    expect(signals).toHaveLength(3);
    expect(by[`slo_violation:${ids.oneBad}`]).toMatchObject({ severity: "medium" });
    expect(by[`slo_violation:${ids.oneBad}`]?.payload.violations).toEqual([
      expect.objectContaining({ target: "p99(latency_ms) <= 250", objective: 250, observed: 400 }),
    ]);
    expect(by[`slo_violation:${ids.allBad}`]).toMatchObject({ severity: "critical" });
    expect(by[`slo_violation:${ids.allBad}`]?.payload.violations).toEqual([
      { target: "p99(latency_ms) <= 250", objective: 250, observed: 500 },
      { target: "avg(availability_pct) >= 99.5", objective: 99.5, observed: 95 },
      { target: "max(error_rate_pct) <= 1", objective: 1, observed: 4 },
    ]);
    expect(by[`slo_unmeasured:${ids.unmeasured}`]).toMatchObject({
      kind: "fleet.slo_unmeasured",
      severity: "low",
      payload: { sample_count: 3, last_sample_at: ago(60).toISOString() },
    });
  });
});
