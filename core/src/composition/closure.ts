// Closure resolution (spec/domain.md §3.4, §3.5): explicit picks plus everything they need,
// depth-first with dependencies before dependants. `requires` and parent edges are always
// followed; `recommends` only with include_optional and when the pick's template predicate allows.
import type { CompEdge, CompositionGraph, ModulePick, RecommendsOverride } from "./types.ts";

export interface ClosureMember {
  module_id: string;
  explicit: boolean;
  auto_resolved: boolean;
  /** The explicit picks whose closure pulled this module in (itself, for a pick). */
  pulled_by: string[];
}

export interface MissingDependency {
  module_id: string;
  dependency_id: string;
  required: boolean;
}

export interface Closure {
  /** Topological order: every module after the modules it depends on. */
  members: ClosureMember[];
  missing: MissingDependency[];
  /** Each cycle as a path of module ids whose first and last entries are equal. */
  cycles: string[][];
}

export interface ClosureOptions {
  includeOptional?: boolean;
  /**
   * False for a node's assignment set: it is taken as it stands (nothing is pulled in), and a hard
   * dependency that is not in the set is reported missing.
   */
  expand?: boolean;
}

/** The recommends a pick follows: the module's own, replaced outright, or minus excluded plus included. */
export function allowedRecommends(
  defaults: readonly string[],
  override: RecommendsOverride | null | undefined,
): string[] {
  if (!override) return [...defaults];
  if (override.replace) return [...new Set(override.replace)];
  const excluded = new Set(override.excluded ?? []);
  const out = defaults.filter((d) => !excluded.has(d));
  for (const inc of override.included ?? []) if (!out.includes(inc)) out.push(inc);
  return out;
}

interface Step {
  target: string;
  hard: boolean;
}

export function resolveClosure(
  graph: CompositionGraph,
  picks: readonly ModulePick[],
  opts: ClosureOptions = {},
): Closure {
  const expand = opts.expand ?? true;
  const outgoing = new Map<string, CompEdge[]>();
  for (const e of graph.edges) {
    const list = outgoing.get(e.source) ?? [];
    list.push(e);
    outgoing.set(e.source, list);
  }
  const picked = new Map<string, ModulePick>();
  for (const p of picks) if (!picked.has(p.module_id)) picked.set(p.module_id, p);
  const nameOf = (id: string) => graph.modules.get(id)?.name ?? id;
  const byName = (a: Step, b: Step) =>
    nameOf(a.target) < nameOf(b.target) ? -1 : nameOf(a.target) > nameOf(b.target) ? 1 : 0;

  const stepsOf = (id: string): Step[] => {
    const mod = graph.modules.get(id);
    const edges = outgoing.get(id) ?? [];
    const hard: Step[] = edges.filter((e) => e.type === "requires").map((e) => ({ target: e.target, hard: true }));
    if (mod?.parent_module_id) hard.push({ target: mod.parent_module_id, hard: true });
    const soft: Step[] = [];
    if (opts.includeOptional) {
      const defaults = edges.filter((e) => e.type === "recommends").map((e) => e.target);
      // Only an explicit pick carries a template predicate; transitive modules keep their defaults.
      for (const target of allowedRecommends(defaults, picked.get(id)?.recommends_override)) {
        if (!hard.some((h) => h.target === target)) soft.push({ target, hard: false });
      }
    }
    return [...hard.sort(byName), ...soft.sort(byName)];
  };

  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const missing: MissingDependency[] = [];
  const cycles: string[][] = [];
  const path: string[] = [];

  const visit = (id: string) => {
    state.set(id, "visiting");
    path.push(id);
    for (const step of stepsOf(id)) {
      const present = graph.modules.has(step.target) && (expand || picked.has(step.target));
      if (!present) {
        if (step.hard || expand) missing.push({ module_id: id, dependency_id: step.target, required: step.hard });
        continue;
      }
      const seen = state.get(step.target);
      if (seen === "visiting") {
        if (step.hard) cycles.push([...path.slice(path.indexOf(step.target)), step.target]);
        continue;
      }
      if (seen === undefined) visit(step.target);
    }
    path.pop();
    state.set(id, "done");
    order.push(id);
  };

  for (const p of picked.values()) {
    if (graph.modules.has(p.module_id) && !state.has(p.module_id)) visit(p.module_id);
  }
  // Credit every pick with what its own closure reaches (for source_template_module_id).
  const placed = new Set(order);
  const pulledBy = new Map<string, string[]>();
  for (const root of picked.keys()) {
    if (!placed.has(root)) continue;
    const reach = new Set([root]);
    const queue = [root];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const s of stepsOf(id)) {
        if (placed.has(s.target) && !reach.has(s.target)) {
          reach.add(s.target);
          queue.push(s.target);
        }
      }
    }
    for (const id of reach) pulledBy.set(id, [...(pulledBy.get(id) ?? []), root]);
  }
  const members = order.map((id) => ({
    module_id: id,
    explicit: picked.has(id),
    auto_resolved: !picked.has(id),
    pulled_by: pulledBy.get(id) ?? [],
  }));
  return { members, missing, cycles };
}
