// The canonical situation text: fixed line order, UUIDs removed, numbers bucketed (§5.3).
import { describe, expect, it } from "vitest";
import {
  attributionSituationText,
  bucketCount,
  bucketDuration,
  bucketFeature,
  bucketPercent,
  situationHash,
  situationText,
} from "./situation.ts";

describe("bucketing", () => {
  it.each([
    [0, "0-20"],
    [19.9, "0-20"],
    [20, "20-40"],
    [43, "40-60"],
    [59.99, "40-60"],
    [80, "80-100"],
    [99.9, "80-100"],
    [100, "100"],
    [250, "100"],
    [-5, "0-20"],
  ])("percent %d → %s", (p, bucket) => expect(bucketPercent(p)).toBe(bucket));

  it.each([
    [0, "le1m"],
    [60, "le1m"],
    [61, "le2m"],
    [120, "le2m"],
    [121, "le4m"],
    [240, "le4m"],
    [241, "le8m"],
    [1800, "le32m"],
    [3600, "le64m"],
    [86400, "le2048m"],
  ])("duration %ds → %s", (s, bucket) => expect(bucketDuration(s)).toBe(bucket));

  it.each([
    [0, "0"],
    [1, "1"],
    [2, "2-4"],
    [4, "2-4"],
    [5, "5+"],
    [500, "5+"],
  ])("count %d → %s", (n, bucket) => expect(bucketCount(n)).toBe(bucket));

  it("buckets by key suffix", () => {
    expect(bucketFeature("cpu_pct", 43)).toBe("40-60");
    expect(bucketFeature("disk_percent", 91)).toBe("80-100");
    expect(bucketFeature("silent_seconds", 400)).toBe("le8m");
    expect(bucketFeature("failures", 3)).toBe("2-4");
    expect(bucketFeature("reachable", false)).toBe("false");
    expect(bucketFeature("region", " EU West ")).toBe("eu_west");
  });
});

describe("situationText", () => {
  const base = {
    kind: "fleet.module_drift",
    category: "module.sync",
    severity: "high",
    target_type: "instance",
    module: { name: "nginx", version: 7 },
    template: { name: "edge", environment: "production" },
    features: { drifted_pct: 43, failures: 3, silent_seconds: 400 },
  };

  it("renders fixed-order lines with sorted, bucketed features", () => {
    expect(situationText(base)).toBe(
      [
        "kind=fleet.module_drift",
        "category=module.sync",
        "severity=high",
        "target=instance",
        "module=nginx version=7",
        "template=edge environment=production",
        "features=drifted_pct=40-60,failures=2-4,silent_seconds=le8m",
      ].join("\n"),
    );
  });

  it("gives the same text and hash for readings in the same buckets, in any key order", () => {
    const other = { ...base, features: { silent_seconds: 300, failures: 4, drifted_pct: 58 } };
    expect(situationText(other)).toBe(situationText(base));
    expect(situationHash(situationText(other))).toBe(situationHash(situationText(base)));
    const moved = { ...base, features: { ...base.features, drifted_pct: 61 } };
    expect(situationHash(situationText(moved))).not.toBe(situationHash(situationText(base)));
  });

  it("drops UUIDs from every value", () => {
    const text = situationText({
      ...base,
      module: { name: "mod-0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", version: 2 },
      features: { peer: "0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b" },
    });
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    expect(text).toContain("module=mod-<id> version=2");
    expect(text).toContain("features=peer=<id>");
  });

  it("omits module and template lines that do not apply, keeping the order", () => {
    expect(
      situationText({ kind: "cert.expiring", category: "cert.rotate", severity: "low", target_type: "certificate" }),
    ).toBe("kind=cert.expiring\ncategory=cert.rotate\nseverity=low\ntarget=certificate\nfeatures=");
  });

  it("renders the attribution form on one line", () => {
    expect(attributionSituationText({ candidate_kind: "promotion", module_name: "Nginx", change: "live" })).toBe(
      "kind=attribution candidate=promotion module=nginx change=live",
    );
  });
});
