// The effective mask and the rendered rsync filter of one module in a composition
// (spec/domain.md §3.3, builder.md §4.3). The builder runs `rsync -aH --filter=…` with it.
import { compareMountOrder } from "./priority.ts";
import { normalizeSpecLines } from "./spec-lines.ts";

export interface FilterModule {
  id: string;
  name: string;
  effective_priority: number;
  lock_spec: boolean;
  mask: readonly string[];
  /** Already the effective file_spec: a dependant child's is its parent's dependency_spec. */
  file_spec: readonly string[];
  dependency_spec: readonly string[];
  protected_spec: readonly string[];
}

/**
 * Sorted union of the module's own mask, every neighbour's protected_spec, and, for each neighbour
 * above it in mount order, that neighbour's mask (plus its file_spec and dependency_spec when the
 * neighbour is locked). Ties in effective priority are broken by mount order (name ascending), so
 * exactly one of two equal modules sits above the other.
 */
export function effectiveMask(target: FilterModule, neighbours: readonly FilterModule[]): string[] {
  const lines: string[] = [...target.mask];
  for (const n of neighbours) {
    if (n.id === target.id) continue;
    lines.push(...n.protected_spec);
    if (compareMountOrder(n, target) < 0) {
      lines.push(...n.mask);
      if (n.lock_spec) lines.push(...n.file_spec, ...n.dependency_spec);
    }
  }
  return normalizeSpecLines(lines);
}

/** A dependant child ships its parent's dependency window; anything else ships its own file_spec. */
export function effectiveFileSpec(own: readonly string[], parentDependencySpec: readonly string[] | null): string[] {
  return normalizeSpecLines(parentDependencySpec ?? own);
}

/** `- <mask line>` per mask line, `+ <line>` per file_spec line, then `- *`. */
export function renderFilter(mask: readonly string[], fileSpec: readonly string[]): string[] {
  return [...mask.map((l) => `- ${l}`), ...fileSpec.map((l) => `+ ${l}`), "- *"];
}
