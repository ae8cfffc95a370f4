// The in-memory shapes the composition planners work on (spec/domain.md §3). A loader turns store
// rows into these once; every planner is a pure function over them, table-tested without a database.

export type ModuleVariety = "subscription" | "config" | "instance";
export type DependencyType = "requires" | "recommends" | "conflicts";
export type ConflictSeverity = "error" | "warning";

export interface CompModule {
  id: string;
  name: string;
  variety: ModuleVariety;
  enabled: boolean;
  /** 0–999, the module's own priority inside its category band. */
  priority: number;
  category_id: string | null;
  parent_module_id: string | null;
  lock_spec: boolean;
  mask: readonly string[];
  file_spec: readonly string[];
  package_spec: readonly string[];
  dependency_spec: readonly string[];
  protected_spec: readonly string[];
}

/** One module_dependencies row: `source` depends on (or conflicts with) `target`. */
export interface CompEdge {
  source: string;
  target: string;
  type: DependencyType;
  version_constraint: string | null;
}

export interface CompCategory {
  id: string;
  slug: string;
  variety: ModuleVariety;
  position: number;
  parent_id: string | null;
  config_category_id: string | null;
  instance_category_id: string | null;
}

/** A template join's `recommends_override`, with module references resolved to ids. */
export interface RecommendsOverride {
  replace?: readonly string[];
  included?: readonly string[];
  excluded?: readonly string[];
}

/** An explicitly chosen module: a template join or a node assignment. */
export interface ModulePick {
  module_id: string;
  recommends_override?: RecommendsOverride | null;
  priority_override?: number | null;
}

export interface CompositionGraph {
  modules: ReadonlyMap<string, CompModule>;
  edges: readonly CompEdge[];
  categories: ReadonlyMap<string, CompCategory>;
}

export interface Conflict {
  kind: string;
  severity: ConflictSeverity;
  /** Module ids, sorted, so that the same conflict always has the same identity. */
  modules: string[];
  detail: string;
}
