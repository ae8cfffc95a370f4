// Sensor #15 project_slo (spec/autonomy.md §1.2, §1.4): per active infrastructure project, the
// newest metric row against the project's targets. At most three signals a project: one SLO
// violation (the first failing of p99 latency, availability, throughput floor), one shape drift
// (replica count, then region count, against the brief) and one cost breach. Violation and cost
// severities follow breach_pct (≥ 50 critical, ≥ 25 high, ≥ 10 medium, else low); drift is medium.
// Metrics older than metrics_stale_seconds, or none, say nothing about health: only
// `fleet.project_unmeasured` (low).
//
// Targets: the project's slo_targets win, then its brief (p99 latency, budget.monthly_cap_usd,
// scale.initial, regions), then the account's settings.
import type { Severity } from "@nodepilot/core";
import type { ProjectBrief, ProjectSloTargets } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, positiveNumber, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  availability_pct: z.number().positive().max(100).default(99.5),
  p99_latency_ms: positiveNumber(250),
  /** No default: the ceiling is the brief's monthly cap unless the account sets one. */
  cost_ceiling_usd: z.number().positive().optional(),
  metrics_stale_seconds: positiveInt(600),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface ProjectRow {
  id: string;
  slo_targets: ProjectSloTargets;
  brief: ProjectBrief;
  availability_pct: number | null;
  p99_latency_ms: number | null;
  throughput: number | null;
  cost_usd: number | null;
  replica_count: number | null;
  region_count: number | null;
  /** Null when the project has no metric row yet. */
  observed_at: DbTime | null;
  correlation_id: string | null;
}

const positive = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined;
const count = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
const oneDecimal = (v: number): number => Math.round(v * 10) / 10;

/** §1.4: higher-is-worse metrics (latency, cost) breach by their overshoot of the target. */
export const overshootPct = (observed: number, target: number): number =>
  oneDecimal(((observed - target) / target) * 100);

/** §1.4: availability breaches by the share of the error budget (100 − target) used. */
export function errorBudgetPct(observed: number, target: number): number {
  // A 100 % target has no error budget: any shortfall has used all of it (and more).
  if (target >= 100) return 100;
  return oneDecimal(((target - observed) / (100 - target)) * 100);
}

/** §1.4: a throughput floor breaches by the shortfall below it. */
export const shortfallPct = (observed: number, target: number): number =>
  oneDecimal(((target - observed) / target) * 100);

export function breachSeverity(breachPct: number): Severity {
  if (breachPct >= 50) return "critical";
  if (breachPct >= 25) return "high";
  if (breachPct >= 10) return "medium";
  return "low";
}

interface Targets {
  availability_pct: number;
  p99_latency_ms: number;
  throughput_floor: number | undefined;
  cost_ceiling_usd: number | undefined;
  replica_count: number | undefined;
  region_count: number | undefined;
}

export function projectTargets(row: Pick<ProjectRow, "slo_targets" | "brief">, s: Settings): Targets {
  const slo = (row.slo_targets ?? {}) as Record<string, unknown>;
  const brief = (row.brief ?? {}) as Record<string, unknown>;
  const scale = (typeof brief.scale === "object" && brief.scale !== null ? brief.scale : {}) as Record<string, unknown>;
  const budget = (typeof brief.budget === "object" && brief.budget !== null ? brief.budget : {}) as Record<
    string,
    unknown
  >;
  const availability = positive(slo.availability_pct);
  return {
    availability_pct: availability !== undefined && availability <= 100 ? availability : s.availability_pct,
    p99_latency_ms: positive(slo.p99_latency_ms) ?? positive(brief.p99_latency_ms) ?? s.p99_latency_ms,
    throughput_floor: positive(slo.throughput_floor),
    cost_ceiling_usd: positive(slo.cost_ceiling_usd) ?? positive(budget.monthly_cap_usd) ?? s.cost_ceiling_usd,
    replica_count: count(scale.initial),
    region_count: Array.isArray(brief.regions) ? brief.regions.length : undefined,
  };
}

export function projectSignals(row: ProjectRow, s: Settings, now: Date): Signal[] {
  const sensor = "project_slo";
  if (row.observed_at === null || secondsBetween(row.observed_at, now) > s.metrics_stale_seconds) {
    return [
      {
        kind: "fleet.project_unmeasured",
        severity: "low",
        sensor,
        fingerprint: `project_unmeasured:${row.id}`,
        payload: { project_id: row.id, last_metric_at: iso(row.observed_at) },
        refs: {},
      },
    ];
  }
  const t = projectTargets(row, s);
  const context = { project_id: row.id, replica_count: row.replica_count, correlation_id: row.correlation_id };
  const out: Signal[] = [];

  const checks: [
    metric: string,
    observed: number | null,
    target: number | undefined,
    breach: (o: number, t: number) => number | null,
  ][] = [
    ["p99_latency_ms", row.p99_latency_ms, t.p99_latency_ms, (o, tg) => (o > tg ? overshootPct(o, tg) : null)],
    ["availability_pct", row.availability_pct, t.availability_pct, (o, tg) => (o < tg ? errorBudgetPct(o, tg) : null)],
    ["throughput", row.throughput, t.throughput_floor, (o, tg) => (o < tg ? shortfallPct(o, tg) : null)],
  ];
  for (const [metric, observed, target, breach] of checks) {
    if (observed === null || target === undefined) continue;
    const breachPct = breach(observed, target);
    if (breachPct === null) continue;
    out.push({
      kind: "fleet.project_slo_violation",
      severity: breachSeverity(breachPct),
      sensor,
      fingerprint: `project_slo_violation:${row.id}:${metric}`,
      payload: { ...context, metric, observed, target, breach_pct: breachPct },
      refs: {},
    });
    break;
  }

  const shapes: [driftType: string, observed: number | null, target: number | undefined][] = [
    ["replica_count", row.replica_count, t.replica_count],
    ["region_count", row.region_count, t.region_count],
  ];
  for (const [driftType, observed, target] of shapes) {
    if (observed === null || target === undefined || observed === target) continue;
    out.push({
      kind: "fleet.project_drift",
      severity: "medium",
      sensor,
      fingerprint: `project_drift:${row.id}:${driftType}`,
      payload: { ...context, drift_type: driftType, observed, target },
      refs: {},
    });
    break;
  }

  if (row.cost_usd !== null && t.cost_ceiling_usd !== undefined && row.cost_usd > t.cost_ceiling_usd) {
    const breachPct = overshootPct(row.cost_usd, t.cost_ceiling_usd);
    out.push({
      kind: "fleet.project_cost_breach",
      severity: breachSeverity(breachPct),
      sensor,
      fingerprint: `project_cost_breach:${row.id}`,
      payload: {
        ...context,
        metric: "cost_usd",
        observed_usd: row.cost_usd,
        target_usd: t.cost_ceiling_usd,
        breach_pct: breachPct,
      },
      refs: {},
    });
  }
  return out;
}

export const projectSlo = sqlSensor({
  name: "project_slo",
  order: 15,
  kinds: [
    "fleet.project_slo_violation",
    "fleet.project_drift",
    "fleet.project_cost_breach",
    "fleet.project_unmeasured",
  ],
  settings,
  query: (ctx) => sql`
    SELECT p.id, p.slo_targets, p.brief,
           m.availability_pct, m.p99_latency_ms, m.throughput, m.cost_usd, m.replica_count, m.region_count,
           m.observed_at, m.correlation_id
    FROM infrastructure_projects p
    LEFT JOIN LATERAL (
      SELECT pm.availability_pct, pm.p99_latency_ms, pm.throughput, pm.cost_usd, pm.replica_count, pm.region_count,
             pm.observed_at, pm.correlation_id
      FROM project_metrics pm
      WHERE pm.account_id = p.account_id AND pm.project_id = p.id
      ORDER BY pm.observed_at DESC
      LIMIT 1
    ) m ON true
    WHERE p.account_id = ${ctx.accountId}::uuid AND p.status = 'active'
    ORDER BY p.id`,
  build: (rows: ProjectRow[], s, now) => rows.flatMap((r) => projectSignals(r, s, now)),
});
