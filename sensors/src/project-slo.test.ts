import { describe, expect, it } from "vitest";
import {
  breachSeverity,
  errorBudgetPct,
  overshootPct,
  type ProjectRow,
  projectSignals,
  projectSlo,
  projectTargets,
  shortfallPct,
} from "./project-slo.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = projectSlo.settings.parse({});
const P = "0190aaaa-0000-7000-8000-0000000000e1";
const CORR = "0190aaaa-0000-7000-8000-0000000000e9";
/** A healthy project: every metric on target. */
const row = (over: Partial<ProjectRow>): ProjectRow => ({
  id: P,
  slo_targets: {},
  brief: { scale: { initial: 3 }, regions: ["eu-west", "us-east"], budget: { monthly_cap_usd: 1000 } },
  availability_pct: 99.9,
  p99_latency_ms: 200,
  throughput: 500,
  cost_usd: 800,
  replica_count: 3,
  region_count: 2,
  observed_at: ago(60),
  correlation_id: CORR,
  ...over,
});
const summary = (r: ProjectRow, s = defaults) =>
  projectSignals(r, s, now).map((x) => `${x.fingerprint.split(":")[0]}:${x.severity}`);

describe("breach_pct formulas (§1.4)", () => {
  it.each([
    ["latency/cost overshoot", overshootPct(300, 250), 20],
    ["latency/cost overshoot, 1 decimal", overshootPct(251, 250), 0.4],
    ["availability error budget", errorBudgetPct(99.25, 99.5), 50],
    ["availability error budget, 99.9 target", errorBudgetPct(99.89, 99.9), 10],
    ["availability with no error budget", errorBudgetPct(99.99, 100), 100],
    ["throughput floor shortfall", shortfallPct(75, 100), 25],
  ])("%s", (_label, got, expected) => {
    expect(got).toBe(expected);
  });

  it.each([
    [0.1, "low"],
    [9.9, "low"],
    [10, "medium"],
    [24.9, "medium"],
    [25, "high"],
    [49.9, "high"],
    [50, "critical"],
    [400, "critical"],
  ])("breach %s %% → %s", (pct, severity) => {
    expect(breachSeverity(pct)).toBe(severity);
  });
});

describe("project_slo", () => {
  it.each<[string, Partial<ProjectRow>, string[]]>([
    ["on target", {}, []],
    ["latency at target", { p99_latency_ms: 250 }, []],
    ["latency 10 % over", { p99_latency_ms: 275 }, ["project_slo_violation:medium"]],
    ["latency 9.6 % over", { p99_latency_ms: 274 }, ["project_slo_violation:low"]],
    ["latency 50 % over", { p99_latency_ms: 375 }, ["project_slo_violation:critical"]],
    ["availability at target", { availability_pct: 99.5 }, []],
    ["availability burns 30 % of the budget", { availability_pct: 99.35 }, ["project_slo_violation:high"]],
    [
      "latency reported before availability",
      { p99_latency_ms: 260, availability_pct: 90 },
      ["project_slo_violation:low"],
    ],
    ["replicas below the brief", { replica_count: 2 }, ["project_drift:medium"]],
    ["regions below the brief", { region_count: 1 }, ["project_drift:medium"]],
    ["cost at the cap", { cost_usd: 1000 }, []],
    ["cost 30 % over the cap", { cost_usd: 1300 }, ["project_cost_breach:high"]],
    [
      "everything at once: at most 3 signals",
      { p99_latency_ms: 600, availability_pct: 80, throughput: 1, replica_count: 9, region_count: 9, cost_usd: 5000 },
      ["project_slo_violation:critical", "project_drift:medium", "project_cost_breach:critical"],
    ],
    [
      "metrics exactly 600 s old are current",
      { observed_at: ago(600), p99_latency_ms: 375 },
      ["project_slo_violation:critical"],
    ],
    ["metrics 601 s old", { observed_at: ago(601), p99_latency_ms: 999 }, ["project_unmeasured:low"]],
    [
      "no metrics at all",
      { observed_at: null, p99_latency_ms: null, availability_pct: null },
      ["project_unmeasured:low"],
    ],
    ["unmeasured metric is not a violation", { p99_latency_ms: null, availability_pct: null, throughput: null }, []],
  ])("%s → %j", (_label, over, expected) => {
    expect(summary(row(over))).toEqual(expected);
  });

  it("violation payload: the first failing metric with its target and breach", () => {
    const [s] = projectSignals(row({ availability_pct: 99.0 }), defaults, now);
    expect(s).toEqual({
      kind: "fleet.project_slo_violation",
      severity: "critical",
      sensor: "project_slo",
      fingerprint: `project_slo_violation:${P}:availability_pct`,
      payload: {
        project_id: P,
        metric: "availability_pct",
        observed: 99,
        target: 99.5,
        breach_pct: 100,
        replica_count: 3,
        correlation_id: CORR,
      },
      refs: {},
    });
  });

  it("throughput floor from slo_targets", () => {
    const [s] = projectSignals(row({ slo_targets: { throughput_floor: 1000 }, throughput: 500 }), defaults, now);
    expect(s?.fingerprint).toBe(`project_slo_violation:${P}:throughput`);
    expect(s?.payload).toMatchObject({ observed: 500, target: 1000, breach_pct: 50 });
    expect(s?.severity).toBe("critical");
  });

  it("drift and cost payloads", () => {
    const signals = projectSignals(row({ replica_count: 5, cost_usd: 1100 }), defaults, now);
    expect(signals[0]).toMatchObject({
      fingerprint: `project_drift:${P}:replica_count`,
      payload: { project_id: P, drift_type: "replica_count", observed: 5, target: 3, replica_count: 5 },
    });
    expect(signals[1]).toMatchObject({
      kind: "fleet.project_cost_breach",
      severity: "medium",
      fingerprint: `project_cost_breach:${P}`,
      payload: { project_id: P, observed_usd: 1100, target_usd: 1000, breach_pct: 10 },
    });
  });

  it("unmeasured payload names the last metric time", () => {
    const [s] = projectSignals(row({ observed_at: ago(4000) }), defaults, now);
    expect(s?.payload).toEqual({ project_id: P, last_metric_at: ago(4000).toISOString() });
  });

  it("targets: slo_targets, then the brief, then the account settings", () => {
    const s = projectSlo.settings.parse({ p99_latency_ms: 500, availability_pct: 99, cost_ceiling_usd: 50 });
    expect(projectTargets({ slo_targets: {}, brief: {} }, s)).toEqual({
      availability_pct: 99,
      p99_latency_ms: 500,
      throughput_floor: undefined,
      cost_ceiling_usd: 50,
      replica_count: undefined,
      region_count: undefined,
    });
    expect(
      projectTargets({ slo_targets: {}, brief: { p99_latency_ms: 100, budget: { monthly_cap_usd: 70 } } }, s),
    ).toMatchObject({ p99_latency_ms: 100, cost_ceiling_usd: 70 });
    expect(
      projectTargets(
        {
          slo_targets: { p99_latency_ms: 80, availability_pct: 99.99, cost_ceiling_usd: 90 },
          brief: { p99_latency_ms: 100 },
        },
        s,
      ),
    ).toMatchObject({ p99_latency_ms: 80, availability_pct: 99.99, cost_ceiling_usd: 90 });
    // Nonsense targets in a document fall back instead of dividing by zero.
    expect(projectTargets({ slo_targets: { p99_latency_ms: 0, availability_pct: 150 }, brief: {} }, s)).toMatchObject({
      p99_latency_ms: 500,
      availability_pct: 99,
    });
  });

  it("no cost ceiling anywhere → no cost signal", () => {
    expect(summary(row({ brief: { scale: { initial: 3 }, regions: ["a", "b"] }, cost_usd: 1e9 }))).toEqual([]);
  });

  it.each([[{ availability_pct: 101 }], [{ cost_ceiling_usd: 0 }], [{ metrics_stale_seconds: 0 }], [{ extra: 1 }]])(
    "refuses settings %j",
    (bad) => {
      expect(projectSlo.settings.safeParse(bad).success).toBe(false);
    },
  );
});
