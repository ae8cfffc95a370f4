// The delta conflict check of spec/domain.md §3.6 for adding or enabling a template join or a node
// assignment: analyse the selection before and after the change and refuse only errors the change
// introduces. Pre-existing problems do not block unrelated edits; disabling never runs this.
import type { DbOrTx } from "@nodepilot/store";
import { z } from "zod";
import { conflict } from "../errors.ts";
import { type Analysis, analyzeComposition } from "./analyze.ts";
import { conflictKey, introducedErrors } from "./conflicts.ts";
import { type LoadedGraph, loadCompositionGraph, pickSeeds } from "./graph-loader.ts";
import type { Conflict, ModulePick } from "./types.ts";

export const ConflictSchema = z.strictObject({
  kind: z.string(),
  severity: z.enum(["error", "warning"]),
  modules: z.array(z.string()),
  detail: z.string(),
});

export interface DeltaResult {
  graph: LoadedGraph;
  before: Analysis;
  after: Analysis;
  introduced: Conflict[];
  /** Warnings the change brings that were not there before. */
  warnings: Conflict[];
}

export async function checkDelta(
  db: DbOrTx,
  accountId: string,
  before: readonly ModulePick[],
  after: readonly ModulePick[],
  opts: { expand: boolean; includeOptional?: boolean },
): Promise<DeltaResult> {
  const graph = await loadCompositionGraph(db, accountId, pickSeeds([...before, ...after]));
  const closureOpts = { expand: opts.expand, includeOptional: opts.includeOptional ?? false };
  const a = analyzeComposition(graph, before, closureOpts);
  const b = analyzeComposition(graph, after, closureOpts);
  const known = new Set(a.conflicts.map(conflictKey));
  return {
    graph,
    before: a,
    after: b,
    introduced: introducedErrors(a.conflicts, b.conflicts),
    warnings: b.conflicts.filter((c) => c.severity === "warning" && !known.has(conflictKey(c))),
  };
}

/** 409 conflict/composition_conflict carrying the conflicts in the problem details. */
export function compositionConflict(what: string, conflicts: readonly Conflict[]) {
  const summary = conflicts.map((c) => c.detail).join("; ");
  return conflict(
    `${what} would introduce ${conflicts.length === 1 ? "a composition error" : `${conflicts.length} composition errors`}: ${summary}`,
    {
      reason: "composition_conflict",
      details: { conflicts },
    },
  );
}
