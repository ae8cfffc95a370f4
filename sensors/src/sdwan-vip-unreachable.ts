// Sensor #13 sdwan_vip_unreachable (spec/autonomy.md §1.2): a holder of an active virtual IP whose
// newest handshake is older than unreachable_window_seconds. Critical from critical_after_seconds;
// a single-holder VIP is high from high_after_seconds (its traffic has nowhere else to go), an
// anycast holder stays medium until critical (the other holders still answer). Holders that never
// completed a handshake are skipped: they are still joining, not silent.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  unreachable_window_seconds: positiveInt(300),
  high_after_seconds: positiveInt(600),
  critical_after_seconds: positiveInt(1800),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface VipHolderRow {
  id: string;
  cidr: string;
  network_id: string;
  anycast: boolean;
  holder_peer_id: string;
  node_instance_id: string;
  last_handshake_at: DbTime;
  /** A standby holder (an existing peer that does not hold it already) is listed. */
  has_failover_candidates: boolean;
}

export function vipSignal(row: VipHolderRow, s: Settings, now: Date): Signal | null {
  const age = secondsBetween(row.last_handshake_at, now);
  if (!(age > s.unreachable_window_seconds)) return null;
  let severity: Severity = "medium";
  if (age >= s.critical_after_seconds) severity = "critical";
  else if (!row.anycast && age >= s.high_after_seconds) severity = "high";
  return {
    kind: "fleet.sdwan_vip_unreachable",
    severity,
    sensor: "sdwan_vip_unreachable",
    fingerprint: row.anycast
      ? `sdwan_vip_holder_silent:${row.id}:${row.holder_peer_id}`
      : `sdwan_vip_unreachable:${row.id}`,
    payload: {
      virtual_ip_id: row.id,
      cidr: row.cidr,
      network_id: row.network_id,
      anycast: row.anycast,
      holder_peer_id: row.holder_peer_id,
      holder_handshake_age_seconds: Math.floor(age),
      has_failover_candidates: row.has_failover_candidates,
    },
    refs: { node_instance_id: row.node_instance_id },
  };
}

export const sdwanVipUnreachable = sqlSensor({
  name: "sdwan_vip_unreachable",
  order: 13,
  kinds: ["fleet.sdwan_vip_unreachable"],
  settings,
  query: (ctx, s) => sql`
    SELECT v.id, v.cidr, v.network_id, v.anycast, h.id AS holder_peer_id, h.node_instance_id, h.last_handshake_at,
           EXISTS (
             SELECT 1 FROM sdwan_peers f
             WHERE f.account_id = v.account_id AND f.id = ANY (v.failover_holder_peer_ids)
               AND NOT (f.id = ANY (v.holder_peer_ids))
           ) AS has_failover_candidates
    FROM sdwan_virtual_ips v
    CROSS JOIN LATERAL unnest(v.holder_peer_ids) AS holder(peer_id)
    JOIN sdwan_peers h ON h.id = holder.peer_id AND h.account_id = v.account_id
    WHERE v.account_id = ${ctx.accountId}::uuid
      AND v.state = 'active'
      AND h.last_handshake_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.unreachable_window_seconds})
    ORDER BY v.id, h.id`,
  build: (rows: VipHolderRow[], s, now) => rows.map((r) => vipSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
