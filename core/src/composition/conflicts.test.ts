import { describe, expect, it } from "vitest";
import { analyzeComposition } from "./analyze.ts";
import { introducedErrors, pathsOverlap, severityOf } from "./conflicts.ts";
import { category, edge, graph, mod } from "./test-fixtures.ts";
import type { CompositionGraph, Conflict } from "./types.ts";

const kinds = (g: CompositionGraph, picks: string[], opts = {}) =>
  analyzeComposition(
    g,
    picks.map((module_id) => ({ module_id })),
    opts,
  ).conflicts.map((c) => [c.kind, c.severity, c.modules.join(",")]);

describe("detectConflicts", () => {
  const g = graph(
    [
      mod("nginx", { variety: "instance", category_id: "web" }),
      mod("caddy", { variety: "instance", category_id: "web" }),
      mod("haproxy", { variety: "instance", category_id: "lb" }),
      mod("ssh", { protected_spec: ["/etc/ssh/**"], file_spec: ["/etc/ssh/***"] }),
      mod("tools", { file_spec: ["/etc/ssh/ssh_config", "/usr/bin/*"] }),
      mod("off", { enabled: false }),
      mod("a"),
      mod("b"),
      mod("needs-off"),
      mod("opt"),
    ],
    [
      edge("a", "b", "conflicts"),
      edge("b", "a", "conflicts"),
      edge("needs-off", "off"),
      edge("opt", "gone", "recommends"),
    ],
    [category("web", 350), category("lb", 360)],
  );
  const cases: [string, string[], object, string[][]][] = [
    ["a clean pair", ["haproxy", "tools"], {}, []],
    [
      "two instance modules in one category",
      ["nginx", "caddy", "haproxy"],
      {},
      [["instance_variety_collision", "error", "caddy,nginx"]],
    ],
    [
      "a conflicts edge, reported once for both directions",
      ["a", "b"],
      {},
      [["module_dependency_conflict", "error", "a,b"]],
    ],
    ["a conflicts edge outside the closure is ignored", ["a"], {}, []],
    [
      "protected_spec overlapping a neighbour's file_spec",
      ["ssh", "tools"],
      {},
      [["protected_spec_overlap", "warning", "ssh,tools"]],
    ],
    ["a disabled module pulled in", ["needs-off"], {}, [["module_disabled", "error", "off"]]],
    [
      "a missing optional dependency is a warning",
      ["opt"],
      { includeOptional: true },
      [["missing_dependency", "warning", "gone,opt"]],
    ],
  ];
  for (const [name, picks, opts, expected] of cases) {
    it(name, () => expect(kinds(g, picks, opts)).toEqual(expected));
  }

  it("reports a cycle as an error naming the path", () => {
    const cyc = graph([mod("x"), mod("y")], [edge("x", "y"), edge("y", "x")]);
    const { conflicts } = analyzeComposition(cyc, [{ module_id: "x" }]);
    expect(conflicts).toEqual([
      { kind: "dependency_cycle", severity: "error", modules: ["x", "y"], detail: "dependency cycle: x → y → x" },
    ]);
  });
});

describe("pathsOverlap", () => {
  const cases: [string, string, boolean][] = [
    ["/etc/ssh/**", "/etc/ssh/sshd_config", true],
    ["/etc/ssh/*", "/etc/ssh", true],
    ["/etc/ssh/***", "/etc", true],
    ["/etc/ssh", "/etc/sshd", false],
    ["/usr/lib", "/usr/local", false],
    ["/*", "/anything", true],
  ];
  for (const [a, b, expected] of cases) {
    it(`${a} vs ${b}`, () => expect(pathsOverlap(a, b)).toBe(expected));
  }
});

describe("severityOf", () => {
  it("fails closed for an unknown kind", () => expect(severityOf("something_new")).toBe("error"));
  it("knows the declared warnings", () => expect(severityOf("protected_spec_overlap")).toBe("warning"));
});

describe("introducedErrors", () => {
  const c = (kind: string, modules: string[], severity: Conflict["severity"] = "error"): Conflict => ({
    kind,
    severity,
    modules,
    detail: "",
  });
  const cases: [string, Conflict[], Conflict[], string[]][] = [
    ["nothing before, one after", [], [c("module_dependency_conflict", ["a", "b"])], ["module_dependency_conflict"]],
    [
      "an error already present is not new",
      [c("instance_variety_collision", ["a", "b"])],
      [c("instance_variety_collision", ["a", "b"])],
      [],
    ],
    [
      "the same kind on other modules is new",
      [c("instance_variety_collision", ["a", "b"])],
      [c("instance_variety_collision", ["a", "b", "c"])],
      ["instance_variety_collision"],
    ],
    ["warnings never block", [], [c("protected_spec_overlap", ["a", "b"], "warning")], []],
  ];
  for (const [name, before, after, expected] of cases) {
    it(name, () => expect(introducedErrors(before, after).map((x) => x.kind)).toEqual(expected));
  }
});
