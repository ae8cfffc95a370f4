// Sensor #12 sdwan_bgp_session (spec/autonomy.md §1.2): an iBGP session that is reported but stuck
// outside `established` longer than unhealthy_window_seconds (critical from critical_after_seconds,
// high from high_after_seconds, else medium), or one whose routing daemon stopped reporting it for
// longer than stale_window_seconds (medium). A stale session is never also called unhealthy: its
// state is old news. A session never reported counts as unobserved since it was created.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  unhealthy_window_seconds: positiveInt(300),
  stale_window_seconds: positiveInt(300),
  high_after_seconds: positiveInt(900),
  critical_after_seconds: positiveInt(1800),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface BgpSessionRow {
  id: string;
  peer_id: string;
  network_id: string;
  node_instance_id: string;
  neighbor_peer_id: string | null;
  neighbor_address: string;
  state: string;
  last_state_change_at: DbTime;
  last_observed_at: DbTime | null;
  last_error: string | null;
  created_at: DbTime;
}

export function bgpSessionSignal(row: BgpSessionRow, s: Settings, now: Date): Signal | null {
  const staleFor = secondsBetween(row.last_observed_at ?? row.created_at, now);
  const stuckFor = secondsBetween(row.last_state_change_at, now);
  const common = {
    bgp_session_id: row.id,
    peer_id: row.peer_id,
    network_id: row.network_id,
    neighbor_peer_id: row.neighbor_peer_id,
    neighbor_address: row.neighbor_address,
    state: row.state,
    stuck_for_seconds: Math.max(0, Math.floor(stuckFor)),
    last_error: row.last_error,
  };
  const refs = { node_instance_id: row.node_instance_id };
  if (staleFor > s.stale_window_seconds) {
    return {
      kind: "fleet.sdwan_bgp_session_stale",
      severity: "medium",
      sensor: "sdwan_bgp_session",
      fingerprint: `sdwan_bgp_session_stale:${row.peer_id}:${row.neighbor_address}`,
      payload: { ...common, last_observed_at: iso(row.last_observed_at), stale_for_seconds: Math.floor(staleFor) },
      refs,
    };
  }
  if (row.state === "established" || !(stuckFor > s.unhealthy_window_seconds)) return null;
  let severity: Severity = "medium";
  if (stuckFor >= s.critical_after_seconds) severity = "critical";
  else if (stuckFor >= s.high_after_seconds) severity = "high";
  return {
    kind: "fleet.sdwan_bgp_session_unhealthy",
    severity,
    sensor: "sdwan_bgp_session",
    fingerprint: `sdwan_bgp_session_unhealthy:${row.peer_id}:${row.neighbor_address}`,
    payload: common,
    refs,
  };
}

export const sdwanBgpSession = sqlSensor({
  name: "sdwan_bgp_session",
  order: 12,
  kinds: ["fleet.sdwan_bgp_session_unhealthy", "fleet.sdwan_bgp_session_stale"],
  settings,
  query: (ctx, s) => sql`
    SELECT b.id, b.peer_id, p.network_id, p.node_instance_id, b.neighbor_peer_id, b.neighbor_address, b.state,
           b.last_state_change_at, b.last_observed_at, b.last_error, b.created_at
    FROM sdwan_bgp_sessions b
    JOIN sdwan_peers p ON p.id = b.peer_id AND p.account_id = b.account_id
    JOIN sdwan_networks n ON n.id = p.network_id AND n.account_id = b.account_id
    WHERE b.account_id = ${ctx.accountId}::uuid
      AND n.status IN ('registered', 'active')
      AND (
        coalesce(b.last_observed_at, b.created_at)
          < ${ctx.now}::timestamptz - make_interval(secs => ${s.stale_window_seconds})
        OR (b.state <> 'established'
          AND b.last_state_change_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.unhealthy_window_seconds}))
      )
    ORDER BY b.id`,
  build: (rows: BgpSessionRow[], s, now) =>
    rows.map((r) => bgpSessionSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
