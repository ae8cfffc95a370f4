// The plan of node.apply_template (spec/domain.md §3.8): create the assignments the template's
// closure needs and the node lacks, never touch existing ones, and — with purge_stale — remove
// only template-derived rows whose module left the closure. Hand-authored rows are never purged.
import type { ClosureMember } from "./closure.ts";

export interface ExistingAssignment {
  id: string;
  node_module_id: string;
  /** Null for a hand-authored assignment. */
  source_template_module_id: string | null;
}

export interface PlannedAssignment {
  node_module_id: string;
  source_template_module_id: string | null;
  auto_resolved: boolean;
}

export interface ApplyPlan {
  create: PlannedAssignment[];
  skipped_module_ids: string[];
  purge: ExistingAssignment[];
}

export function planApplyTemplate(input: {
  members: readonly ClosureMember[];
  /** The template join (template_modules.id) behind each explicitly picked module id. */
  joinByModule: ReadonlyMap<string, string>;
  existing: readonly ExistingAssignment[];
  purgeStale: boolean;
}): ApplyPlan {
  const assigned = new Set(input.existing.map((a) => a.node_module_id));
  const create: PlannedAssignment[] = [];
  const skipped: string[] = [];
  for (const m of input.members) {
    if (assigned.has(m.module_id)) {
      skipped.push(m.module_id);
      continue;
    }
    // A transitive module is attributed to the first pick whose closure reached it.
    const via = m.explicit ? m.module_id : m.pulled_by.find((p) => input.joinByModule.has(p));
    create.push({
      node_module_id: m.module_id,
      source_template_module_id: via ? (input.joinByModule.get(via) ?? null) : null,
      auto_resolved: m.auto_resolved,
    });
  }
  const inClosure = new Set(input.members.map((m) => m.module_id));
  const purge = input.purgeStale
    ? input.existing.filter((a) => a.source_template_module_id !== null && !inClosure.has(a.node_module_id))
    : [];
  return { create, skipped_module_ids: skipped, purge };
}
