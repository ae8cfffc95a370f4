import { describe, expect, it } from "vitest";
import { planApplyTemplate } from "./apply-plan.ts";
import type { ClosureMember } from "./closure.ts";

const member = (module_id: string, pulled_by: string[] = [module_id]): ClosureMember => ({
  module_id,
  explicit: pulled_by.includes(module_id),
  auto_resolved: !pulled_by.includes(module_id),
  pulled_by,
});
const joins = new Map([
  ["app", "tm-app"],
  ["db", "tm-db"],
]);
const members = [member("libc", ["app", "db"]), member("app"), member("db")];

describe("planApplyTemplate", () => {
  it("creates every missing member with its source join", () => {
    const plan = planApplyTemplate({ members, joinByModule: joins, existing: [], purgeStale: false });
    expect(plan.create).toEqual([
      { node_module_id: "libc", source_template_module_id: "tm-app", auto_resolved: true },
      { node_module_id: "app", source_template_module_id: "tm-app", auto_resolved: false },
      { node_module_id: "db", source_template_module_id: "tm-db", auto_resolved: false },
    ]);
    expect(plan.skipped_module_ids).toEqual([]);
    expect(plan.purge).toEqual([]);
  });

  it("is idempotent: existing assignments are skipped, never modified", () => {
    const existing = [
      { id: "a1", node_module_id: "app", source_template_module_id: null },
      { id: "a2", node_module_id: "libc", source_template_module_id: "tm-app" },
    ];
    const plan = planApplyTemplate({ members, joinByModule: joins, existing, purgeStale: false });
    expect(plan.create.map((c) => c.node_module_id)).toEqual(["db"]);
    expect(plan.skipped_module_ids).toEqual(["libc", "app"]);
  });

  const existing = [
    { id: "hand", node_module_id: "editor", source_template_module_id: null },
    { id: "stale", node_module_id: "old", source_template_module_id: "tm-old" },
    { id: "kept", node_module_id: "app", source_template_module_id: "tm-app" },
  ];
  const cases: [string, boolean, string[]][] = [
    ["without purge_stale nothing is purged", false, []],
    ["purge_stale removes only template-derived rows outside the closure", true, ["stale"]],
  ];
  for (const [name, purgeStale, expected] of cases) {
    it(name, () => {
      const plan = planApplyTemplate({ members, joinByModule: joins, existing, purgeStale });
      expect(plan.purge.map((p) => p.id)).toEqual(expected);
    });
  }
});
