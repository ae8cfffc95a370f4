// Sensor #4 cert_expiring (spec/autonomy.md §1.2): an unrevoked node mTLS certificate of a live
// instance within advisory_window_seconds of its not_after (medium), within urgent_window_seconds
// (high), or past it (critical). `superseded` says a newer active certificate exists for the
// instance, so the remediation is to revoke this one rather than renew.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, positiveInt, secondsBetween, toDate } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  advisory_window_seconds: positiveInt(604_800),
  urgent_window_seconds: positiveInt(86_400),
});
type Settings = z.output<typeof settings>;

export interface CertExpiringRow {
  id: string;
  node_instance_id: string;
  node_id: string;
  serial: string;
  not_after: DbTime;
  superseded: boolean;
}

export function certSignal(row: CertExpiringRow, s: Settings, now: Date): Signal | null {
  const notAfter = toDate(row.not_after);
  const remaining = secondsBetween(now, notAfter);
  if (remaining > s.advisory_window_seconds) return null;
  const expired = remaining <= 0;
  let severity: Severity = "medium";
  if (expired) severity = "critical";
  else if (remaining <= s.urgent_window_seconds) severity = "high";
  return {
    kind: "fleet.cert_expiring",
    severity,
    sensor: "cert_expiring",
    fingerprint: `cert_expiring:${row.id}`,
    payload: {
      certificate_id: row.id,
      instance_id: row.node_instance_id,
      serial: row.serial,
      not_after: notAfter.toISOString(),
      // Whole days left, 0 once expired (as in the compliance snapshot, §7.1).
      days_remaining: expired ? 0 : Math.floor(remaining / 86_400),
      expired,
      superseded: row.superseded,
    },
    refs: { certificate_id: row.id, node_instance_id: row.node_instance_id, node_id: row.node_id },
  };
}

export const certExpiring = sqlSensor({
  name: "cert_expiring",
  order: 4,
  kinds: ["fleet.cert_expiring"],
  settings,
  query: (ctx, s) => sql`
    SELECT c.id, c.node_instance_id, i.node_id, c.serial, c.not_after,
      (c.status = 'superseded' OR EXISTS (
        SELECT 1 FROM node_certificates n
        WHERE n.node_instance_id = c.node_instance_id AND n.id <> c.id AND n.status = 'active'
          AND n.revoked_at IS NULL AND n.not_after > c.not_after
      )) AS superseded
    FROM node_certificates c
    JOIN node_instances i ON i.id = c.node_instance_id
    WHERE c.account_id = ${ctx.accountId}::uuid
      AND c.subject_kind = 'instance'
      AND c.revoked_at IS NULL AND c.status <> 'revoked'
      AND i.status NOT IN ('terminating', 'terminated')
      AND c.not_after <= ${ctx.now}::timestamptz + make_interval(secs => ${s.advisory_window_seconds})
    ORDER BY c.id`,
  build: (rows: CertExpiringRow[], s, now) =>
    rows.map((r) => certSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
