// The assignments revision (spec/agent.md §5 `assignments_revision`, §8 ETag): a digest of every
// stored input the delivery planner reads for an instance — its architecture and resolved
// environment, its node's assignments, their modules, template joins, dependency edges, current
// and pinned versions, and the account's delivery keys. The planner's output is a function of these
// rows, so an unchanged revision means an unchanged desired set. The join is computed only when an
// input changed: revision-store.ts keeps the last revision per instance under the account's
// delivery stamp, which triggers on every table read here bump (docs/adr/0008). Reading another
// table here means giving it those triggers too (revision-store.test.ts checks).
import { createHash } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";

/** Bumped whenever the planner starts reading another input, so every agent refetches once. */
const REVISION_SCHEME = "delivery-v1";

const ms = (col: string) => `coalesce((extract(epoch from ${col}) * 1000)::bigint::text, '')`;

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

/**
 * revisionOf in SQL, for a source text expression: the same bytes (the scheme line, then the source
 * as UTF-8) and the same digest, so a revision computed by the database equals one computed here.
 */
export const revisionDigest = (source: SQL): SQL =>
  sql`substr(encode(sha256(convert_to(${sql.raw(`'${REVISION_SCHEME}' || chr(10)`)} || ${source}, 'UTF8')), 'hex'), 1, 32)`;
