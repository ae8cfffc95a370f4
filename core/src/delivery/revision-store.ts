// The stored delivery revision (docs/adr/0010-delivery-revision-stamp.md). Computing the revision
// is a join over a dozen tables; the heartbeat needs it for every beat, and it changes only when an
// input row does. So each instance keeps its last revision with the account's delivery stamp it was
// computed under, and a reader answers the stored one only while that stamp is still the account's
// current one. Every input table bumps the stamp in the writing transaction (at commit, by trigger),
// so a snapshot that sees the stamp unchanged sees the same inputs: the answer is never stale, and
// there is no expiry to tune. Stale instances are recomputed with the join in the same statement
// and their new revision is stored under the stamp that statement read.
import type { Db, DbOrTx } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";
import { revisionDigest, revisionInputs, revisionSource } from "./revision.ts";

export interface RevisionTarget {
  accountId: string;
  instanceId: string;
}

// Set (transaction-locally) by the input tables' statement triggers: this transaction wrote an
// input whose stamp bump waits for commit, so neither the stored revision nor the stamp it reads
// describes what this transaction sees.
const clean = sql`coalesce(current_setting('nodepilot.delivery_dirty', true), '') <> 'on'`;

/**
 * CTEs (to follow other CTEs of a WITH, comma included by the caller) that end in
 * `delivery_rev(instance_id, revision, stamp, computed)` for the instances of `source` (any relation
 * with `account_id` and `instance_id`). `store` adds the upsert of what was recomputed (a
 * data-modifying CTE, so not in a read-only transaction). Instances that do not exist in their
 * account are absent.
 */
export function deliveryRevisionCtes(source: SQL, opts: { store: boolean }): SQL {
  const put = opts.store
    ? sql`dr_put AS (
      INSERT INTO instance_delivery_revisions AS r (instance_id, account_id, stamp, revision)
      SELECT instance_id, account_id, stamp, revision FROM dr_new WHERE ${clean}
      ORDER BY instance_id
      ON CONFLICT (instance_id) DO UPDATE
        SET account_id = excluded.account_id, stamp = excluded.stamp, revision = excluded.revision
        -- Never back: a statement that read an older stamp may finish after one that read a newer one.
        WHERE r.stamp < excluded.stamp
      RETURNING 1
    ),`
    : sql``;
  return sql`dr_cur AS (
      SELECT s.account_id, s.instance_id, s.stamp, r.revision AS stored
      FROM (
        SELECT b.account_id, b.instance_id,
          coalesce((SELECT x.stamp FROM account_delivery_stamps x WHERE x.account_id = b.account_id), 0) AS stamp
        FROM ${source} b
      ) s
      LEFT JOIN instance_delivery_revisions r
        ON r.instance_id = s.instance_id AND r.account_id = s.account_id AND r.stamp = s.stamp AND ${clean}
    ),
    dr_inst AS (${revisionInputs(sql`(SELECT account_id, instance_id FROM dr_cur WHERE stored IS NULL)`)}),
    dr_new AS (
      SELECT c.instance_id, c.account_id, c.stamp, ${revisionDigest(revisionSource(sql`dri`))} AS revision
      FROM dr_inst dri JOIN dr_cur c ON c.instance_id = dri.instance_id
    ),
    ${put}
    delivery_rev AS (
      SELECT instance_id, stored AS revision, stamp, false AS computed FROM dr_cur WHERE stored IS NOT NULL
      UNION ALL
      SELECT instance_id, revision, stamp, true AS computed FROM dr_new
    )`;
}

export interface DeliveryRevision {
  revision: string;
  /** The account's delivery stamp in the snapshot the revision belongs to. */
  stamp: number;
  /** True when it was recomputed from the inputs rather than read from the store. */
  computed: boolean;
}

/**
 * instance id → its revision, in the caller's snapshot. `store: false` for a read-only transaction:
 * what it recomputed can be stored afterwards with storeDeliveryRevision.
 */
export async function assignmentsRevisions(
  db: DbOrTx,
  targets: readonly RevisionTarget[],
  opts: { store: boolean } = { store: true },
): Promise<Map<string, DeliveryRevision>> {
  const out = new Map<string, DeliveryRevision>();
  if (targets.length === 0) return out;
  const values = targets.map((t) => sql`(${t.accountId}::uuid, ${t.instanceId}::uuid)`);
  const res = await db.execute(sql`
    WITH b(account_id, instance_id) AS (VALUES ${sql.join(values, sql`, `)}),
    ${deliveryRevisionCtes(sql`b`, opts)}
    SELECT instance_id::text AS instance_id, revision, stamp::text AS stamp, computed FROM delivery_rev`);
  for (const row of res.rows as { instance_id: string; revision: string; stamp: string; computed: boolean }[]) {
    out.set(row.instance_id, { revision: row.revision, stamp: Number(row.stamp), computed: row.computed });
  }
  return out;
}

/**
 * Stores a revision computed in an earlier snapshot (a read-only transaction's). A (stamp, revision)
 * pair stays true of the state at that stamp, so it may be stored late; it only never replaces a
 * newer one. The instance row is locked first, in the order the heartbeat takes its locks (instance,
 * then revision row), and an instance deleted meanwhile stores nothing.
 */
export async function storeDeliveryRevision(
  db: Db,
  target: RevisionTarget,
  rev: Pick<DeliveryRevision, "revision" | "stamp">,
): Promise<void> {
  await db.execute(sql`
    WITH i AS (
      SELECT id, account_id FROM node_instances
      WHERE id = ${target.instanceId}::uuid AND account_id = ${target.accountId}::uuid FOR KEY SHARE
    )
    INSERT INTO instance_delivery_revisions AS r (instance_id, account_id, stamp, revision)
    SELECT i.id, i.account_id, ${rev.stamp}::bigint, ${rev.revision}::text FROM i
    ON CONFLICT (instance_id) DO UPDATE
      SET account_id = excluded.account_id, stamp = excluded.stamp, revision = excluded.revision
      WHERE r.stamp < excluded.stamp`);
}
