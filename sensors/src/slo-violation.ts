// Sensor #7 slo_violation (spec/autonomy.md §1.2): each enabled module SLO's targets against the
// samples of its window, aggregated per target (avg, min, max or a percentile). One violated target
// is medium, two high, three or more critical. An SLO any of whose targets has fewer than
// min_samples samples in the window cannot be judged: `fleet.slo_unmeasured` (low) instead.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  min_samples: positiveInt(5),
});
type Settings = z.output<typeof settings>;

export interface MeasuredTarget {
  metric: string;
  aggregation: string;
  comparator: "lte" | "gte";
  objective: number;
  samples: number;
  /** null when the window holds no sample for the metric. */
  observed: number | null;
}

export interface SloRow {
  id: string;
  node_module_id: string;
  name: string;
  window_seconds: number;
  targets: MeasuredTarget[];
  last_sample_at: DbTime | null;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function sloSeverity(violations: number): Severity {
  if (violations >= 3) return "critical";
  if (violations === 2) return "high";
  return "medium";
}

export const violates = (t: MeasuredTarget): boolean =>
  t.observed !== null && (t.comparator === "lte" ? t.observed > t.objective : t.observed < t.objective);

export function sloSignal(row: SloRow, s: Settings): Signal | null {
  if (row.targets.length === 0) return null;
  const base = {
    module_id: row.node_module_id,
    slo_id: row.id,
    slo_name: row.name,
    window_seconds: row.window_seconds,
  };
  const refs = { node_module_id: row.node_module_id };
  const fewest = Math.min(...row.targets.map((t) => t.samples));
  if (fewest < s.min_samples) {
    return {
      kind: "fleet.slo_unmeasured",
      severity: "low",
      sensor: "slo_violation",
      fingerprint: `slo_unmeasured:${row.id}`,
      payload: { ...base, sample_count: fewest, last_sample_at: iso(row.last_sample_at) },
      refs,
    };
  }
  const violations = row.targets.filter(violates).map((t) => ({
    target: `${t.aggregation}(${t.metric}) ${t.comparator === "lte" ? "<=" : ">="} ${t.objective}`,
    objective: t.objective,
    observed: round3(t.observed as number),
  }));
  if (violations.length === 0) return null;
  return {
    kind: "fleet.slo_violation",
    severity: sloSeverity(violations.length),
    sensor: "slo_violation",
    fingerprint: `slo_violation:${row.id}`,
    payload: { ...base, violations },
    refs,
  };
}

export const sloViolation = sqlSensor({
  name: "slo_violation",
  order: 7,
  kinds: ["fleet.slo_violation", "fleet.slo_unmeasured"],
  settings,
  query: (ctx) => sql`
    SELECT s.id, s.node_module_id, s.name, s.window_seconds,
      COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
          'metric', tt.t ->> 'metric', 'aggregation', tt.t ->> 'aggregation', 'comparator', tt.t ->> 'comparator',
          'objective', (tt.t ->> 'objective')::float8, 'samples', agg.n, 'observed', agg.v) ORDER BY tt.ord)
        FROM jsonb_array_elements(s.targets) WITH ORDINALITY AS tt(t, ord)
        CROSS JOIN LATERAL (
          SELECT count(*) AS n,
            CASE tt.t ->> 'aggregation'
              WHEN 'avg' THEN avg(x.value)
              WHEN 'min' THEN min(x.value)
              WHEN 'max' THEN max(x.value)
              WHEN 'p50' THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY x.value)
              WHEN 'p95' THEN percentile_cont(0.95) WITHIN GROUP (ORDER BY x.value)
              WHEN 'p99' THEN percentile_cont(0.99) WITHIN GROUP (ORDER BY x.value)
            END AS v
          FROM module_slo_samples x
          WHERE x.node_module_id = s.node_module_id AND x.metric = tt.t ->> 'metric'
            AND x.observed_at > ${ctx.now}::timestamptz - make_interval(secs => s.window_seconds)
            AND x.observed_at <= ${ctx.now}::timestamptz
        ) agg
      ), '[]'::jsonb) AS targets,
      (
        SELECT max(x.observed_at) FROM module_slo_samples x
        WHERE x.node_module_id = s.node_module_id
          AND x.metric IN (SELECT jsonb_array_elements(s.targets) ->> 'metric')
          AND x.observed_at <= ${ctx.now}::timestamptz
      ) AS last_sample_at
    FROM module_slos s
    WHERE s.account_id = ${ctx.accountId}::uuid AND s.enabled
    ORDER BY s.id`,
  build: (rows: SloRow[], s) => rows.map((r) => sloSignal(r, s)).filter((x): x is Signal => x !== null),
});
