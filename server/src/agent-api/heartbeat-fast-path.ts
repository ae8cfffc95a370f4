// The steady-state heartbeat batch as one autocommit statement: a known, running instance whose
// boot has not changed and whose beat renews no lease only needs its observed columns written, its
// module digest observations upserted and the reply read. Doing all of that in a single statement
// (locks taken in id order, like every batch) costs one round trip instead of a transaction's five.
// Beats the statement does not return (first contact, a status to settle, a new boot, a refusal)
// take the transactional path in heartbeat-writer.ts.
//
// The batch travels as arrays (unnest), so the statement's text is the same for every batch size and
// a connection prepares it once: planning this statement cost more database CPU than running it.

import { newId } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { HeartbeatEntry } from "./heartbeat-entry.ts";
import { type BeatSummary, capabilityNames, EMPTY_REVISION, SETTLES, summaryOf } from "./heartbeat-sql.ts";

/** A beat the one-statement path may take: it lists no lease to renew (renewals write task events). */
export const fastPathEligible = (e: HeartbeatEntry): boolean => (e.body.active_leases ?? []).length === 0;

export interface FastOutcome extends BeatSummary {
  nodeId: string;
}

/**
 * The `pg` pool the statement runs on. Each connection prepares it once under one name (the
 * embedded wire front keeps prepared statements per connection, as PostgreSQL does).
 */
export interface SteadyPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const STATEMENT_NAME = "nodepilot_heartbeat_steady_v1";
const $ = (n: number, type: string) => sql.raw(`$${n}::${type}`);
const literal = (s: string) => sql.raw(`'${s.replaceAll("'", "''")}'`);

function steadySql(): SQL {
  // The WHERE clause is heartbeatCandidates' "no refusal and no finalizer" in SQL; UPDATE re-checks it
  // on the locked row, so a concurrent terminate sends the beat to the transactional path.
  return sql`
    WITH v AS (
      SELECT * FROM unnest(${$(1, "uuid[]")}, ${$(2, "uuid[]")}, ${$(3, "timestamptz[]")}, ${$(4, "text[]")},
        ${$(5, "text[]")}, ${$(6, "jsonb[]")}, ${$(7, "text[]")}, ${$(8, "text[]")}, ${$(9, "text[]")})
        AS v(account_id, id, now, boot_id, agent_version, digests, caps, sha, mount_mode)
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
        capabilities = COALESCE(v.caps::text[], n.capabilities),
        booted_image_git_sha = COALESCE(NULLIF(v.sha, ''), n.booted_image_git_sha),
        mount_mode = COALESCE(v.mount_mode, n.mount_mode)
      FROM v JOIN locked l ON l.id = v.id
      WHERE n.id = v.id AND n.account_id = v.account_id
        AND n.status NOT IN (${sql.join(["terminated", ...SETTLES].map(literal), sql`, `)})
        AND n.last_heartbeat_at IS NOT NULL
        AND (n.boot_id IS NULL OR n.boot_id = v.boot_id)
      RETURNING n.id, n.account_id, n.node_id, v.now
    ),
    o AS (
      SELECT * FROM unnest(${$(10, "uuid[]")}, ${$(11, "uuid[]")}, ${$(12, "uuid[]")}, ${$(13, "text[]")})
        AS o(id, instance_id, module_id, digest)
    ),
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
    ${summaryOf(sql`upd`)}`;
}

let statementText: string | undefined;

/** Rendered once: the statement carries no parameters but its thirteen arrays. */
function steadyText(): string {
  if (statementText) return statementText;
  const q = new PgDialect().sqlToQuery(steadySql());
  if (q.params.length > 0) throw new Error("the steady heartbeat statement must bind only its arrays");
  statementText = q.sql;
  return statementText;
}

/** The statement's thirteen array parameters for a batch, in the order steadySql binds them. */
function steadyValues(entries: readonly HeartbeatEntry[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 13 }, () => []);
  for (const e of entries) {
    const caps = capabilityNames(e.body);
    const row = [
      e.accountId,
      e.instanceId,
      e.now.toISOString(),
      e.body.boot_id,
      e.body.agent_version,
      e.body.module_digests ? JSON.stringify(e.body.module_digests) : null,
      caps ? `{${caps.join(",")}}` : null,
      e.body.booted_image_git_sha ?? null,
      e.body.mount_mode ?? null,
    ];
    for (let i = 0; i < row.length; i++) cols[i]!.push(row[i]);
    // Observation rows get their UUIDv7 ids here (ids are minted in the application, not by the database).
    for (const [moduleId, digest] of Object.entries(e.body.module_digests ?? {})) {
      cols[9]!.push(newId());
      cols[10]!.push(e.instanceId);
      cols[11]!.push(moduleId);
      cols[12]!.push(digest);
    }
  }
  return cols;
}

/** Returns the outcome of every beat it wrote; the others are left for the transactional path. */
export async function writeSteadyBeats(
  pool: SteadyPool,
  entries: readonly HeartbeatEntry[],
): Promise<Map<string, FastOutcome>> {
  const out = new Map<string, FastOutcome>();
  if (entries.length === 0) return out;
  const res = await pool.query({ name: STATEMENT_NAME, text: steadyText(), values: steadyValues(entries) });
  for (const row of res.rows as { instance_id: string; node_id: string; pending: number; revision: string | null }[]) {
    out.set(row.instance_id, {
      nodeId: row.node_id,
      pending: Number(row.pending),
      revision: row.revision ?? EMPTY_REVISION,
    });
  }
  return out;
}
