// Sensor #6 config_drift (spec/autonomy.md §1.2): an assignment changed more than
// stale_threshold_seconds ago and the node's running instances have not applied it since: no
// `apply_config` task on a running instance of the node succeeded after the change, and none is in
// flight. Nodes without a running instance are skipped (nothing could apply it). Medium.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween, toDate } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  stale_threshold_seconds: positiveInt(300),
});
type Settings = z.output<typeof settings>;

export interface ConfigDriftRow {
  id: string;
  node_id: string;
  node_module_id: string;
  updated_at: DbTime;
  instance_ids: string[];
  last_apply_at: DbTime | null;
  in_flight: boolean;
}

export function configDriftSignal(row: ConfigDriftRow, s: Settings, now: Date): Signal | null {
  if (row.instance_ids.length === 0 || row.in_flight) return null;
  if (!(secondsBetween(row.updated_at, now) > s.stale_threshold_seconds)) return null;
  const changedAt = toDate(row.updated_at);
  if (row.last_apply_at && toDate(row.last_apply_at).getTime() >= changedAt.getTime()) return null;
  return {
    kind: "fleet.config_drift",
    severity: "medium",
    sensor: "config_drift",
    fingerprint: `config_drift:${row.id}`,
    payload: {
      node_id: row.node_id,
      module_id: row.node_module_id,
      assignment_id: row.id,
      instance_ids: [...row.instance_ids].sort(),
      changed_at: changedAt.toISOString(),
      last_apply_at: iso(row.last_apply_at),
    },
    refs: { node_id: row.node_id, node_module_id: row.node_module_id },
  };
}

export const configDrift = sqlSensor({
  name: "config_drift",
  order: 6,
  kinds: ["fleet.config_drift"],
  settings,
  query: (ctx, s) => sql`
    WITH live AS (
      SELECT node_id, array_agg(id::text ORDER BY id) AS instance_ids
      FROM node_instances
      WHERE account_id = ${ctx.accountId}::uuid AND status = 'running'
      GROUP BY node_id
    ),
    applies AS (
      SELECT i.node_id,
        max(t.completed_at) FILTER (WHERE t.status = 'succeeded' AND i.status = 'running') AS last_apply_at,
        bool_or(t.status IN ('pending', 'leased', 'running')) AS in_flight
      FROM tasks t
      JOIN node_instances i ON i.id = t.subject_id
      WHERE t.account_id = ${ctx.accountId}::uuid AND t.subject_type = 'node_instance' AND t.command = 'apply_config'
      GROUP BY i.node_id
    )
    SELECT a.id, a.node_id, a.node_module_id, a.updated_at, live.instance_ids,
      ap.last_apply_at, COALESCE(ap.in_flight, false) AS in_flight
    FROM node_module_assignments a
    JOIN live ON live.node_id = a.node_id
    LEFT JOIN applies ap ON ap.node_id = a.node_id
    WHERE a.account_id = ${ctx.accountId}::uuid
      AND a.updated_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.stale_threshold_seconds})
      AND (ap.last_apply_at IS NULL OR ap.last_apply_at < a.updated_at)
      AND NOT COALESCE(ap.in_flight, false)
    ORDER BY a.id`,
  build: (rows: ConfigDriftRow[], s, now) =>
    rows.map((r) => configDriftSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
