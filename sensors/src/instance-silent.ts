// Sensor #1 instance_silent (spec/autonomy.md §1.2): a running or starting instance whose heartbeat
// stopped (older than silent_threshold_seconds), or that never sent one and has sat in its status
// longer than boot_grace_seconds. Never heartbeated is high; silent for threshold + critical_after
// or longer is critical; otherwise medium.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  silent_threshold_seconds: positiveInt(180),
  boot_grace_seconds: positiveInt(600),
  critical_after_seconds: positiveInt(1800),
});
type Settings = z.output<typeof settings>;

export interface InstanceSilentRow {
  id: string;
  node_id: string;
  status: string;
  last_heartbeat_at: DbTime | null;
  status_changed_at: DbTime;
}

/** The pure rule, exported for the table tests: null when the instance is not silent. */
export function silentSignal(row: InstanceSilentRow, s: Settings, now: Date): Signal | null {
  const never = row.last_heartbeat_at === null;
  const silent = secondsBetween(row.last_heartbeat_at ?? row.status_changed_at, now);
  const threshold = never ? s.boot_grace_seconds : s.silent_threshold_seconds;
  if (!(silent > threshold)) return null;
  let severity: Severity = "medium";
  if (never) severity = "high";
  else if (silent >= s.silent_threshold_seconds + s.critical_after_seconds) severity = "critical";
  return {
    kind: "fleet.instance_silent",
    severity,
    sensor: "instance_silent",
    fingerprint: `instance_silent:${row.id}`,
    payload: {
      instance_id: row.id,
      node_id: row.node_id,
      status: row.status,
      last_heartbeat_at: iso(row.last_heartbeat_at),
      silent_seconds: Math.floor(silent),
      threshold_seconds: threshold,
    },
    refs: { node_id: row.node_id, node_instance_id: row.id },
  };
}

export const instanceSilent = sqlSensor({
  name: "instance_silent",
  order: 1,
  kinds: ["fleet.instance_silent"],
  settings,
  query: (ctx, s) => sql`
    SELECT id, node_id, status, last_heartbeat_at, status_changed_at
    FROM node_instances
    WHERE account_id = ${ctx.accountId}::uuid
      AND status IN ('running', 'starting')
      AND (
        (last_heartbeat_at IS NOT NULL
          AND last_heartbeat_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.silent_threshold_seconds}))
        OR (last_heartbeat_at IS NULL
          AND status_changed_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.boot_grace_seconds}))
      )
    ORDER BY id`,
  build: (rows: InstanceSilentRow[], s, now) =>
    rows.map((r) => silentSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
