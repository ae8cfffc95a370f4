// The assignments revision (spec/agent.md §5 `assignments_revision`, §8 ETag): a digest of every
// stored input the delivery planner reads for an instance — its architecture and resolved
// environment, its node's assignments, their modules, template joins, dependency edges, current
// and pinned versions, and the account's delivery keys. The planner's output is a function of these
// rows, so an unchanged revision means an unchanged desired set. One statement for any number of
// instances, so the heartbeat can answer a whole batch with it; GET /agent/v1/assignments uses the
// same function for its ETag, so the two can never disagree.
import { createHash } from "node:crypto";
import type { DbOrTx } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";

/** Bumped whenever the planner starts reading another input, so every agent refetches once. */
const REVISION_SCHEME = "delivery-v1";

const ms = (col: string) => `coalesce((extract(epoch from ${col}) * 1000)::bigint::text, '')`;

export interface RevisionTarget {
  accountId: string;
  instanceId: string;
}

/**
 * The rows every revision is computed from: `source` is any relation with `account_id` and
 * `instance_id` columns (a VALUES list, or a CTE of a heartbeat batch).
 */
export function revisionInputs(source: SQL): SQL {
  return sql`SELECT i.id AS instance_id, i.account_id, i.node_id, i.architecture,
             coalesce(i.environment_id, n.environment_id, t.environment_id) AS env_id
      FROM ${source} b
      JOIN node_instances i ON i.id = b.instance_id AND i.account_id = b.account_id
      JOIN nodes n ON n.id = i.node_id
      JOIN node_templates t ON t.id = n.node_template_id`;
}

/** The revision's source text for the row `inst` of revisionInputs (an expression). */
export function revisionSource(inst: SQL): SQL {
  return sql`concat_ws('|',
      ${inst}.architecture,
      coalesce(${inst}.env_id::text, ''),
      (SELECT concat_ws(',', e.delivery_mode, e.min_promotion_state, e.signature_mode, e.protected::text, e.version::text)
         FROM environments e WHERE e.id = ${inst}.env_id),
      (SELECT string_agg(k.key_id || ':' || (k.revoked_at IS NULL)::text, ',' ORDER BY k.key_id)
         FROM delivery_keys k WHERE k.account_id = ${inst}.account_id),
      (SELECT string_agg(concat_ws(',',
           a.id::text, a.enabled::text, a.version::text, coalesce(a.priority_override::text, ''),
           coalesce(tm.enabled::text, ''),
           m.id::text, m.version::text, m.enabled::text, coalesce(m.current_version_id::text, ''),
           coalesce((SELECT c.position::text FROM node_module_categories c WHERE c.id = m.category_id), ''),
           coalesce(cv.version::text, ''), coalesce(cv.promotion_state, ''),
           coalesce(p.module_version_id::text, ''), ${sql.raw(ms("p.promoted_at"))},
           coalesce(pv.version::text, ''), coalesce(pv.promotion_state, ''),
           coalesce((SELECT string_agg(concat_ws(':', d.dependency_id::text, d.dependency_type, coalesce(d.version_constraint, '')), ';' ORDER BY d.id)
              FROM module_dependencies d WHERE d.node_module_id = m.id), '')
         ), '/' ORDER BY a.id)
         FROM node_module_assignments a
         JOIN node_modules m ON m.id = a.node_module_id
         LEFT JOIN template_modules tm ON tm.id = a.source_template_module_id
         LEFT JOIN module_versions cv ON cv.id = m.current_version_id
         LEFT JOIN module_environment_pins p ON p.node_module_id = m.id AND p.environment_id = ${inst}.env_id
         LEFT JOIN module_versions pv ON pv.id = p.module_version_id
         WHERE a.node_id = ${inst}.node_id)
    )`;
}

/** The revision (32 hex) of a source text. */
export const revisionOf = (source: string): string =>
  createHash("sha256").update(`${REVISION_SCHEME}\n${source}`).digest("hex").slice(0, 32);

/** instance id → revision (32 hex). Instances that do not exist in their account are absent. */
export async function assignmentsRevisions(
  db: DbOrTx,
  targets: readonly RevisionTarget[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (targets.length === 0) return out;
  const values = targets.map((t) => sql`(${t.accountId}::uuid, ${t.instanceId}::uuid)`);
  const res = await db.execute(sql`
    WITH b(account_id, instance_id) AS (VALUES ${sql.join(values, sql`, `)}),
    inst AS (${revisionInputs(sql`b`)})
    SELECT inst.instance_id::text AS instance_id, ${revisionSource(sql`inst`)} AS source
    FROM inst`);
  for (const row of res.rows as { instance_id: string; source: string }[]) {
    out.set(row.instance_id, revisionOf(row.source));
  }
  return out;
}
