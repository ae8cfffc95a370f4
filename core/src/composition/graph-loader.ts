// Reads the composition snapshot from the store: the modules reachable from a set of picks (by
// requires, recommends and parent links), their dependency edges and the account's categories.
// Everything downstream of this file is pure.
import {
  type DbOrTx,
  module_artifacts,
  module_dependencies,
  module_versions,
  node_module_assignments,
  node_module_categories,
  node_modules,
  template_modules,
} from "@nodepilot/store";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { VersionInfo } from "./compose-preview.ts";
import type { CompCategory, CompEdge, CompModule, CompositionGraph, ModulePick, RecommendsOverride } from "./types.ts";

export type ModuleRow = typeof node_modules.$inferSelect;
export type TemplateModuleRow = typeof template_modules.$inferSelect;
export type AssignmentRow = typeof node_module_assignments.$inferSelect;

/** A template join's recommends_override as stored: module names, so exports stay portable. */
export interface StoredRecommendsOverride {
  replace?: string[];
  included?: string[];
  excluded?: string[];
}

export function toCompModule(row: ModuleRow): CompModule {
  return {
    id: row.id,
    name: row.name,
    variety: row.variety,
    enabled: row.enabled,
    priority: row.priority,
    category_id: row.category_id,
    parent_module_id: row.parent_module_id,
    lock_spec: row.lock_spec,
    mask: row.mask,
    file_spec: row.file_spec,
    package_spec: row.package_spec,
    dependency_spec: row.dependency_spec,
    protected_spec: row.protected_spec,
  };
}

export interface LoadedGraph extends CompositionGraph {
  rows: ReadonlyMap<string, ModuleRow>;
}

export async function loadCategories(db: DbOrTx, accountId: string): Promise<Map<string, CompCategory>> {
  const rows = await db.select().from(node_module_categories).where(eq(node_module_categories.account_id, accountId));
  return new Map(rows.map((c) => [c.id, c]));
}

export async function loadCompositionGraph(
  db: DbOrTx,
  accountId: string,
  seedIds: readonly string[],
): Promise<LoadedGraph> {
  const rows = new Map<string, ModuleRow>();
  const edges: CompEdge[] = [];
  const requested = new Set<string>(seedIds);
  let frontier = [...requested];
  while (frontier.length > 0) {
    // Sequential on purpose: inside a transaction these share one connection.
    const mods = await db
      .select()
      .from(node_modules)
      .where(and(eq(node_modules.account_id, accountId), inArray(node_modules.id, frontier)));
    const deps = await db
      .select()
      .from(module_dependencies)
      .where(and(eq(module_dependencies.account_id, accountId), inArray(module_dependencies.node_module_id, frontier)));
    const next = new Set<string>();
    for (const m of mods) {
      rows.set(m.id, m);
      if (m.parent_module_id) next.add(m.parent_module_id);
    }
    for (const d of deps) {
      edges.push({
        source: d.node_module_id,
        target: d.dependency_id,
        type: d.dependency_type,
        version_constraint: d.version_constraint,
      });
      if (d.dependency_type !== "conflicts") next.add(d.dependency_id);
    }
    frontier = [...next].filter((id) => !requested.has(id));
    for (const id of frontier) requested.add(id);
  }
  const modules = new Map([...rows].map(([id, r]) => [id, toCompModule(r)]));
  return { modules, edges, categories: await loadCategories(db, accountId), rows };
}

/** Module ids by lower-cased name, for the names a recommends_override refers to. */
export async function moduleIdsByName(
  db: DbOrTx,
  accountId: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  const lowered = [...new Set(names.map((n) => n.toLowerCase()))];
  if (lowered.length === 0) return new Map();
  const rows = await db
    .select({ id: node_modules.id, name: node_modules.name })
    .from(node_modules)
    .where(and(eq(node_modules.account_id, accountId), inArray(sql`lower(${node_modules.name})`, lowered)));
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.id]));
}

export const overrideNames = (o: StoredRecommendsOverride | null | undefined) => [
  ...(o?.replace ?? []),
  ...(o?.included ?? []),
  ...(o?.excluded ?? []),
];

export function overrideToIds(
  o: StoredRecommendsOverride | null | undefined,
  ids: ReadonlyMap<string, string>,
): RecommendsOverride | null {
  if (!o) return null;
  const map = (list: string[] | undefined) => list?.flatMap((n) => ids.get(n.toLowerCase()) ?? []);
  const out: RecommendsOverride = {};
  const replace = map(o.replace);
  const included = map(o.included);
  const excluded = map(o.excluded);
  if (replace) out.replace = replace;
  if (included) out.included = included;
  if (excluded) out.excluded = excluded;
  return out;
}

export interface TemplateSelection {
  joins: TemplateModuleRow[];
  /** The enabled joins as closure picks. */
  picks: ModulePick[];
  /** template_modules.id per picked module id. */
  joinByModule: Map<string, string>;
}

export async function loadTemplateSelection(
  db: DbOrTx,
  accountId: string,
  templateId: string,
): Promise<TemplateSelection> {
  const joins = await db
    .select()
    .from(template_modules)
    .where(and(eq(template_modules.account_id, accountId), eq(template_modules.node_template_id, templateId)))
    .orderBy(asc(template_modules.created_at), asc(template_modules.id));
  const enabled = joins.filter((j) => j.enabled);
  const ids = await moduleIdsByName(
    db,
    accountId,
    enabled.flatMap((j) => overrideNames(j.recommends_override as StoredRecommendsOverride | null)),
  );
  return {
    joins,
    picks: enabled.map((j) => ({
      module_id: j.node_module_id,
      recommends_override: overrideToIds(j.recommends_override as StoredRecommendsOverride | null, ids),
    })),
    joinByModule: new Map(enabled.map((j) => [j.node_module_id, j.id])),
  };
}

/** Every module id a set of picks refers to, including those named by recommends overrides. */
export const pickSeeds = (picks: readonly ModulePick[]) => [
  ...new Set(
    picks.flatMap((p) => [
      p.module_id,
      ...(p.recommends_override?.replace ?? []),
      ...(p.recommends_override?.included ?? []),
    ]),
  ),
];

export interface NodeSelection {
  assignments: AssignmentRow[];
  /** The enabled assignments as picks (a node's set is not expanded). */
  picks: ModulePick[];
}

export async function loadNodeSelection(db: DbOrTx, accountId: string, nodeId: string): Promise<NodeSelection> {
  const assignments = await db
    .select()
    .from(node_module_assignments)
    .where(and(eq(node_module_assignments.account_id, accountId), eq(node_module_assignments.node_id, nodeId)))
    .orderBy(asc(node_module_assignments.created_at), asc(node_module_assignments.id));
  return {
    assignments,
    picks: assignments
      .filter((a) => a.enabled)
      .map((a) => ({ module_id: a.node_module_id, priority_override: a.priority_override })),
  };
}

/** Each module's current version (the following pointer) with its artifacts' sizes. */
export async function loadCurrentVersions(db: DbOrTx, rows: Iterable<ModuleRow>): Promise<Map<string, VersionInfo>> {
  const pointers = new Map<string, string>();
  for (const r of rows) if (r.current_version_id) pointers.set(r.current_version_id, r.id);
  if (pointers.size === 0) return new Map();
  const versionIds = [...pointers.keys()];
  const versions = await db.select().from(module_versions).where(inArray(module_versions.id, versionIds));
  const artifacts = await db
    .select({
      version: module_artifacts.module_version_id,
      architecture: module_artifacts.architecture,
      size_bytes: module_artifacts.size_bytes,
    })
    .from(module_artifacts)
    .where(inArray(module_artifacts.module_version_id, versionIds));
  const out = new Map<string, VersionInfo>();
  for (const v of versions) {
    out.set(v.node_module_id, {
      id: v.id,
      version_number: v.version_number,
      oci_digest: v.oci_digest,
      size_bytes: v.size_bytes,
      artifacts: artifacts.filter((a) => a.version === v.id),
    });
  }
  return out;
}
