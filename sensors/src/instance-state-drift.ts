// Sensor #2 instance_state_drift (spec/autonomy.md §1.2): our `running` instance is stopped,
// terminated or failed at its provider. One statement pages through running instances with a
// cloud_instance_id by a wrapping keyset cursor (max_per_tick a tick), then the provider reader
// fetches their status batched per credential. Transitional provider states and failed reads never
// fire; when more than half the reads failed the run is `degraded`, so no condition is cleared on
// the strength of the reads that did succeed.
import type { InstanceStatus } from "@nodepilot/core/providers";
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { ProviderStatusRead, ProviderStatusRequest } from "./provider-status.ts";
import type { SenseContext, Sensor } from "./sensor.ts";
import { positiveInt } from "./settings.ts";
import type { Signal } from "./signal.ts";

const settings = z.strictObject({
  max_per_tick: positiveInt(50),
  provider_timeout_seconds: positiveInt(10),
});
type Settings = z.output<typeof settings>;

/** Provider states that contradict `running`. `failed` is the normalised form of a provider error (domain §4.2). */
const DRIFTED: ReadonlySet<InstanceStatus> = new Set(["stopped", "terminated", "failed"]);

/** Provider reads per tick are bounded as a whole (spec/autonomy.md §8: 20 s). */
const PROVIDER_BUDGET_MS = 20_000;

/** A page row (lap 0 or 1), or the instance of an open condition that is no longer a candidate (lap 2). */
export type StateDriftRow =
  | {
      lap: 0 | 1;
      id: string;
      node_id: string;
      status: string;
      cloud_instance_id: string;
      connection_id: string;
      provider_type: string;
      credentials_encrypted: string | null;
    }
  | { lap: 2; id: string };

type PageRow = Extract<StateDriftRow, { lap: 0 | 1 }>;

const NIL = "00000000-0000-0000-0000-000000000000";

function query(ctx: Omit<SenseContext, "db">, s: Settings): SQL {
  const after = ctx.cursor ?? NIL;
  // The page continues after the cursor and wraps to the start, so every instance is read once per
  // lap however the set changes between ticks. Open conditions of instances that are no longer
  // candidates (stopped, converged, gone) come back as lap 2: for them the absence is the news.
  return sql`
    WITH candidates AS (
      SELECT i.id, i.node_id, i.status, i.cloud_instance_id, c.id AS connection_id, p.provider_type,
             c.credentials_encrypted
      FROM node_instances i
      JOIN provider_connections c ON c.id = i.provider_connection_id
      JOIN providers p ON p.id = c.provider_id
      WHERE i.account_id = ${ctx.accountId}::uuid AND i.status = 'running' AND i.cloud_instance_id IS NOT NULL
    ),
    page AS (
      SELECT * FROM (
        (SELECT *, 0 AS lap FROM candidates WHERE id > ${after}::uuid ORDER BY id LIMIT ${s.max_per_tick})
        UNION ALL
        (SELECT *, 1 AS lap FROM candidates WHERE id <= ${after}::uuid ORDER BY id LIMIT ${s.max_per_tick})
      ) wrapped
      ORDER BY lap, id
      LIMIT ${s.max_per_tick}
    )
    SELECT id::text AS id, node_id, status, cloud_instance_id, connection_id, provider_type, credentials_encrypted, lap
    FROM page
    UNION ALL
    SELECT DISTINCT split_part(f.fingerprint, ':', 2), NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text, NULL::text, 2
    FROM fleet_signal_states f
    WHERE f.account_id = ${ctx.accountId}::uuid AND f.sensor = 'instance_state_drift' AND f.cleared_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM candidates c WHERE c.id::text = split_part(f.fingerprint, ':', 2))
    ORDER BY lap, id`;
}

export interface StateDriftResult {
  signals: Signal[];
  failed: number;
  degraded: boolean;
  /** Instances whose conditions this run vouches for: read successfully, or no longer candidates. */
  covered: Set<string>;
}

/** Pure: rows and their provider reads → signals, what they cover, and whether too many reads failed. */
function build(rows: StateDriftRow[], reads: ReadonlyMap<string, ProviderStatusRead>): StateDriftResult {
  const signals: Signal[] = [];
  const covered = new Set<string>();
  let failed = 0;
  let page = 0;
  for (const row of rows) {
    if (row.lap === 2) {
      covered.add(row.id);
      continue;
    }
    page++;
    const read = reads.get(row.id);
    if (!read?.ok) {
      failed++;
      continue;
    }
    covered.add(row.id);
    if (!DRIFTED.has(read.status)) continue;
    signals.push({
      kind: "fleet.instance_state_drift",
      severity: "high",
      sensor: "instance_state_drift",
      fingerprint: `instance_state_drift:${row.id}:${read.status}`,
      payload: {
        instance_id: row.id,
        node_id: row.node_id,
        expected_status: row.status,
        actual_status: read.status,
        cloud_instance_id: row.cloud_instance_id,
        provider_type: row.provider_type,
      },
      refs: { node_id: row.node_id, node_instance_id: row.id },
    });
  }
  return { signals, failed, degraded: page > 0 && failed * 2 > page, covered };
}

export const instanceStateDrift: Sensor<typeof settings> & { query: typeof query; build: typeof build } = {
  name: "instance_state_drift",
  order: 2,
  kinds: ["fleet.instance_state_drift"],
  settings,
  readsProviders: true,
  query,
  build,
  async sense(ctx, s) {
    const rows = (await ctx.db.execute(query(ctx, s))).rows as unknown as StateDriftRow[];
    const pageRows = rows.filter((r): r is PageRow => r.lap !== 2);
    const nextCursor = pageRows.at(-1)?.id ?? ctx.cursor;
    let reads = new Map<string, ProviderStatusRead>();
    if (pageRows.length > 0 && ctx.providerStatus) {
      const requests: ProviderStatusRequest[] = pageRows.map((r) => ({
        key: r.id,
        connectionId: r.connection_id,
        providerType: r.provider_type,
        sealedCredentials: r.credentials_encrypted,
        cloudInstanceId: r.cloud_instance_id,
      }));
      reads = await ctx.providerStatus.read(requests, {
        callTimeoutMs: s.provider_timeout_seconds * 1000,
        budgetMs: PROVIDER_BUDGET_MS,
      });
    }
    // Without a reader every page read counts as failed: nothing is concluded about those instances.
    const result = build(rows, reads);
    return {
      signals: result.signals,
      nextCursor,
      degraded: result.degraded,
      covers: (fingerprint) => result.covered.has(fingerprint.split(":")[1] ?? ""),
    };
  },
};
