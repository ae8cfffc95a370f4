// Compose preview (spec/domain.md §3.7): what a set of modules composes to — closure in mount
// order, conflicts, footprint and the dependency graph — without writing anything.
import { analyzeComposition } from "./analyze.ts";
import { errorsOf, warningsOf } from "./conflicts.ts";
import { mountOrder, resolveEffectivePriority } from "./priority.ts";
import type { CompositionGraph, Conflict, ModulePick, ModuleVariety } from "./types.ts";

export interface VersionInfo {
  id: string;
  version_number: number;
  oci_digest: string | null;
  size_bytes: number | null;
  artifacts: readonly { architecture: string; size_bytes: number }[];
}

export interface PreviewInput {
  graph: CompositionGraph;
  picks: readonly ModulePick[];
  /** Each module's current version (the following pointer), when it has one. */
  currentVersions: ReadonlyMap<string, VersionInfo>;
  includeOptional?: boolean;
  multiplier?: number;
}

export interface PreviewModule {
  id: string;
  name: string;
  variety: ModuleVariety;
  priority: number;
  effective_priority: number;
  category_id: string | null;
  auto_resolved: boolean;
  current_version: { id: string; version_number: number; oci_digest: string | null } | null;
}

export interface GraphEdge {
  source: string;
  target: string;
  type: "requires" | "recommends" | "conflicts" | "depends_on";
  required?: boolean;
  version_constraint?: string;
}

export interface ComposePreview {
  modules: PreviewModule[];
  conflicts: Conflict[];
  footprint: {
    module_count: number;
    estimated_package_count: number;
    architectures: string[];
    estimated_size_bytes: number;
  };
  dependency_graph: {
    nodes: { id: string; name: string; variety: ModuleVariety; explicit: boolean; auto_resolved: boolean }[];
    edges: GraphEdge[];
  };
  warnings: string[];
  errors: string[];
}

export function composePreview(input: PreviewInput): ComposePreview {
  const { graph } = input;
  const { closure, conflicts } = analyzeComposition(graph, input.picks, {
    includeOptional: input.includeOptional ?? false,
  });
  const overrides = new Map(input.picks.map((p) => [p.module_id, p.priority_override ?? null]));
  const ctx = { modules: graph.modules, categories: graph.categories, overrides, multiplier: input.multiplier };
  const members = closure.members.flatMap((m) => {
    const mod = graph.modules.get(m.module_id);
    return mod ? [{ member: m, mod }] : [];
  });
  const modules = mountOrder(
    members.map(({ member, mod }): PreviewModule => {
      const v = input.currentVersions.get(mod.id);
      return {
        id: mod.id,
        name: mod.name,
        variety: mod.variety,
        priority: mod.priority,
        effective_priority: resolveEffectivePriority(mod, ctx),
        category_id: mod.category_id,
        auto_resolved: member.auto_resolved,
        current_version: v ? { id: v.id, version_number: v.version_number, oci_digest: v.oci_digest } : null,
      };
    }),
  );

  // Architectures every built module can serve; modules without artifacts do not narrow the set.
  let architectures: Set<string> | undefined;
  let size = 0;
  for (const { mod } of members) {
    const v = input.currentVersions.get(mod.id);
    if (!v) continue;
    const sizes = v.artifacts.map((a) => a.size_bytes);
    size += sizes.length ? Math.max(...sizes) : (v.size_bytes ?? 0);
    if (v.artifacts.length === 0) continue;
    const archs = new Set(v.artifacts.map((a) => a.architecture));
    architectures = architectures ? new Set([...architectures].filter((a) => archs.has(a))) : archs;
  }

  const inClosure = new Set(members.map(({ mod }) => mod.id));
  const edges: GraphEdge[] = [];
  for (const e of graph.edges) {
    if (!inClosure.has(e.source) || !inClosure.has(e.target)) continue;
    edges.push({
      source: e.source,
      target: e.target,
      type: e.type,
      ...(e.type === "conflicts" ? {} : { required: e.type === "requires" }),
      ...(e.version_constraint ? { version_constraint: e.version_constraint } : {}),
    });
  }
  for (const { mod } of members) {
    if (mod.parent_module_id && inClosure.has(mod.parent_module_id)) {
      edges.push({ source: mod.id, target: mod.parent_module_id, type: "depends_on", required: true });
    }
  }

  return {
    modules,
    conflicts,
    footprint: {
      module_count: members.length,
      estimated_package_count: members.reduce((n, { mod }) => n + mod.package_spec.length, 0),
      architectures: [...(architectures ?? [])].sort(),
      estimated_size_bytes: size,
    },
    dependency_graph: {
      nodes: members.map(({ member, mod }) => ({
        id: mod.id,
        name: mod.name,
        variety: mod.variety,
        explicit: member.explicit,
        auto_resolved: member.auto_resolved,
      })),
      edges,
    },
    warnings: warningsOf(conflicts).map((c) => c.detail),
    errors: errorsOf(conflicts).map((c) => c.detail),
  };
}
