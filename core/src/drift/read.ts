// The drift queue's readers: drift conditions (fleet_signal_states) with their newest detection's
// payload, the operator overlay of the current episode and how its remediation's tasks stand, in
// one statement; the gated remediations still waiting; and the names of what items are about.
import {
  approval_requests,
  type DbOrTx,
  gitops_repositories,
  node_instances,
  node_modules,
  users,
} from "@nodepilot/store";
import { and, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { CALL_REQUEST_SOURCE } from "../autonomy/call-gate.ts";
import { conditionKey, parseDriftItemId } from "./item-id.ts";
import { DRIFT_KINDS, type DriftKind } from "./kinds.ts";

export interface DriftRow {
  kind: DriftKind;
  fingerprint: string;
  episode: number;
  first_seen_at: Date;
  /** first_seen_at as the database spelled it (microseconds kept), for the keyset. */
  first_seen_iso: string;
  last_seen_at: Date;
  cleared_at: Date | null;
  severity: "low" | "medium" | "high" | "critical";
  payload: Record<string, unknown> | null;
  overlay: {
    status: "snoozed" | "resolved" | "remediating" | null;
    snoozed_until: Date | null;
    reason: string | null;
    decided_by: string | null;
    decided_at: Date | null;
    assignee_user_id: string | null;
    approval_request_id: string | null;
    task_ids: string[];
    remediated_at: Date | null;
    remediation_count: number;
  } | null;
  tasks: { found: number; failed: number; succeeded: number; last_completed_at: Date | null };
}

/** Which rows a read may return; "active" is every uncleared, unresolved condition. */
export type CoarseStatus = "active" | "resolved" | "auto_resolved";

export interface DriftQuery {
  accountId: string;
  coarse?: CoarseStatus;
  kind?: DriftKind;
  instanceId?: string;
  /** Keyset: rows after this one in (first_seen_at, kind, fingerprint) order. */
  after?: { first_seen_iso: string; kind: string; fingerprint: string };
  /** One condition. */
  key?: { kind: DriftKind; fingerprint: string };
  limit: number;
}

// Timestamps leave as ISO text (to_json) so both drivers hand back the same thing.
const iso = (col: string) => sql.raw(`to_json(${col}) #>> '{}'`);
const date = (v: unknown): Date | null => (typeof v === "string" ? new Date(v) : null);

function coarseClause(c: CoarseStatus): SQL {
  if (c === "resolved") return sql`o.status = 'resolved'`;
  if (c === "auto_resolved") return sql`s.cleared_at IS NOT NULL AND o.status IS DISTINCT FROM 'resolved'`;
  return sql`s.cleared_at IS NULL AND o.status IS DISTINCT FROM 'resolved'`;
}

export async function readDriftRows(db: DbOrTx, q: DriftQuery): Promise<DriftRow[]> {
  const kinds = q.key ? [q.key.kind] : q.kind ? [q.kind] : [...DRIFT_KINDS];
  const where: SQL[] = [
    sql`s.account_id = ${q.accountId}::uuid`,
    sql`s.kind IN (${sql.join(
      kinds.map((k) => sql`${k}`),
      sql`, `,
    )})`,
  ];
  if (q.key) where.push(sql`s.fingerprint = ${q.key.fingerprint}`);
  if (q.coarse) where.push(coarseClause(q.coarse));
  if (q.instanceId) {
    where.push(sql`(ev.payload ->> 'instance_id' = ${q.instanceId} OR ev.payload ->> 'node_instance_id' = ${q.instanceId}
      OR ev.payload -> 'instance_ids' @> jsonb_build_array(${q.instanceId}::text))`);
  }
  if (q.after) {
    where.push(
      sql`(s.first_seen_at, s.kind, s.fingerprint) > (${q.after.first_seen_iso}::timestamptz, ${q.after.kind}, ${q.after.fingerprint})`,
    );
  }
  const res = await db.execute(sql`
    SELECT s.kind, s.fingerprint, s.episode, s.last_severity,
      ${iso("s.first_seen_at")} AS first_seen_at, ${iso("s.last_seen_at")} AS last_seen_at,
      ${iso("s.cleared_at")} AS cleared_at,
      ev.payload,
      (o.account_id IS NOT NULL) AS has_overlay, o.status AS overlay_status,
      ${iso("o.snoozed_until")} AS snoozed_until, o.reason, o.decided_by, ${iso("o.decided_at")} AS decided_at,
      o.assignee_user_id::text AS assignee_user_id, o.approval_request_id::text AS approval_request_id,
      to_json(o.task_ids) AS task_ids, ${iso("o.remediated_at")} AS remediated_at, o.remediation_count,
      COALESCE(tk.found, 0) AS tasks_found, COALESCE(tk.failed, 0) AS tasks_failed,
      COALESCE(tk.succeeded, 0) AS tasks_succeeded, tk.last_completed_at
    FROM fleet_signal_states s
    LEFT JOIN fleet_drift_items o
      ON o.account_id = s.account_id AND o.kind = s.kind AND o.fingerprint = s.fingerprint AND o.episode = s.episode
    LEFT JOIN LATERAL (
      SELECT e.payload FROM fleet_events e
      WHERE e.account_id = s.account_id AND e.fingerprint = s.fingerprint AND e.kind = s.kind
      ORDER BY e.emitted_at DESC, e.seq DESC
      LIMIT 1
    ) ev ON true
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS found,
        (count(*) FILTER (WHERE t.status IN ('failed', 'cancelled', 'expired')))::int AS failed,
        (count(*) FILTER (WHERE t.status = 'succeeded'))::int AS succeeded,
        ${iso("max(t.completed_at)")} AS last_completed_at
      FROM tasks t
      WHERE t.account_id = s.account_id AND t.id = ANY(o.task_ids)
    ) tk ON true
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY s.first_seen_at, s.kind, s.fingerprint
    LIMIT ${q.limit}`);
  return (res.rows as Record<string, unknown>[]).map(rowOf);
}

function rowOf(r: Record<string, unknown>): DriftRow {
  return {
    kind: r.kind as DriftKind,
    fingerprint: r.fingerprint as string,
    episode: Number(r.episode),
    first_seen_at: date(r.first_seen_at)!,
    first_seen_iso: r.first_seen_at as string,
    last_seen_at: date(r.last_seen_at)!,
    cleared_at: date(r.cleared_at),
    severity: r.last_severity as DriftRow["severity"],
    payload: typeof r.payload === "object" && r.payload !== null ? (r.payload as Record<string, unknown>) : null,
    overlay: r.has_overlay
      ? {
          status: (r.overlay_status ?? null) as NonNullable<DriftRow["overlay"]>["status"],
          snoozed_until: date(r.snoozed_until),
          reason: (r.reason ?? null) as string | null,
          decided_by: (r.decided_by ?? null) as string | null,
          decided_at: date(r.decided_at),
          assignee_user_id: (r.assignee_user_id ?? null) as string | null,
          approval_request_id: (r.approval_request_id ?? null) as string | null,
          task_ids: Array.isArray(r.task_ids) ? (r.task_ids as string[]) : [],
          remediated_at: date(r.remediated_at),
          remediation_count: Number(r.remediation_count ?? 0),
        }
      : null,
    tasks: {
      found: Number(r.tasks_found),
      failed: Number(r.tasks_failed),
      succeeded: Number(r.tasks_succeeded),
      last_completed_at: date(r.last_completed_at),
    },
  };
}

const RemediateCall = z.object({
  params: z.object({ operation: z.literal("drift.remediate"), input: z.object({ ids: z.array(z.string()) }) }),
});

/**
 * Conditions named by a gated `drift.remediate` call that waits for a person, or was approved and
 * has not started running: condition key → approval request id. A run in progress is not waiting.
 */
export async function readAwaitingApprovals(db: DbOrTx, accountId: string): Promise<Map<string, string>> {
  const a = approval_requests;
  const rows = await db
    .select({ id: a.id, action_payload: a.action_payload })
    .from(a)
    .where(
      and(
        eq(a.account_id, accountId),
        eq(a.source, CALL_REQUEST_SOURCE),
        or(eq(a.status, "pending"), and(eq(a.status, "approved"), isNull(a.execution_status))),
        sql`${a.action_payload} -> 'params' ->> 'operation' = 'drift.remediate'`,
      ),
    )
    .orderBy(a.created_at);
  const out = new Map<string, string>();
  for (const r of rows) {
    const call = RemediateCall.safeParse(r.action_payload);
    if (!call.success) continue;
    for (const id of call.data.params.input.ids) {
      const key = parseDriftItemId(id);
      if (key) out.set(conditionKey(key), r.id);
    }
  }
  return out;
}

export interface Names {
  instances: Map<string, { name: string; node_id: string }>;
  modules: Map<string, string>;
  repositories: Map<string, string>;
  users: Map<string, { email: string; name: string }>;
}

/** The names of the instances, modules, repositories and users items mention, in one read each. */
export async function readNames(
  db: DbOrTx,
  accountId: string,
  ids: { instances: string[]; modules: string[]; repositories: string[]; users: string[] },
): Promise<Names> {
  const uniq = (xs: string[]) => [...new Set(xs)].filter((x) => z.uuid().safeParse(x).success);
  const [instanceIds, moduleIds, repositoryIds, userIds] = [
    ids.instances,
    ids.modules,
    ids.repositories,
    ids.users,
  ].map(uniq) as [string[], string[], string[], string[]];
  // One after another: inside a transaction they share one connection.
  const inst = instanceIds.length
    ? await db
        .select({ id: node_instances.id, name: node_instances.name, node_id: node_instances.node_id })
        .from(node_instances)
        .where(and(eq(node_instances.account_id, accountId), inArray(node_instances.id, instanceIds)))
    : [];
  const mods = moduleIds.length
    ? await db
        .select({ id: node_modules.id, name: node_modules.name })
        .from(node_modules)
        .where(and(eq(node_modules.account_id, accountId), inArray(node_modules.id, moduleIds)))
    : [];
  const repos = repositoryIds.length
    ? await db
        .select({ id: gitops_repositories.id, name: gitops_repositories.name })
        .from(gitops_repositories)
        .where(and(eq(gitops_repositories.account_id, accountId), inArray(gitops_repositories.id, repositoryIds)))
    : [];
  const people = userIds.length
    ? await db
        .select({ id: users.id, email: users.email, name: users.display_name })
        .from(users)
        .where(and(eq(users.account_id, accountId), inArray(users.id, userIds)))
    : [];
  return {
    instances: new Map(inst.map((r) => [r.id, { name: r.name, node_id: r.node_id }])),
    modules: new Map(mods.map((r) => [r.id, r.name])),
    repositories: new Map(repos.map((r) => [r.id, r.name])),
    users: new Map(people.map((r) => [r.id, { email: r.email, name: r.name }])),
  };
}
