// Sensor #11 sdwan_hub_unreachable (spec/autonomy.md §1.2): per active network, the hubs
// (publicly reachable peers) have not completed a handshake within reachability_window_seconds —
// critical with at most one hub, else high — or a network that needs hubs (not full_mesh) has at
// least two peers and none of them is a hub (critical). A network without peers never fires.
import type { Severity } from "@nodepilot/core";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { sqlSensor } from "./sensor.ts";
import { type DbTime, iso, positiveInt, secondsBetween } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  reachability_window_seconds: positiveInt(600),
});
type Settings = z.output<typeof settings>;

/** A row of the statement; timestamps arrive as text (drizzle\'s execute leaves pg\'s date parsing off). */
export interface HubRow {
  id: string;
  name: string;
  topology: string;
  hub_count: number;
  spoke_count: number;
  /** Newest handshake of any hub; null when no hub ever completed one. */
  hub_last_handshake_at: DbTime | null;
  /** Newest handshake of any peer. */
  last_handshake_at: DbTime | null;
}

export function hubSignal(row: HubRow, s: Settings, now: Date): Signal | null {
  const peers = row.hub_count + row.spoke_count;
  if (peers === 0) return null;
  const base = {
    kind: "fleet.sdwan_hub_unreachable",
    sensor: "sdwan_hub_unreachable",
    refs: {},
  } as const;
  if (row.hub_count === 0) {
    if (row.topology === "full_mesh" || peers < 2) return null;
    return {
      ...base,
      severity: "critical",
      fingerprint: `sdwan_no_hub:${row.id}`,
      payload: {
        network_id: row.id,
        network_name: row.name,
        hub_count: 0,
        spoke_count: row.spoke_count,
        last_handshake_at: iso(row.last_handshake_at),
      },
    };
  }
  const fresh =
    row.hub_last_handshake_at !== null &&
    secondsBetween(row.hub_last_handshake_at, now) <= s.reachability_window_seconds;
  if (fresh) return null;
  const severity: Severity = row.hub_count <= 1 ? "critical" : "high";
  return {
    ...base,
    severity,
    fingerprint: `sdwan_hub_unreachable:${row.id}`,
    payload: {
      network_id: row.id,
      network_name: row.name,
      hub_count: row.hub_count,
      spoke_count: row.spoke_count,
      last_handshake_at: iso(row.hub_last_handshake_at),
    },
  };
}

export const sdwanHubUnreachable = sqlSensor({
  name: "sdwan_hub_unreachable",
  order: 11,
  kinds: ["fleet.sdwan_hub_unreachable"],
  settings,
  query: (ctx, s) => sql`
    SELECT n.id, n.name, n.topology,
           count(p.id) FILTER (WHERE p.publicly_reachable)::int AS hub_count,
           count(p.id) FILTER (WHERE NOT p.publicly_reachable)::int AS spoke_count,
           max(p.last_handshake_at) FILTER (WHERE p.publicly_reachable) AS hub_last_handshake_at,
           max(p.last_handshake_at) AS last_handshake_at
    FROM sdwan_networks n
    LEFT JOIN sdwan_peers p ON p.network_id = n.id AND p.account_id = n.account_id
    WHERE n.account_id = ${ctx.accountId}::uuid AND n.status = 'active'
    GROUP BY n.id
    HAVING count(p.id) > 0 AND (
      (count(p.id) FILTER (WHERE p.publicly_reachable) > 0
        AND coalesce(max(p.last_handshake_at) FILTER (WHERE p.publicly_reachable), '-infinity')
          < ${ctx.now}::timestamptz - make_interval(secs => ${s.reachability_window_seconds}))
      OR (count(p.id) FILTER (WHERE p.publicly_reachable) = 0 AND n.topology <> 'full_mesh' AND count(p.id) >= 2)
    )
    ORDER BY n.id`,
  build: (rows: HubRow[], s, now) => rows.map((r) => hubSignal(r, s, now)).filter((x): x is Signal => x !== null),
});
