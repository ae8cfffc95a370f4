import { describe, expect, it } from "vitest";
import { childCategoryId, effectivePriority, mountOrder, resolveEffectivePriority } from "./priority.ts";
import { category, graph, mod } from "./test-fixtures.ts";

describe("effectivePriority", () => {
  const cases: [string, number | null, number, number | null | undefined, number | undefined, number][] = [
    ["band × 1000 + priority", 150, 10, undefined, undefined, 150_010],
    ["override wins over priority", 150, 10, 999, undefined, 150_999],
    ["override of 0 is honoured", 150, 10, 0, undefined, 150_000],
    ["null override falls back", 150, 10, null, undefined, 150_010],
    ["no category is the workloads band", null, 5, undefined, undefined, 560_005],
    ["configurable multiplier", 150, 10, undefined, 100, 15_010],
  ];
  for (const [name, pos, prio, override, mult, expected] of cases) {
    it(name, () => expect(effectivePriority(pos, prio, override, mult)).toBe(expected));
  }
});

describe("resolveEffectivePriority", () => {
  const g = graph(
    [
      mod("base", { category_id: "os", priority: 7 }),
      mod("child", { parent_module_id: "base", priority: 900 }),
      mod("grandchild", { parent_module_id: "child" }),
      mod("loose", { priority: 3 }),
      mod("loop-a", { parent_module_id: "loop-b" }),
      mod("loop-b", { parent_module_id: "loop-a" }),
    ],
    [],
    [category("os", 150)],
  );
  const ctx = { modules: g.modules, categories: g.categories };
  const cases: [string, number][] = [
    ["base", 150_007],
    ["child", 150_008],
    ["grandchild", 150_009],
    ["loose", 560_003],
  ];
  for (const [id, expected] of cases) {
    it(`${id} → ${expected}`, () => expect(resolveEffectivePriority(g.modules.get(id)!, ctx)).toBe(expected));
  }
  it("uses a node's priority_override", () => {
    const over = { ...ctx, overrides: new Map([["base", 500]]) };
    expect(resolveEffectivePriority(g.modules.get("base")!, over)).toBe(150_500);
  });
  it("terminates on a parent loop", () => {
    expect(Number.isFinite(resolveEffectivePriority(g.modules.get("loop-a")!, ctx))).toBe(true);
  });
});

describe("mountOrder", () => {
  it("sorts by effective priority descending, then name ascending", () => {
    const order = mountOrder([
      { name: "b", effective_priority: 1 },
      { name: "a", effective_priority: 1 },
      { name: "z", effective_priority: 5 },
    ]).map((m) => m.name);
    expect(order).toEqual(["z", "a", "b"]);
  });
});

describe("childCategoryId", () => {
  const cats = new Map(
    [
      category("web", 350, { config_category_id: "web-config", instance_category_id: "web-instance" }),
      category("web-config", 351, { variety: "config", parent_id: "web" }),
      category("web-instance", 352, { variety: "instance", parent_id: "web" }),
      category("bare", 100),
    ].map((c) => [c.id, c]),
  );
  const cases: [string, string | null, "config" | "instance" | "subscription", string | null][] = [
    ["config child of a subscription module", "web", "config", "web-config"],
    ["instance child of a subscription module", "web", "instance", "web-instance"],
    ["instance child of a config module", "web-config", "instance", "web-instance"],
    ["config child of a config module stays put (parent + 1)", "web-config", "config", null],
    ["subscription child has no sibling", "web", "subscription", null],
    ["category without siblings", "bare", "config", null],
    ["parent without a category", null, "config", null],
  ];
  for (const [name, parentCat, variety, expected] of cases) {
    it(name, () => expect(childCategoryId(parentCat, variety, cats)).toBe(expected));
  }
});
