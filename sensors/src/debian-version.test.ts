import { describe, expect, it } from "vitest";
import { compareDebianVersions, parseDebianVersion } from "./debian-version.ts";

const sign = (n: number) => Math.sign(n);

describe("compareDebianVersions", () => {
  it.each([
    ["1.0", "1.0", 0],
    ["1.0", "1.1", -1],
    ["1.9", "1.10", -1],
    ["1.10", "1.9", 1],
    ["001", "1", 0],
    ["1.0.0", "1.0", 1],
    ["1.0~rc1", "1.0", -1],
    ["1.0~~", "1.0~", -1],
    ["1.0~", "1.0", -1],
    ["1.0~~a", "1.0~", -1],
    ["1.0", "1.0a", -1],
    ["1.0a", "1.0+", -1],
    ["1.0+", "1.0.", -1],
    ["1.0a", "1.0b", -1],
    ["1.0Z", "1.0a", -1],
    ["1:0.1", "2.0", 1],
    ["0:1.0", "1.0", 0],
    ["2:1.0", "10:0.1", -1],
    ["1.0-1", "1.0-2", -1],
    ["1.0-1", "1.0-1ubuntu1", -1],
    ["1.0", "1.0-0", 0],
    ["1.0-1~bpo1", "1.0-1", -1],
    ["2.30-0ubuntu1", "2.30-0ubuntu1.1", -1],
    ["1.2.3-4+deb12u1", "1.2.3-4", 1],
    ["7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1],
    ["3.0.13-0ubuntu3.1", "3.0.13-0ubuntu3.4", -1],
    ["1:2.3-1-2", "1:2.3-1-1", 1],
    ["1:1.2-3:4-1", "1:1.2-3:5-1", -1],
    ["2.0-1", "10.0-1", -1],
    ["1.0-1", "1.0.1-1", -1],
  ])("%s vs %s → %i", (a, b, expected) => {
    expect(sign(compareDebianVersions(a, b))).toBe(expected);
    expect(sign(compareDebianVersions(b, a))).toBe(-expected || 0);
  });

  it("sorts a mixed list the way dpkg does", () => {
    const sorted = [
      "1.0~~",
      "1.0~~a",
      "1.0~",
      "1.0~rc1",
      "1.0",
      "1.0-1",
      "1.0-1ubuntu0.1",
      "1.0-1ubuntu1",
      "1.0a",
      "1.0+b1",
      "1.0.1",
      "1.1",
      "1.10",
      "1:0.1",
    ];
    const shuffled = [...sorted].reverse();
    shuffled.sort(compareDebianVersions);
    expect(shuffled).toEqual(sorted);
  });

  it.each([
    [""],
    ["a1.0"],
    ["1.0-"],
    ["x:1.0"],
    [":1.0"],
    ["1: 0"],
    ["1 0"],
    ["1.0-a_b"],
    ["1_0"],
    ["1:"],
    ["1.2-3:4"],
  ])("refuses %j", (v) => {
    expect(parseDebianVersion(v)).toBeNull();
    expect(() => compareDebianVersions(v, "1.0")).toThrow(/not a Debian version/);
  });

  it("splits epoch, upstream and revision at the first colon and the last hyphen", () => {
    expect(parseDebianVersion("2:1.2-3-4")).toEqual({ epoch: 2, upstream: "1.2-3", revision: "4" });
    expect(parseDebianVersion("1.2")).toEqual({ epoch: 0, upstream: "1.2", revision: "" });
  });
});
