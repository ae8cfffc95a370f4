// Builders for the composition planners' table tests: a module with defaults, and a graph.
import type { CompCategory, CompEdge, CompModule, CompositionGraph } from "./types.ts";

export function mod(id: string, over: Partial<CompModule> = {}): CompModule {
  return {
    id,
    name: id,
    variety: "config",
    enabled: true,
    priority: 0,
    category_id: null,
    parent_module_id: null,
    lock_spec: false,
    mask: [],
    file_spec: [],
    package_spec: [],
    dependency_spec: [],
    protected_spec: [],
    ...over,
  };
}

export function edge(
  source: string,
  target: string,
  type: CompEdge["type"] = "requires",
  version_constraint: string | null = null,
): CompEdge {
  return { source, target, type, version_constraint };
}

export function category(id: string, position: number, over: Partial<CompCategory> = {}): CompCategory {
  return {
    id,
    slug: id,
    variety: "subscription",
    position,
    parent_id: null,
    config_category_id: null,
    instance_category_id: null,
    ...over,
  };
}

export function graph(
  modules: CompModule[],
  edges: CompEdge[] = [],
  categories: CompCategory[] = [],
): CompositionGraph {
  return {
    modules: new Map(modules.map((m) => [m.id, m])),
    edges,
    categories: new Map(categories.map((c) => [c.id, c])),
  };
}
