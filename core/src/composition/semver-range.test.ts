import { describe, expect, it } from "vitest";
import { isSemverRange } from "./semver-range.ts";

describe("isSemverRange", () => {
  const cases: [string, boolean][] = [
    ["^1.2", true],
    ["~1.2.3", true],
    [">=1 <2", true],
    [">= 1.0.0", true],
    ["1.x || 2.0.0 - 2.3", true],
    ["*", true],
    ["1.2.3-rc.1+build.5", true],
    ["v2", true],
    ["=1.0.0", true],
    ["", false],
    ["latest", false],
    ["^^1", false],
    ["1.2.3.4", false],
    [">=01", false],
    ["1 - ", false],
  ];
  for (const [range, ok] of cases)
    it(`${JSON.stringify(range)} is ${ok ? "valid" : "invalid"}`, () => expect(isSemverRange(range)).toBe(ok));
});
