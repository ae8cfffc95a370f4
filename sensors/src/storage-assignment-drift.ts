// Sensor #18 storage_assignment_drift (spec/autonomy.md §1.2): a storage assignment stuck
// mid-reconcile — pending, provisioning, degraded or failed — whose reconciler has not reported for
// longer than stale_window_seconds, or never has. `failed` is high, the others medium.
import { STORAGE_ASSIGNMENT_UNSETTLED } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  stale_window_seconds: positiveInt(300),
});
type Settings = z.output<typeof settings>;

const UNSETTLED: ReadonlySet<string> = new Set(STORAGE_ASSIGNMENT_UNSETTLED);

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface StorageAssignmentRow {
  id: string;
  node_instance_id: string;
  status: string;
  last_status_at: DbTime | null;
}

export function storageSignal(row: StorageAssignmentRow, s: Settings, now: Date): Signal | null {
  if (!UNSETTLED.has(row.status)) return null;
  if (row.last_status_at !== null && !(secondsBetween(row.last_status_at, now) > s.stale_window_seconds)) return null;
  return {
    kind: "fleet.storage_assignment_drift",
    severity: row.status === "failed" ? "high" : "medium",
    sensor: "storage_assignment_drift",
    fingerprint: `storage_assignment_drift:${row.id}`,
    payload: {
      storage_assignment_id: row.id,
      node_instance_id: row.node_instance_id,
      status: row.status,
      last_status_at: iso(row.last_status_at),
    },
    refs: { node_instance_id: row.node_instance_id },
  };
}

export const storageAssignmentDrift = sqlSensor({
  name: "storage_assignment_drift",
  order: 18,
  kinds: ["fleet.storage_assignment_drift"],
  settings,
  query: (ctx, s) => sql`
    SELECT id, node_instance_id, status, last_status_at
    FROM storage_assignments
    WHERE account_id = ${ctx.accountId}::uuid
      AND status IN ('pending', 'provisioning', 'degraded', 'failed')
      AND (last_status_at IS NULL
        OR last_status_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.stale_window_seconds}))
    ORDER BY id`,
  build: (rows: StorageAssignmentRow[], s, now) =>
    rows.map((r) => storageSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
