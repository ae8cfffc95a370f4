import { describe, expect, it } from "vitest";
import { satisfiesRange } from "./semver-satisfies.ts";

// Expected values checked against npm's semver 7 (satisfies) when this table was written.
const cases: [string, string, boolean][] = [
  ["1.2.3", "^1.2", true],
  ["2.0.0", "^1.2", false],
  ["1.1.9", "^1.2", false],
  ["0.2.9", "^0.2.3", true],
  ["0.3.0", "^0.2.3", false],
  ["0.0.3", "^0.0.3", true],
  ["0.0.4", "^0.0.3", false],
  ["0.0.4", "^0.0", true],
  ["0.1.0", "^0.0", false],
  ["0.9.0", "^0", true],
  ["1.2.9", "~1.2.3", true],
  ["1.3.0", "~1.2.3", false],
  ["1.9.9", "~1", true],
  ["1.5.0", ">=1 <2", true],
  ["2.0.0", ">=1 <2", false],
  ["1.3.0", ">1.2", true],
  ["1.2.9", ">1.2", false],
  ["1.3.0-alpha", ">1.2", false],
  ["2.0.0", ">1", true],
  ["1.2.0", "<1.2", false],
  ["1.2.9", "<=1.2", true],
  ["1.3.0", "<=1.2", false],
  ["1.2.3", "1.x", true],
  ["2.0.0", "1.2.x", false],
  ["0.0.1", "*", true],
  ["0.0.1", "", true],
  ["2.3.9", "1.x || 2.0.0 - 2.3", true],
  ["2.4.0", "1.x || 2.0.0 - 2.3", false],
  ["2.3.4", "1.2.3 - 2.3.4", true],
  ["2.3.5", "1.2.3 - 2.3.4", false],
  ["1.2.3", "=1.2.3", true],
  ["1.2.4", "1.2.3", false],
  ["v1.2.3", ">= 1.2.0", true],
  ["1.2.4", "^ 1.2", true],
  // Prereleases match only a comparator on the same release that names a prerelease.
  ["1.2.3-beta.2", "^1.2.3-beta.1", true],
  ["1.2.3-beta.1", "^1.2.3", false],
  ["1.3.0-alpha", "^1.2.3-beta.1", false],
  ["1.0.0-rc.1", ">=1.0.0-rc.0 <1.0.0", true],
  ["2.0.0-0", "<2.0.0", false],
  // Unreadable versions and ranges never match.
  ["1.2", "^1", false],
  ["latest", "*", false],
  ["1.2.3", "^1.2.3.4", false],
  ["1.2.3", ">>1", false],
];

describe("satisfiesRange", () => {
  it.each(cases)("%s in %j is %s", (version, range, want) => {
    expect(satisfiesRange(version, range)).toBe(want);
  });
});
