// Sensor #10 sdwan_peer_stale (spec/autonomy.md §1.2): a WireGuard peer of a registered or active
// network whose newest handshake is older than drift_window_seconds. Critical from
// critical_after_seconds, high from high_after_seconds, else medium. A peer that never completed a
// handshake has nothing to go stale (it is `pending`) and is skipped.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  drift_window_seconds: positiveInt(300),
  high_after_seconds: positiveInt(900),
  critical_after_seconds: positiveInt(1800),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface PeerStaleRow {
  id: string;
  network_id: string;
  node_instance_id: string;
  publicly_reachable: boolean;
  status: string;
  last_handshake_at: DbTime;
}

/** The pure rule, exported for the table tests: null while the handshake is fresh. */
export function peerStaleSignal(row: PeerStaleRow, s: Settings, now: Date): Signal | null {
  const age = secondsBetween(row.last_handshake_at, now);
  if (!(age > s.drift_window_seconds)) return null;
  let severity: Severity = "medium";
  if (age >= s.critical_after_seconds) severity = "critical";
  else if (age >= s.high_after_seconds) severity = "high";
  return {
    kind: "fleet.sdwan_peer_stale",
    severity,
    sensor: "sdwan_peer_stale",
    fingerprint: `sdwan_peer_stale:${row.id}`,
    payload: {
      peer_id: row.id,
      network_id: row.network_id,
      node_instance_id: row.node_instance_id,
      publicly_reachable: row.publicly_reachable,
      status: row.status,
      last_handshake_at: iso(row.last_handshake_at),
      handshake_age_seconds: Math.floor(age),
    },
    refs: { node_instance_id: row.node_instance_id },
  };
}

export const sdwanPeerStale = sqlSensor({
  name: "sdwan_peer_stale",
  order: 10,
  kinds: ["fleet.sdwan_peer_stale"],
  settings,
  query: (ctx, s) => sql`
    SELECT p.id, p.network_id, p.node_instance_id, p.publicly_reachable, p.status, p.last_handshake_at
    FROM sdwan_peers p
    JOIN sdwan_networks n ON n.id = p.network_id AND n.account_id = p.account_id
    WHERE p.account_id = ${ctx.accountId}::uuid
      AND n.status IN ('registered', 'active')
      AND p.last_handshake_at < ${ctx.now}::timestamptz - make_interval(secs => ${s.drift_window_seconds})
    ORDER BY p.id`,
  build: (rows: PeerStaleRow[], s, now) =>
    rows.map((r) => peerStaleSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
