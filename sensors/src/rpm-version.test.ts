import { describe, expect, it } from "vitest";
import { compareRpmVersions, parseRpmVersion, rpmvercmp } from "./rpm-version.ts";

describe("rpmvercmp", () => {
  // rpm's own table (tests/rpmvercmp.at).
  it.each([
    ["1.0", "1.0", 0],
    ["1.0", "2.0", -1],
    ["2.0.1", "2.0", 1],
    ["2.0.1a", "2.0.1", 1],
    ["5.5p1", "5.5p2", -1],
    ["5.5p1", "5.5p10", -1],
    ["10xyz", "10.1xyz", -1],
    ["xyz10", "xyz10.1", -1],
    ["xyz.4", "8", -1],
    ["xyz.4", "2", -1],
    ["5.5p2", "5.6p1", -1],
    ["5.6p1", "6.5p1", -1],
    ["6.0.rc1", "6.0", 1],
    ["10b2", "10a1", 1],
    ["10a2", "10b2", -1],
    ["1.0a", "1.0aa", -1],
    ["10.0001", "10.1", 0],
    ["10.0001", "10.0039", -1],
    ["4.999.9", "5.0", -1],
    ["20101121", "20101122", -1],
    ["2.0", "2_0", 0],
    ["a+", "a_", 0],
    ["+a", "_a", 0],
    ["_+", "+_", 0],
    ["+", "_", 0],
    ["1.0~rc1", "1.0", -1],
    ["1.0~rc1", "1.0~rc2", -1],
    ["1.0~rc1~git123", "1.0~rc1", -1],
    ["1.0^", "1.0", 1],
    ["1.0^git1", "1.0", 1],
    ["1.0^git1", "1.0^git2", -1],
    ["1.0^git1", "1.01", -1],
    ["1.0^20160101", "1.0.1", -1],
    ["1.0^20160102", "1.0^20160101^git1", 1],
    ["1.0~rc1^git1", "1.0~rc1", 1],
    ["1.0^git1", "1.0^git1~pre", 1],
  ])("%s vs %s → %i", (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
    expect(rpmvercmp(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
});

describe("compareRpmVersions", () => {
  it.each([
    ["1:1.0-1", "2.0-1", 1],
    ["0:1.0-1", "1.0-1", 0],
    ["3.0.7-16.el9", "3.0.7-18.el9", -1],
    ["3.0.7-16.el9", "3.0.7-16.el9_2", -1],
    ["1.0", "1.0-5", 0],
    ["1.2-1", "1.10-1", -1],
  ])("%s vs %s → %i", (a, b, expected) => {
    expect(Math.sign(compareRpmVersions(a, b))).toBe(expected);
  });

  it.each([[""], ["x:1.0"], ["1.0-"], ["1-2-3"], ["1 0"]])("refuses %j", (v) => {
    expect(parseRpmVersion(v)).toBeNull();
    expect(() => compareRpmVersions(v, "1.0")).toThrow(/not an RPM version/);
  });
});
