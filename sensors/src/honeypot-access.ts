// Sensor #8 honeypot_access (spec/autonomy.md §1.2): a canary module was touched. Every
// `fleet.honeypot_triggered` event of the last lookback_seconds names its module (the event's
// node_module_id, else payload.module_id); each running instance on a node assigned that module is
// a suspect (`honeypot_access:<event>:<instance>`). An event whose module no running instance hosts
// still fires once (`honeypot_access:<event>`), to be investigated. Always critical.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, positiveInt, toDate } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  lookback_seconds: positiveInt(900),
});

export interface HoneypotRow {
  event_id: string;
  module_id: string | null;
  source: string;
  emitted_at: DbTime;
  instance_id: string | null;
  node_id: string | null;
}

export function honeypotSignal(row: HoneypotRow): Signal {
  const hosted = row.instance_id !== null;
  return {
    kind: "fleet.honeypot_access",
    severity: "critical",
    sensor: "honeypot_access",
    fingerprint: hosted ? `honeypot_access:${row.event_id}:${row.instance_id}` : `honeypot_access:${row.event_id}`,
    payload: {
      event_id: row.event_id,
      module_id: row.module_id,
      source: row.source,
      emitted_at: toDate(row.emitted_at).toISOString(),
      ...(hosted ? { instance_id: row.instance_id, node_id: row.node_id } : {}),
    },
    refs: {
      ...(row.module_id ? { node_module_id: row.module_id } : {}),
      ...(hosted ? { node_instance_id: row.instance_id as string, node_id: row.node_id as string } : {}),
    },
  };
}

const UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export const honeypotAccess = sqlSensor({
  name: "honeypot_access",
  order: 8,
  kinds: ["fleet.honeypot_access"],
  settings,
  query: (ctx, s) => sql`
    WITH triggered AS (
      SELECT e.id AS event_id, e.emitted_at,
        COALESCE(e.node_module_id,
          CASE WHEN e.payload ->> 'module_id' ~ ${UUID} THEN (e.payload ->> 'module_id')::uuid END) AS module_id,
        COALESCE(NULLIF(e.payload ->> 'source', ''), e.source) AS source
      FROM fleet_events e
      WHERE e.account_id = ${ctx.accountId}::uuid AND e.kind = 'fleet.honeypot_triggered'
        AND e.emitted_at >= ${ctx.now}::timestamptz - make_interval(secs => ${s.lookback_seconds})
        AND e.emitted_at <= ${ctx.now}::timestamptz
    )
    SELECT t.event_id, t.module_id, t.source, t.emitted_at, h.instance_id, h.node_id
    FROM triggered t
    LEFT JOIN LATERAL (
      SELECT i.id AS instance_id, i.node_id
      FROM node_module_assignments a
      JOIN node_instances i ON i.node_id = a.node_id AND i.status = 'running'
      WHERE a.account_id = ${ctx.accountId}::uuid AND a.node_module_id = t.module_id AND a.enabled
    ) h ON true
    ORDER BY t.event_id, h.instance_id`,
  build: (rows: HoneypotRow[]) => rows.map(honeypotSignal),
});
