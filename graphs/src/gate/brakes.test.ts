// The brakes of spec/autonomy.md §3.5 step 11 as tables: each rule (a paused account, a forced
// category, a standing signal, the stuck streak, disruption, learnings, the consent budget and its
// fail-closed check) alone and all together, on auto_approve and notify_and_proceed bases; and that
// a require_approval or block base passes through untouched whatever fires.
import type { EffectiveLevel } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { applyBrakes, type BrakeFacts } from "./brakes.ts";

const MODULE = "0190c000-0000-7000-8000-000000000001";
const SPENT = { module_id: MODULE, used: 3, limit: 3, window_start_at: "2026-06-01T00:00:00.000Z" };

const calm = (level: EffectiveLevel, patch: Partial<BrakeFacts> = {}): BrakeFacts => ({
  level,
  autonomyMode: "active",
  forcedApproval: false,
  forceApproval: null,
  consecutiveFailures: 0,
  stuckStreakThreshold: 3,
  disruptionPct: null,
  maxDisruptionPct: 20,
  influence: { pos: 0, neg: 0, effect: "none" },
  budget: null,
  ...patch,
});

const PROCEEDING = ["auto_approve", "notify_and_proceed"] as const;

describe("nothing fires", () => {
  it.each(PROCEEDING)("%s stays as it is, with no reasons", (level) => {
    expect(applyBrakes(calm(level))).toEqual({ level, reasons: [] });
  });

  it.each([
    ["a streak below the threshold", { consecutiveFailures: 2, stuckStreakThreshold: 3 }],
    ["disruption exactly at the maximum", { disruptionPct: 20, maxDisruptionPct: 20 }],
    ["no disruption figure", { disruptionPct: null, maxDisruptionPct: 0 }],
    ["learnings with no effect", { influence: { pos: 0.4, neg: 0.9, effect: "none" as const } }],
  ])("%s", (_label, patch) => {
    for (const level of PROCEEDING) expect(applyBrakes(calm(level, patch))).toEqual({ level, reasons: [] });
  });
});

describe("each rule alone sends the action to approval (a–f, h)", () => {
  it.each([
    ["a: autonomy_mode paused", { autonomyMode: "paused" as const }, { code: "autonomy_paused" }],
    ["b: a forced-approval category", { forcedApproval: true }, { code: "forced_approval_category" }],
    [
      "c: a standing signal's force_approval",
      { forceApproval: "standing_signal" as const },
      { code: "standing_signal" },
    ],
    [
      "d: the stuck streak at the threshold",
      { consecutiveFailures: 3, stuckStreakThreshold: 3 },
      { code: "remediation_stuck", detail: { consecutive_failures: 3, threshold: 3 } },
    ],
    [
      "d: the stuck streak above the threshold",
      { consecutiveFailures: 7, stuckStreakThreshold: 1 },
      { code: "remediation_stuck", detail: { consecutive_failures: 7, threshold: 1 } },
    ],
    [
      "f: disruption above the maximum",
      { disruptionPct: 21, maxDisruptionPct: 20 },
      { code: "disruption_exceeds_budget", detail: { disruption_pct: 21, max_disruption_pct: 20 } },
    ],
    [
      "f: any disruption when the maximum is 0",
      { disruptionPct: 1, maxDisruptionPct: 0 },
      { code: "disruption_exceeds_budget", detail: { disruption_pct: 1, max_disruption_pct: 0 } },
    ],
    ["h: a spent consent budget", { budget: SPENT }, { code: "consent_budget_exhausted", detail: SPENT }],
    ["h: a failed budget check fails closed", { budget: "check_failed" as const }, { code: "budget_check_failed" }],
  ])("%s", (_label, patch, reason) => {
    for (const level of PROCEEDING) {
      expect(applyBrakes(calm(level, patch))).toEqual({ level: "require_approval", reasons: [reason] });
    }
  });
});

describe("g: learnings raise, never lower", () => {
  it.each([
    ["auto_approve", "one_level_up", "notify_and_proceed"],
    ["notify_and_proceed", "one_level_up", "require_approval"],
    ["auto_approve", "require_approval", "require_approval"],
    ["notify_and_proceed", "require_approval", "require_approval"],
  ] as const)("%s with %s → %s, recorded with its sums", (from, effect, to) => {
    const out = applyBrakes(calm(from, { influence: { pos: 0.12345, neg: 2.5, effect } }));
    expect(out).toEqual({
      level: to,
      reasons: [{ code: "learning_influence", detail: { effect, pos: 0.123, neg: 2.5, from, to } }],
    });
  });

  it("one level up on auto_approve, together with another brake, still ends at approval with both reasons", () => {
    const out = applyBrakes(
      calm("auto_approve", { autonomyMode: "paused", influence: { pos: 0, neg: 1.2, effect: "one_level_up" } }),
    );
    expect(out.level).toBe("require_approval");
    expect(out.reasons.map((r) => r.code)).toEqual(["autonomy_paused", "learning_influence"]);
  });
});

describe("every rule is evaluated and recorded", () => {
  it("all firing at once gives one reason each, in rule order", () => {
    const out = applyBrakes(
      calm("auto_approve", {
        autonomyMode: "paused",
        forcedApproval: true,
        forceApproval: "standing_signal",
        consecutiveFailures: 5,
        disruptionPct: 100,
        influence: { pos: 0, neg: 3, effect: "require_approval" },
        budget: SPENT,
      }),
    );
    expect(out.level).toBe("require_approval");
    expect(out.reasons.map((r) => r.code)).toEqual([
      "autonomy_paused",
      "forced_approval_category",
      "standing_signal",
      "remediation_stuck",
      "disruption_exceeds_budget",
      "learning_influence",
      "consent_budget_exhausted",
    ]);
  });
});

describe("require_approval and block pass through untouched", () => {
  const everything: Partial<BrakeFacts> = {
    autonomyMode: "paused",
    forcedApproval: true,
    forceApproval: "standing_signal",
    consecutiveFailures: 9,
    disruptionPct: 100,
    influence: { pos: 0, neg: 5, effect: "require_approval" },
    budget: "check_failed",
  };
  it.each([
    ["require_approval", {}],
    ["require_approval", everything],
    ["require_approval", { influence: { pos: 0, neg: 1.5, effect: "one_level_up" as const } }],
    ["block", {}],
    ["block", everything],
    ["block", { influence: { pos: 0, neg: 1.5, effect: "one_level_up" as const } }],
  ] as const)("%s stays, with no reasons (%#)", (level, patch) => {
    expect(applyBrakes(calm(level, patch))).toEqual({ level, reasons: [] });
  });
});
