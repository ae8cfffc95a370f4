import { describe, expect, it } from "vitest";
import { cycleThrough } from "./cycles.ts";

const e = (pairs: string): { source: string; target: string }[] =>
  pairs
    .split(" ")
    .filter(Boolean)
    .map((p) => {
      const [source, target] = p.split(">") as [string, string];
      return { source, target };
    });

describe("cycleThrough", () => {
  const cases: [string, string, string, string, string[] | null][] = [
    ["an empty graph is safe", "", "a", "b", null],
    ["a self edge is a cycle", "", "a", "a", ["a", "a"]],
    ["a direct back edge", "b>a", "a", "b", ["a", "b", "a"]],
    ["a long way round", "b>c c>d d>a", "a", "b", ["a", "b", "c", "d", "a"]],
    ["the shortest cycle is named", "b>c c>a b>a", "a", "b", ["a", "b", "a"]],
    ["a diamond is not a cycle", "a>b a>c b>d c>d", "a", "d", null],
    ["an unrelated loop is not this edge's problem", "x>y y>x", "a", "b", null],
  ];
  for (const [name, edges, source, target, expected] of cases) {
    it(name, () => expect(cycleThrough(e(edges), source, target)).toEqual(expected));
  }
});
