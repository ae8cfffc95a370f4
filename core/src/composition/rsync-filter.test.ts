import { describe, expect, it } from "vitest";
import { effectiveFileSpec, effectiveMask, type FilterModule, renderFilter } from "./rsync-filter.ts";

const fm = (id: string, effective_priority: number, over: Partial<FilterModule> = {}): FilterModule => ({
  id,
  name: id,
  effective_priority,
  lock_spec: false,
  mask: [],
  file_spec: [],
  dependency_spec: [],
  protected_spec: [],
  ...over,
});

describe("effectiveMask", () => {
  const target = fm("t", 100, { mask: ["/t/cruft"], protected_spec: ["/t/secret"] });
  const cases: [string, FilterModule[], string[]][] = [
    ["standalone: own mask only", [], ["/t/cruft"]],
    [
      "every neighbour's protected_spec, above or below",
      [fm("lo", 50, { protected_spec: ["/lo/key"] }), fm("hi", 200, { protected_spec: ["/hi/key"] })],
      ["/hi/key", "/lo/key", "/t/cruft"],
    ],
    ["a higher neighbour's mask", [fm("hi", 200, { mask: ["/hi/m"] })], ["/hi/m", "/t/cruft"]],
    ["a lower neighbour's mask is not inherited", [fm("lo", 50, { mask: ["/lo/m"] })], ["/t/cruft"]],
    [
      "a higher locked neighbour's file_spec and dependency_spec",
      [fm("hi", 200, { lock_spec: true, file_spec: ["/hi/f"], dependency_spec: ["/hi/d"] })],
      ["/hi/d", "/hi/f", "/t/cruft"],
    ],
    ["a higher unlocked neighbour's file_spec is not masked", [fm("hi", 200, { file_spec: ["/hi/f"] })], ["/t/cruft"]],
    [
      "a lower locked neighbour does not fold in",
      [fm("lo", 50, { lock_spec: true, file_spec: ["/lo/f"] })],
      ["/t/cruft"],
    ],
    [
      "equal priority: the name earlier in mount order is above",
      [fm("a", 100, { mask: ["/a/m"] }), fm("z", 100, { mask: ["/z/m"] })],
      ["/a/m", "/t/cruft"],
    ],
    ["de-duplicated and sorted", [fm("hi", 200, { mask: ["/t/cruft", "/a"] })], ["/a", "/t/cruft"]],
    ["the target itself in the list is ignored", [target], ["/t/cruft"]],
  ];
  for (const [name, neighbours, expected] of cases) {
    it(name, () => expect(effectiveMask(target, neighbours)).toEqual(expected));
  }
});

describe("effectiveFileSpec", () => {
  it("uses the module's own lines", () => expect(effectiveFileSpec(["/b", "/a"], null)).toEqual(["/a", "/b"]));
  it("a child uses its parent's dependency_spec", () =>
    expect(effectiveFileSpec(["/own"], ["/parent/window/***"])).toEqual(["/parent/window/***"]));
});

describe("renderFilter", () => {
  const cases: [string, string[], string[], string[]][] = [
    ["config-only module", [], [], ["- *"]],
    [
      "mask, then includes, then exclude-all",
      ["/etc/x"],
      ["/etc/***", "/usr/bin/y"],
      ["- /etc/x", "+ /etc/***", "+ /usr/bin/y", "- *"],
    ],
  ];
  for (const [name, mask, files, expected] of cases) {
    it(name, () => expect(renderFilter(mask, files)).toEqual(expected));
  }
});
