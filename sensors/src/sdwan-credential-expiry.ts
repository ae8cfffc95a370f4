// Sensor #17 sdwan_credential_expiry (spec/autonomy.md §1.2): a live membership credential within
// advisory_window_seconds of its not_after (medium; high within urgent_window_seconds or past it),
// and a refresh that stalled — a credential in `expiring`, not yet expired, with no higher revision
// for its peer and network (high): the server should have re-signed it by now.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  advisory_window_seconds: positiveInt(900),
  urgent_window_seconds: positiveInt(300),
});
type Settings = z.output<typeof settings>;

/** A live credential in one of these states is what the peer is being served. */
const SERVED = new Set(["active", "expiring", "expired"]);

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface CredentialRow {
  id: string;
  peer_id: string;
  network_id: string;
  node_instance_id: string;
  revision: number;
  live: boolean;
  status: string;
  refresh_after: DbTime;
  not_after: DbTime;
  /** No credential of the same peer and network has a higher revision. */
  newest: boolean;
}

export function credentialSignals(row: CredentialRow, s: Settings, now: Date): Signal[] {
  const secondsToExpiry = -secondsBetween(row.not_after, now);
  const base = {
    membership_credential_id: row.id,
    peer_id: row.peer_id,
    network_id: row.network_id,
    revision: row.revision,
    not_after: iso(row.not_after),
    seconds_to_expiry: Math.floor(secondsToExpiry),
  };
  const refs = { node_instance_id: row.node_instance_id };
  const out: Signal[] = [];
  if (row.live && SERVED.has(row.status) && secondsToExpiry <= s.advisory_window_seconds) {
    const severity: Severity = secondsToExpiry <= s.urgent_window_seconds ? "high" : "medium";
    out.push({
      kind: "fleet.sdwan_credential_expiring",
      severity,
      sensor: "sdwan_credential_expiry",
      fingerprint: `sdwan_credential_expiring:${row.id}`,
      payload: base,
      refs,
    });
  }
  if (row.status === "expiring" && secondsToExpiry > 0 && row.newest) {
    out.push({
      kind: "fleet.sdwan_credential_refresh_stalled",
      severity: "high",
      sensor: "sdwan_credential_expiry",
      fingerprint: `sdwan_credential_refresh_stalled:${row.peer_id}:${row.network_id}`,
      payload: {
        ...base,
        refresh_after: iso(row.refresh_after),
        seconds_overdue: Math.max(0, Math.floor(secondsBetween(row.refresh_after, now))),
      },
      refs,
    });
  }
  return out;
}

export const sdwanCredentialExpiry = sqlSensor({
  name: "sdwan_credential_expiry",
  order: 17,
  kinds: ["fleet.sdwan_credential_expiring", "fleet.sdwan_credential_refresh_stalled"],
  settings,
  query: (ctx, s) => sql`
    SELECT c.id, c.peer_id, c.network_id, p.node_instance_id, c.revision, c.live, c.status, c.refresh_after,
           c.not_after, NOT EXISTS (
             SELECT 1 FROM sdwan_membership_credentials h
             WHERE h.account_id = c.account_id AND h.peer_id = c.peer_id AND h.network_id = c.network_id
               AND h.revision > c.revision
           ) AS newest
    FROM sdwan_membership_credentials c
    JOIN sdwan_peers p ON p.id = c.peer_id AND p.account_id = c.account_id
    WHERE c.account_id = ${ctx.accountId}::uuid
      AND (
        (c.live AND c.status IN ('active', 'expiring', 'expired')
          AND c.not_after <= ${ctx.now}::timestamptz + make_interval(secs => ${s.advisory_window_seconds}))
        OR (c.status = 'expiring' AND c.not_after > ${ctx.now}::timestamptz)
      )
    ORDER BY c.id`,
  build: (rows: CredentialRow[], s, now) => rows.flatMap((r) => credentialSignals(r, s, now)),
});
