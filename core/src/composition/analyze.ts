// One call for "what does this selection compose to": closure plus conflicts. An exception inside
// the analysis becomes a composition_analysis_failed error instead of letting a change through.
import { type Closure, type ClosureOptions, resolveClosure } from "./closure.ts";
import { detectConflicts } from "./conflicts.ts";
import type { CompositionGraph, Conflict, ModulePick } from "./types.ts";

export interface Analysis {
  closure: Closure;
  conflicts: Conflict[];
}

export function analyzeComposition(
  graph: CompositionGraph,
  picks: readonly ModulePick[],
  opts: ClosureOptions = {},
): Analysis {
  try {
    const closure = resolveClosure(graph, picks, opts);
    return { closure, conflicts: detectConflicts(graph, closure) };
  } catch (err) {
    return {
      closure: { members: [], missing: [], cycles: [] },
      conflicts: [
        {
          kind: "composition_analysis_failed",
          severity: "error",
          modules: picks.map((p) => p.module_id).sort(),
          detail: `the composition analysis failed: ${(err as Error).message}`,
        },
      ],
    };
  }
}
