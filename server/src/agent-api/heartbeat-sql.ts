// The set-based statements of one heartbeat batch: lock the batch's instances, write the observed
// columns of all of them in one UPDATE … FROM (VALUES …), upsert module digest observations, and
// renew the leases the beats listed.

import type { EventOrigin } from "@nodepilot/core";
import { AppError, deliveryRevisionCtes, renewTask, revisionOf, toAppError } from "@nodepilot/core";
import type { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import { module_digest_observations, node_instances, type Tx, tasks } from "@nodepilot/store";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { HeartbeatEntry } from "./heartbeat-entry.ts";

/** The names of the capabilities a beat reports as present, sorted (the column is a text[]). */
export function capabilityNames(body: HeartbeatRequest): string[] | undefined {
  if (!body.capabilities) return undefined;
  return Object.entries(body.capabilities)
    .filter(([, present]) => present)
    .map(([name]) => name)
    .sort();
}

export interface BatchRow {
  id: string;
  account_id: string;
  node_id: string;
  status: string;
  boot_id: string | null;
  last_heartbeat_at: Date | null;
}

/** Lock the batch's instances in id order (the order every batch and recordHeartbeat use). */
export async function lockBatch(tx: Tx, entries: readonly HeartbeatEntry[]): Promise<Map<string, BatchRow>> {
  const rows = await tx
    .select({
      id: node_instances.id,
      account_id: node_instances.account_id,
      node_id: node_instances.node_id,
      status: node_instances.status,
      boot_id: node_instances.boot_id,
      last_heartbeat_at: node_instances.last_heartbeat_at,
    })
    .from(node_instances)
    .where(
      inArray(
        node_instances.id,
        entries.map((e) => e.instanceId),
      ),
    )
    .orderBy(node_instances.id)
    .for("update");
  return new Map(rows.map((r) => [r.id, r]));
}

// A heartbeat proves the agent is up; from these states the finalizer moves the instance to running.
export const SETTLES: ReadonlySet<string> = new Set(["provisioning", "starting", "rebooting", "error"]);

export const heartbeatCandidates = {
  refusal(entry: HeartbeatEntry, row: BatchRow | undefined): AppError | undefined {
    if (!row || row.account_id !== entry.accountId) {
      return new AppError("not_found", `instance ${entry.instanceId} was not found`);
    }
    if (row.status === "terminated") {
      return new AppError("conflict", `instance ${entry.instanceId} is terminated`, {
        reason: "instance_terminated",
        current_state: "terminated",
      });
    }
    return undefined;
  },
  /** First contact, a status a heartbeat settles, or a new boot (which may settle a reboot task). */
  needsFinalizer(entry: HeartbeatEntry, row: BatchRow): boolean {
    return (
      row.last_heartbeat_at === null ||
      SETTLES.has(row.status) ||
      (row.boot_id !== null && row.boot_id !== entry.body.boot_id)
    );
  },
};

export async function writeObserved(tx: Tx, entries: readonly HeartbeatEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const values = entries.map((e) => {
    const caps = capabilityNames(e.body);
    return sql`(${e.instanceId}::uuid, ${e.now}::timestamptz, ${e.body.boot_id}::text, ${e.body.agent_version}::text,
      ${e.body.module_digests ? JSON.stringify(e.body.module_digests) : null}::jsonb,
      ${caps ? `{${caps.join(",")}}` : null}::text[],
      ${e.body.booted_image_git_sha ?? null}::text, ${e.body.mount_mode ?? null}::text)`;
  });
  // A blank image SHA never erases a known one (agent.md §5); absent telemetry keeps the old value.
  await tx.execute(sql`
    UPDATE node_instances AS n SET
      last_heartbeat_at = GREATEST(v.now, n.last_heartbeat_at),
      boot_id = v.boot_id,
      agent_version = v.agent_version,
      running_module_digests = COALESCE(v.digests, n.running_module_digests),
      capabilities = COALESCE(v.caps, n.capabilities),
      booted_image_git_sha = COALESCE(NULLIF(v.sha, ''), n.booted_image_git_sha),
      mount_mode = COALESCE(v.mount_mode, n.mount_mode)
    FROM (VALUES ${sql.join(values, sql`, `)}) AS v(id, now, boot_id, agent_version, digests, caps, sha, mount_mode)
    WHERE n.id = v.id`);
  const observations = entries
    .flatMap((e) => Object.entries(e.body.module_digests ?? {}).map(([moduleId, digest]) => ({ e, moduleId, digest })))
    .sort((a, b) =>
      `${a.e.instanceId}/${a.moduleId}/${a.digest}` < `${b.e.instanceId}/${b.moduleId}/${b.digest}` ? -1 : 1,
    );
  if (observations.length === 0) return;
  await tx
    .insert(module_digest_observations)
    .values(
      observations.map(({ e, moduleId, digest }) => ({
        account_id: e.accountId,
        node_instance_id: e.instanceId,
        node_module_id: moduleId,
        oci_digest: digest,
        first_seen_at: e.now,
        last_seen_at: e.now,
      })),
    )
    .onConflictDoUpdate({
      target: [
        module_digest_observations.node_instance_id,
        module_digest_observations.node_module_id,
        module_digest_observations.oci_digest,
      ],
      set: { last_seen_at: sql`GREATEST(${module_digest_observations.last_seen_at}, excluded.last_seen_at)` },
    });
}

/** `active_leases` is a second renewal path (agent.md §6); only this instance's own leases count. */
export async function renewListedLeases(tx: Tx, origin: EventOrigin, entry: HeartbeatEntry) {
  const renewed: { task_id: string; lease_expires_at: string }[] = [];
  const lost: { task_id: string; reason: string }[] = [];
  const listed = entry.body.active_leases ?? [];
  if (listed.length === 0) return { renewed, lost };
  const owned = await tx
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        inArray(
          tasks.id,
          listed.map((l) => l.task_id),
        ),
        eq(tasks.account_id, entry.accountId),
        eq(tasks.lease_holder, entry.instanceId),
      ),
    );
  const mine = new Set(owned.map((r) => r.id));
  for (const l of listed) {
    if (!mine.has(l.task_id)) {
      lost.push({ task_id: l.task_id, reason: "not_found" });
      continue;
    }
    try {
      // renewTask runs in its own savepoint: a refusal rolls back only itself, and a timeout's
      // failure (committed by renewTask before it throws) survives.
      const row = await renewTask(tx, origin, {
        taskId: l.task_id,
        leaseId: l.lease_id,
        ...(l.progress === undefined ? {} : { progress: l.progress }),
        now: entry.now,
      });
      renewed.push({ task_id: l.task_id, lease_expires_at: (row.lease_expires_at ?? entry.now).toISOString() });
    } catch (err) {
      const e = toAppError(err);
      lost.push({ task_id: l.task_id, reason: e.reason ?? e.code });
    }
  }
  return { renewed, lost };
}

/** What a beat answers when its instance has no revision row (its node or template is gone). */
export const EMPTY_REVISION = revisionOf("");

export interface BeatSummary {
  /** Pending agent tasks the instance could lease now (its own, and its node's when it is the only live instance). */
  pending: number;
  /** The delivery revision (core's stored revision): the same value GET /assignments sends as its ETag. */
  revision: string;
}

/**
 * The reply side of a whole batch in one statement: per instance, the pending agent tasks it could
 * lease and a revision of its node's module assignments (one query per batch, not per beat).
 */
export async function batchSummaries(
  tx: Tx,
  items: readonly { accountId: string; instanceId: string; nodeId: string; now: Date }[],
): Promise<Map<string, BeatSummary>> {
  const out = new Map<string, BeatSummary>();
  if (items.length === 0) return out;
  const values = items.map(
    (i) => sql`(${i.accountId}::uuid, ${i.instanceId}::uuid, ${i.nodeId}::uuid, ${i.now}::timestamptz)`,
  );
  const res = await tx.execute(sql`
    WITH b(account_id, id, node_id, now) AS (VALUES ${sql.join(values, sql`, `)}),
    ${summaryOf(sql`b`)}`);
  for (const row of res.rows as { instance_id: string; pending: number; revision: string | null }[]) {
    out.set(row.instance_id, { pending: Number(row.pending), revision: row.revision ?? EMPTY_REVISION });
  }
  return out;
}

/**
 * The tail of a statement that answers beats: given a CTE `source(account_id, id, node_id, now)` of
 * instances, a `live` CTE, the delivery revision CTEs (stored, or recomputed and stored when an
 * input changed) and the SELECT of each instance's pending agent tasks (its own, and its node's when
 * it is the node's only live instance) and its assignments revision.
 */
export function summaryOf(source: SQL): SQL {
  return sql`live AS (
      SELECT n.node_id, count(*)::int AS n FROM node_instances n
      WHERE n.node_id IN (SELECT node_id FROM ${source}) AND n.status <> 'terminated' GROUP BY n.node_id
    ),
    ${deliveryRevisionCtes(sql`(SELECT s.account_id, s.id AS instance_id FROM ${source} s)`, { store: true })}
    SELECT u.id::text AS instance_id, u.node_id::text AS node_id,
      (SELECT count(*)::int FROM tasks t
        WHERE t.account_id = u.account_id AND t.status = 'pending' AND t.executor = 'agent'
          AND t.available_at <= u.now
          AND ((t.subject_type = 'node_instance' AND t.subject_id = u.id)
            OR (coalesce(l.n, 0) = 1 AND t.subject_type = 'node' AND t.subject_id = u.node_id))
      ) AS pending,
      dr.revision
    FROM ${source} u LEFT JOIN live l ON l.node_id = u.node_id LEFT JOIN delivery_rev dr ON dr.instance_id = u.id`;
}
