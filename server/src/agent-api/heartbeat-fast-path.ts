// The steady-state heartbeat batch as one autocommit statement: a known, running instance whose
// boot has not changed and whose beat renews no lease only needs its observed columns written, its
// module digest observations upserted and the reply read. Doing all of that in a single statement
// (locks taken in id order, like every batch) costs one round trip instead of a transaction's five.
// Beats the statement does not return (first contact, a status to settle, a new boot, a refusal)
// take the transactional path in heartbeat-writer.ts.

import { revisionOf } from "@nodepilot/core";
import { type Db, newId } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import type { HeartbeatEntry } from "./heartbeat-entry.ts";
import { type BeatSummary, capabilityNames, SETTLES, summaryOf } from "./heartbeat-sql.ts";

/** A beat the one-statement path may take: it lists no lease to renew (renewals write task events). */
export const fastPathEligible = (e: HeartbeatEntry): boolean => (e.body.active_leases ?? []).length === 0;

export interface FastOutcome extends BeatSummary {
  nodeId: string;
}

/** Returns the outcome of every beat it wrote; the others are left for the transactional path. */
export async function writeSteadyBeats(db: Db, entries: readonly HeartbeatEntry[]): Promise<Map<string, FastOutcome>> {
  const out = new Map<string, FastOutcome>();
  if (entries.length === 0) return out;
  const values = entries.map((e) => {
    const caps = capabilityNames(e.body);
    return sql`(${e.accountId}::uuid, ${e.instanceId}::uuid, ${e.now}::timestamptz, ${e.body.boot_id}::text,
      ${e.body.agent_version}::text,
      ${e.body.module_digests ? JSON.stringify(e.body.module_digests) : null}::jsonb,
      ${caps ? `{${caps.join(",")}}` : null}::text[],
      ${e.body.booted_image_git_sha ?? null}::text, ${e.body.mount_mode ?? null}::text)`;
  });
  // Observation rows get their UUIDv7 ids here (ids are minted in the application, not by the database).
  const observed = entries.flatMap((e) =>
    Object.entries(e.body.module_digests ?? {}).map(
      ([moduleId, digest]) => sql`(${newId()}::uuid, ${e.instanceId}::uuid, ${moduleId}::uuid, ${digest}::text)`,
    ),
  );
  const obsValues =
    observed.length > 0
      ? sql`VALUES ${sql.join(observed, sql`, `)}`
      : sql`SELECT NULL::uuid, NULL::uuid, NULL::uuid, NULL::text WHERE false`;
  // The WHERE clause is heartbeatCandidates' "no refusal and no finalizer" in SQL; UPDATE re-checks it
  // on the locked row, so a concurrent terminate sends the beat to the transactional path.
  const res = await db.execute(sql`
    WITH v(account_id, id, now, boot_id, agent_version, digests, caps, sha, mount_mode) AS (
      VALUES ${sql.join(values, sql`, `)}
    ),
    locked AS (
      SELECT n.id FROM node_instances n WHERE n.id IN (SELECT id FROM v) ORDER BY n.id FOR UPDATE
    ),
    upd AS (
      UPDATE node_instances AS n SET
        last_heartbeat_at = GREATEST(v.now, n.last_heartbeat_at),
        boot_id = v.boot_id,
        agent_version = v.agent_version,
        running_module_digests = COALESCE(v.digests, n.running_module_digests),
        capabilities = COALESCE(v.caps, n.capabilities),
        booted_image_git_sha = COALESCE(NULLIF(v.sha, ''), n.booted_image_git_sha),
        mount_mode = COALESCE(v.mount_mode, n.mount_mode)
      FROM v JOIN locked l ON l.id = v.id
      WHERE n.id = v.id AND n.account_id = v.account_id
        AND n.status NOT IN (${sql.join(
          ["terminated", ...SETTLES].map((st) => sql`${st}`),
          sql`, `,
        )})
        AND n.last_heartbeat_at IS NOT NULL
        AND (n.boot_id IS NULL OR n.boot_id = v.boot_id)
      RETURNING n.id, n.account_id, n.node_id, v.now
    ),
    o(id, instance_id, module_id, digest) AS (${obsValues}),
    obs AS (
      INSERT INTO module_digest_observations
        (id, account_id, node_instance_id, node_module_id, oci_digest, first_seen_at, last_seen_at)
      SELECT o.id, u.account_id, u.id, o.module_id, o.digest, u.now, u.now
      FROM upd u JOIN o ON o.instance_id = u.id
      ORDER BY u.id, o.module_id, o.digest
      ON CONFLICT (node_instance_id, node_module_id, oci_digest)
        DO UPDATE SET last_seen_at = GREATEST(module_digest_observations.last_seen_at, excluded.last_seen_at)
      RETURNING 1
    ),
    -- obs runs to completion though nothing reads it (data-modifying CTEs always do).
    ${summaryOf(sql`upd`)}`);
  for (const row of res.rows as {
    instance_id: string;
    node_id: string;
    pending: number;
    revision_source: string | null;
  }[]) {
    out.set(row.instance_id, {
      nodeId: row.node_id,
      pending: Number(row.pending),
      revision: revisionOf(row.revision_source ?? ""),
    });
  }
  return out;
}
