// The gate rule and the attribution factors of §5.4.
import { describe, expect, it } from "vitest";
import { applyInfluence, attributionAdjustment, learningInfluence } from "./influence.ts";

const rej = (sim: number, confidence: number) => ({ polarity: "rejected" as const, sim, confidence });
const conf = (sim: number, confidence: number) => ({ polarity: "confirmed" as const, sim, confidence });

describe("learningInfluence", () => {
  it("sums sim·confidence per polarity", () => {
    const r = learningInfluence([rej(0.9, 0.5), rej(1, 0.7), conf(0.95, 0.6)]);
    expect(r.neg).toBeCloseTo(1.15, 10);
    expect(r.pos).toBeCloseTo(0.57, 10);
  });

  it.each([
    ["no evidence", [], "none"],
    ["neg just below 1.0", [rej(1, 0.5), rej(0.99, 0.5)], "none"],
    ["neg 1.0 > pos", [rej(1, 0.5), rej(1, 0.5)], "one_level_up"],
    ["neg 1.0 = pos", [rej(1, 0.5), rej(1, 0.5), conf(1, 1)], "none"],
    ["neg 2.0 > 2·pos", [rej(1, 1), rej(1, 1), conf(1, 0.99)], "require_approval"],
    ["neg 2.0 = 2·pos: only one level", [rej(1, 1), rej(1, 1), conf(1, 1)], "one_level_up"],
    [
      "neg 2.1 but pos larger",
      [rej(1, 0.7), rej(1, 0.7), rej(1, 0.7), conf(1, 0.95), conf(1, 0.95), conf(1, 0.95)],
      "none",
    ],
  ] as const)("%s → %s", (_, evidence, effect) => {
    expect(learningInfluence(evidence).effect).toBe(effect);
  });
});

describe("applyInfluence", () => {
  it("raises AA and NP, never lowers, never touches RA or block", () => {
    expect(applyInfluence("auto_approve", "one_level_up")).toBe("notify_and_proceed");
    expect(applyInfluence("notify_and_proceed", "one_level_up")).toBe("require_approval");
    expect(applyInfluence("auto_approve", "require_approval")).toBe("require_approval");
    expect(applyInfluence("notify_and_proceed", "none")).toBe("notify_and_proceed");
    expect(applyInfluence("require_approval", "one_level_up")).toBe("require_approval");
    expect(applyInfluence("block", "require_approval")).toBe("block");
    expect(applyInfluence("silent", "require_approval")).toBe("silent");
  });
});

describe("attributionAdjustment", () => {
  it("boosts ×1.5 on any confirmation, which wins over rejections", () => {
    expect(attributionAdjustment(12, [{ polarity: "rejected" }, { polarity: "confirmed" }])).toEqual({
      score: 18,
      reason: "boosted_by_prior_confirmation",
    });
  });
  it("damps ×0.7 on rejections only, rounding", () => {
    expect(attributionAdjustment(5, [{ polarity: "rejected" }])).toEqual({
      score: 4,
      reason: "downweighted_by_prior_rejection",
    });
    expect(attributionAdjustment(6, [{ polarity: "rejected" }, { polarity: "rejected" }]).score).toBe(4);
  });
  it("leaves the score alone without evidence", () => {
    expect(attributionAdjustment(7, [])).toEqual({ score: 7, reason: null });
  });
});
