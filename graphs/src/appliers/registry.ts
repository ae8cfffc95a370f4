// Category → applier (spec/autonomy.md §3.9). A registered category without an applier here is
// refused with `no_applier` naming what is missing — never a silent success — and the registry
// test lists exactly which categories those are, so the gap is visible, not hidden.
import { ACTION_CATEGORIES, type Catalog, type Principal } from "@nodepilot/core";
import { investigate, observation } from "./advisory.ts";
import type { Applier } from "./applier.ts";
import { instanceMarkDead, instanceRecover } from "./instance-appliers.ts";
import { certRotate, instanceQuarantine, instanceReconcileState } from "./state-appliers.ts";
import { configApply, moduleSync } from "./task-appliers.ts";

export const APPLIERS: readonly Applier[] = [
  instanceRecover,
  instanceMarkDead,
  instanceReconcileState,
  instanceQuarantine,
  certRotate,
  moduleSync,
  configApply,
  observation,
  investigate,
];

const BY_CATEGORY = new Map(APPLIERS.flatMap((a) => a.categories.map((c) => [c, a] as const)));

export const applierFor = (category: string): Applier | undefined => BY_CATEGORY.get(category);

/** Registered categories no applier executes yet (their decisions are refused `no_applier`). */
export const categoriesWithoutApplier = (): string[] =>
  ACTION_CATEGORIES.map((c) => c.name).filter((name) => !BY_CATEGORY.has(name));

/** The autonomy agent as a catalog caller: an operator principal of actor type agent, with only the scopes its appliers' operations need. */
export function autonomyPrincipal(catalog: Catalog, accountId: string, agentId: string): Principal {
  const scopes = new Set<string>();
  for (const applier of APPLIERS) {
    for (const name of applier.operations) {
      const op = catalog.get(name);
      if (!op) throw new Error(`applier ${applier.name} calls ${name}, which is not in the catalog`);
      scopes.add(op.scope);
    }
  }
  return {
    accountId,
    userId: null,
    tokenId: null,
    role: null,
    scopes: [...scopes].sort(),
    environmentIds: [],
    actorType: "agent",
    actorId: agentId,
    kind: "operator",
  };
}
