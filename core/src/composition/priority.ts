// Effective priority and mount order (spec/domain.md §3.4): the category band times a multiplier
// plus the module's own priority. Higher sits nearer the top of the overlay and wins.
import type { CompCategory, CompModule, ModuleVariety } from "./types.ts";

export const DEFAULT_PRIORITY_MULTIPLIER = 1000;
/** `workloads`, the band a module without a category falls into. */
export const FALLBACK_CATEGORY_POSITION = 560;

export function effectivePriority(
  categoryPosition: number | null,
  priority: number,
  priorityOverride?: number | null,
  multiplier = DEFAULT_PRIORITY_MULTIPLIER,
): number {
  return (categoryPosition ?? FALLBACK_CATEGORY_POSITION) * multiplier + (priorityOverride ?? priority);
}

export interface PriorityContext {
  modules: ReadonlyMap<string, CompModule>;
  categories: ReadonlyMap<string, CompCategory>;
  /** priority_override per module id (node assignments); templates have none. */
  overrides?: ReadonlyMap<string, number | null | undefined>;
  multiplier?: number;
}

/**
 * A module's effective priority. A dependant child without a category of its own sits one above
 * its parent, so it always overrides the parent it refines.
 */
export function resolveEffectivePriority(module: CompModule, ctx: PriorityContext, seen = new Set<string>()): number {
  const override = ctx.overrides?.get(module.id);
  const category = module.category_id ? ctx.categories.get(module.category_id) : undefined;
  if (category) return effectivePriority(category.position, module.priority, override, ctx.multiplier);
  const parent = module.parent_module_id ? ctx.modules.get(module.parent_module_id) : undefined;
  if (parent && !seen.has(module.id)) {
    seen.add(module.id);
    return resolveEffectivePriority(parent, ctx, seen) + 1;
  }
  return effectivePriority(null, module.priority, override, ctx.multiplier);
}

export interface Ranked {
  name: string;
  effective_priority: number;
}

/** Mount order, top first: effective priority descending, then name ascending. */
export function compareMountOrder(a: Ranked, b: Ranked): number {
  if (a.effective_priority !== b.effective_priority) return b.effective_priority - a.effective_priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function mountOrder<T extends Ranked>(items: readonly T[]): T[] {
  return [...items].sort(compareMountOrder);
}

/**
 * Where a dependant child goes: the config (+1) or instance (+2) sibling of its parent's
 * subscription category. Null means no sibling exists, and the child takes parent priority + 1.
 */
export function childCategoryId(
  parentCategoryId: string | null,
  childVariety: ModuleVariety,
  categories: ReadonlyMap<string, CompCategory>,
): string | null {
  const own = parentCategoryId ? categories.get(parentCategoryId) : undefined;
  if (!own) return null;
  const root = own.variety === "subscription" ? own : own.parent_id ? categories.get(own.parent_id) : undefined;
  if (!root) return null;
  const target =
    childVariety === "config"
      ? root.config_category_id
      : childVariety === "instance"
        ? root.instance_category_id
        : null;
  // A sibling equal to the parent's own band would not put the child above its parent.
  return target && target !== own.id ? target : null;
}
