// Sensor #5 module_promotion_ready (spec/autonomy.md §1.2, spec/domain.md §2.4): a `staging`
// version that at least required_count running instances have run for dwell_seconds, each with a
// fresh heartbeat, a fresh observation of the digest and no high/critical event since it first
// reported it. required_count and dwell resolve module (module_promotion_criteria) → account
// (sensor settings) → default, with floors of 1 instance and 300 s. Medium.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { positiveInt } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  required_count: positiveInt(3),
  dwell_seconds: positiveInt(1800),
});
type Settings = z.output<typeof settings>;

/** spec/domain.md §1.2 HEARTBEAT_STALE_AFTER: an instance and its observation must be this fresh. */
const FRESH_SECONDS = 180;
const MIN_REQUIRED = 1;
const MIN_DWELL_SECONDS = 300;

export interface PromotionRow {
  id: string;
  node_module_id: string;
  version_number: number;
  oci_digest: string;
  module_required_count: number | null;
  module_dwell_seconds: number | null;
  /** Seconds each eligible instance has been running the digest. */
  dwell: number[];
}

export function criteriaOf(row: PromotionRow, s: Settings): { required: number; dwell: number } {
  return {
    required: Math.max(MIN_REQUIRED, row.module_required_count ?? s.required_count),
    dwell: Math.max(MIN_DWELL_SECONDS, row.module_dwell_seconds ?? s.dwell_seconds),
  };
}

export function promotionSignal(row: PromotionRow, s: Settings): Signal | null {
  const { required, dwell } = criteriaOf(row, s);
  const qualified = row.dwell.filter((d) => d >= dwell);
  if (qualified.length < required) return null;
  return {
    kind: "fleet.module_promotion_ready",
    severity: "medium",
    sensor: "module_promotion_ready",
    fingerprint: `promotion_ready:${row.id}`,
    payload: {
      module_version_id: row.id,
      module_id: row.node_module_id,
      version_number: row.version_number,
      oci_digest: row.oci_digest,
      running_count: qualified.length,
      required_count: required,
      // The shortest dwell among the instances counted: all of them have run it at least this long.
      dwell_time_minutes: Math.floor(Math.min(...qualified) / 60),
    },
    refs: { node_module_id: row.node_module_id, node_module_version_id: row.id },
  };
}

export const modulePromotionReady = sqlSensor({
  name: "module_promotion_ready",
  order: 5,
  kinds: ["fleet.module_promotion_ready"],
  settings,
  query: (ctx) => sql`
    WITH troubled AS (
      SELECT node_instance_id, max(emitted_at) AS last_at
      FROM fleet_events
      WHERE account_id = ${ctx.accountId}::uuid AND severity IN ('high', 'critical') AND node_instance_id IS NOT NULL
      GROUP BY node_instance_id
    )
    SELECT v.id, v.node_module_id, v.version_number, v.oci_digest,
      pc.required_count AS module_required_count, pc.dwell_seconds AS module_dwell_seconds,
      COALESCE((
        SELECT array_agg(floor(extract(epoch FROM ${ctx.now}::timestamptz - o.first_seen_at))::int)
        FROM module_digest_observations o
        JOIN node_instances i ON i.id = o.node_instance_id
        LEFT JOIN troubled t ON t.node_instance_id = i.id
        WHERE o.node_module_id = v.node_module_id AND o.oci_digest = v.oci_digest
          AND i.status = 'running'
          AND i.last_heartbeat_at >= ${ctx.now}::timestamptz - make_interval(secs => ${FRESH_SECONDS})
          AND o.last_seen_at >= ${ctx.now}::timestamptz - make_interval(secs => ${FRESH_SECONDS})
          AND (t.last_at IS NULL OR t.last_at < o.first_seen_at)
      ), '{}') AS dwell
    FROM module_versions v
    LEFT JOIN module_promotion_criteria pc ON pc.node_module_id = v.node_module_id
    WHERE v.account_id = ${ctx.accountId}::uuid AND v.promotion_state = 'staging' AND v.oci_digest IS NOT NULL
    ORDER BY v.id`,
  build: (rows: PromotionRow[], s) => rows.map((r) => promotionSignal(r, s)).filter((x): x is Signal => x !== null),
});
