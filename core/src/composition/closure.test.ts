import { describe, expect, it } from "vitest";
import { allowedRecommends, resolveClosure } from "./closure.ts";
import { edge, graph, mod } from "./test-fixtures.ts";
import type { ModulePick } from "./types.ts";

const g = graph(
  [
    mod("app"),
    mod("runtime"),
    mod("libc"),
    mod("extras"),
    mod("docs"),
    mod("child", { parent_module_id: "app" }),
    mod("cyc-a"),
    mod("cyc-b"),
    mod("cyc-c"),
  ],
  [
    edge("app", "runtime"),
    edge("runtime", "libc"),
    edge("app", "extras", "recommends"),
    edge("extras", "docs", "recommends"),
    edge("app", "ghost"),
    edge("cyc-a", "cyc-b"),
    edge("cyc-b", "cyc-c"),
    edge("cyc-c", "cyc-a"),
    edge("libc", "app", "conflicts"),
  ],
);
const ids = (picks: ModulePick[], opts = {}) => resolveClosure(g, picks, opts).members.map((m) => m.module_id);

describe("resolveClosure", () => {
  const cases: [string, ModulePick[], object, string[]][] = [
    ["requires are followed, dependencies first", [{ module_id: "runtime" }], {}, ["libc", "runtime"]],
    ["recommends are skipped without include_optional", [{ module_id: "app" }], {}, ["libc", "runtime", "app"]],
    [
      "recommends are followed with include_optional",
      [{ module_id: "app" }],
      { includeOptional: true },
      ["libc", "runtime", "docs", "extras", "app"],
    ],
    [
      "replace wins outright",
      [{ module_id: "app", recommends_override: { replace: ["docs"] } }],
      { includeOptional: true },
      ["libc", "runtime", "docs", "app"],
    ],
    [
      "excluded is subtracted",
      [{ module_id: "app", recommends_override: { excluded: ["extras"] } }],
      { includeOptional: true },
      ["libc", "runtime", "app"],
    ],
    ["a child pulls its parent", [{ module_id: "child" }], {}, ["libc", "runtime", "app", "child"]],
    ["conflicts edges are never followed", [{ module_id: "libc" }], {}, ["libc"]],
    ["duplicate picks count once", [{ module_id: "libc" }, { module_id: "libc" }], {}, ["libc"]],
    [
      "expand=false keeps the set as it stands",
      [{ module_id: "app" }, { module_id: "libc" }],
      { expand: false },
      ["app", "libc"],
    ],
  ];
  for (const [name, picks, opts, expected] of cases) {
    it(name, () => expect(ids(picks, opts)).toEqual(expected));
  }

  it("marks transitive modules auto_resolved and credits the picks that pulled them", () => {
    const c = resolveClosure(g, [{ module_id: "app" }, { module_id: "runtime" }]);
    const libc = c.members.find((m) => m.module_id === "libc")!;
    expect(libc).toMatchObject({ explicit: false, auto_resolved: true });
    expect(libc.pulled_by.sort()).toEqual(["app", "runtime"]);
    expect(c.members.find((m) => m.module_id === "app")).toMatchObject({ explicit: true, auto_resolved: false });
  });

  it("reports a missing required dependency", () => {
    expect(resolveClosure(g, [{ module_id: "app" }]).missing).toEqual([
      { module_id: "app", dependency_id: "ghost", required: true },
    ]);
  });

  it("reports a hard dependency outside a non-expanded set", () => {
    const c = resolveClosure(g, [{ module_id: "runtime" }], { expand: false });
    expect(c.members.map((m) => m.module_id)).toEqual(["runtime"]);
    expect(c.missing).toEqual([{ module_id: "runtime", dependency_id: "libc", required: true }]);
  });

  it("names the cycle path", () => {
    expect(resolveClosure(g, [{ module_id: "cyc-a" }]).cycles).toEqual([["cyc-a", "cyc-b", "cyc-c", "cyc-a"]]);
  });

  it("ignores picks that are not in the graph", () => {
    expect(ids([{ module_id: "nope" }])).toEqual([]);
  });
});

describe("allowedRecommends", () => {
  const cases: [string, Parameters<typeof allowedRecommends>[1], string[]][] = [
    ["no override keeps the defaults", undefined, ["a", "b"]],
    ["replace", { replace: ["c"] }, ["c"]],
    ["replace with nothing", { replace: [] }, []],
    ["excluded then included", { excluded: ["a"], included: ["c"] }, ["b", "c"]],
    ["included already present", { included: ["a"] }, ["a", "b"]],
  ];
  for (const [name, override, expected] of cases) {
    it(name, () => expect(allowedRecommends(["a", "b"], override)).toEqual(expected));
  }
});
