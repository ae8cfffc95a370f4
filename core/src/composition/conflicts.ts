// Conflict detection over a closure (spec/domain.md §3.6). Each conflict names its kind, severity,
// the modules involved and a detail an operator can act on. A kind without a declared severity
// counts as an error: the check fails closed.
import type { Closure } from "./closure.ts";
import type { CompModule, CompositionGraph, Conflict, ConflictSeverity } from "./types.ts";

export const CONFLICT_SEVERITIES: Readonly<Record<string, ConflictSeverity>> = {
  module_dependency_conflict: "error",
  instance_variety_collision: "error",
  missing_dependency: "error",
  dependency_cycle: "error",
  module_disabled: "error",
  protected_spec_overlap: "warning",
  composition_analysis_failed: "error",
};

export function severityOf(kind: string): ConflictSeverity {
  return CONFLICT_SEVERITIES[kind] ?? "error";
}

const conflict = (kind: string, modules: string[], detail: string, severity = severityOf(kind)): Conflict => ({
  kind,
  severity,
  modules: [...new Set(modules)].sort(),
  detail,
});

/** Strip a trailing `/*`, `/**`, `/***` or `/` so that a directory glob compares as its directory. */
export function globRoot(line: string): string {
  return line.replace(/\/\*{1,3}$/, "").replace(/\/+$/, "") || "/";
}

/** The prefix test of §3.6: one path is the other or lies below it. */
export function pathsOverlap(a: string, b: string): boolean {
  const x = globRoot(a);
  const y = globRoot(b);
  if (x === y || x === "/" || y === "/") return true;
  return y.startsWith(`${x}/`) || x.startsWith(`${y}/`);
}

export function detectConflicts(graph: CompositionGraph, closure: Closure): Conflict[] {
  const out: Conflict[] = [];
  const members = closure.members
    .map((m) => graph.modules.get(m.module_id))
    .filter((m): m is CompModule => m !== undefined);
  const inClosure = new Set(members.map((m) => m.id));
  const name = (id: string) => graph.modules.get(id)?.name ?? id;

  for (const m of members) {
    if (!m.enabled) out.push(conflict("module_disabled", [m.id], `module ${m.name} is disabled`));
  }

  const seenPairs = new Set<string>();
  for (const e of graph.edges) {
    if (e.type !== "conflicts" || !inClosure.has(e.source) || !inClosure.has(e.target)) continue;
    const key = [e.source, e.target].sort().join("|");
    if (seenPairs.has(key)) continue;
    seenPairs.add(key);
    out.push(
      conflict(
        "module_dependency_conflict",
        [e.source, e.target],
        `${name(e.source)} conflicts with ${name(e.target)}`,
      ),
    );
  }

  const instancesByCategory = new Map<string, CompModule[]>();
  for (const m of members) {
    if (m.variety !== "instance") continue;
    const key = m.category_id ?? "(none)";
    instancesByCategory.set(key, [...(instancesByCategory.get(key) ?? []), m]);
  }
  for (const [categoryId, list] of instancesByCategory) {
    if (list.length < 2) continue;
    const slug = graph.categories.get(categoryId)?.slug ?? "uncategorised";
    const names = list.map((m) => m.name).sort();
    out.push(
      conflict(
        "instance_variety_collision",
        list.map((m) => m.id),
        `more than one instance-variety module in category ${slug}: ${names.join(", ")}`,
      ),
    );
  }

  for (const owner of members) {
    for (const other of members) {
      if (owner.id === other.id) continue;
      for (const p of owner.protected_spec) {
        const hit = other.file_spec.find((f) => pathsOverlap(p, f));
        if (hit === undefined) continue;
        out.push(
          conflict(
            "protected_spec_overlap",
            [owner.id, other.id],
            `${owner.name} protects ${p}, which overlaps ${other.name}'s file_spec ${hit}; the path is carved out of ${other.name}'s build`,
          ),
        );
      }
    }
  }

  for (const miss of closure.missing) {
    const what = graph.modules.has(miss.dependency_id) ? name(miss.dependency_id) : `module ${miss.dependency_id}`;
    const verb = miss.required ? "requires" : "recommends";
    // A missing optional dependency is only a warning (§3.5).
    out.push(
      conflict(
        "missing_dependency",
        [miss.module_id, miss.dependency_id],
        `${name(miss.module_id)} ${verb} ${what}, which is not present`,
        miss.required ? "error" : "warning",
      ),
    );
  }

  for (const cycle of closure.cycles) {
    out.push(conflict("dependency_cycle", cycle, `dependency cycle: ${cycle.map(name).join(" → ")}`));
  }
  return out;
}

/** Identity of a conflict across two analyses: kind plus the modules it involves. */
export const conflictKey = (c: Conflict) => `${c.kind}:${c.modules.join(",")}`;

/** The delta check of §3.6: errors present after a change that were not there before. */
export function introducedErrors(before: readonly Conflict[], after: readonly Conflict[]): Conflict[] {
  const known = new Set(before.filter((c) => c.severity === "error").map(conflictKey));
  const seen = new Set<string>();
  return after.filter((c) => {
    const key = conflictKey(c);
    if (c.severity !== "error" || known.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const errorsOf = (conflicts: readonly Conflict[]) => conflicts.filter((c) => c.severity === "error");
export const warningsOf = (conflicts: readonly Conflict[]) => conflicts.filter((c) => c.severity === "warning");
