// How similar learnings move a decision (spec/autonomy.md §5.4): pure functions. The gate rule can
// only raise strictness; attribution scores are boosted by a prior confirmation or damped by a
// prior rejection, once.
export type PolicyLevel = "auto_approve" | "notify_and_proceed" | "require_approval" | "block" | "silent";

export interface Evidence {
  polarity: "confirmed" | "rejected";
  sim: number;
  confidence: number;
}

export type InfluenceEffect = "none" | "one_level_up" | "require_approval";

export interface LearningInfluence {
  pos: number;
  neg: number;
  effect: InfluenceEffect;
}

export function learningInfluence(similar: readonly Evidence[]): LearningInfluence {
  let pos = 0;
  let neg = 0;
  for (const l of similar) {
    if (l.polarity === "confirmed") pos += l.sim * l.confidence;
    else neg += l.sim * l.confidence;
  }
  const effect: InfluenceEffect =
    neg >= 2.0 && neg > 2 * pos ? "require_approval" : neg >= 1.0 && neg > pos ? "one_level_up" : "none";
  return { pos, neg, effect };
}

/** Apply the effect to a base level; never lowers, never touches RA, block or silent. */
export function applyInfluence(level: PolicyLevel, effect: InfluenceEffect): PolicyLevel {
  if (level !== "auto_approve" && level !== "notify_and_proceed") return level;
  if (effect === "require_approval") return "require_approval";
  if (effect === "one_level_up") return level === "auto_approve" ? "notify_and_proceed" : "require_approval";
  return level;
}

export const CONFIRMATION_BOOST = 1.5;
export const REJECTION_DAMPING = 0.7;

export interface AttributionAdjustment {
  score: number;
  reason: "boosted_by_prior_confirmation" | "downweighted_by_prior_rejection" | null;
}

/** Any confirmed → round(score × 1.5); else any rejected → round(score × 0.7); confirmation wins. */
export function attributionAdjustment(
  score: number,
  similar: readonly Pick<Evidence, "polarity">[],
): AttributionAdjustment {
  if (similar.some((l) => l.polarity === "confirmed")) {
    return { score: Math.round(score * CONFIRMATION_BOOST), reason: "boosted_by_prior_confirmation" };
  }
  if (similar.some((l) => l.polarity === "rejected")) {
    return { score: Math.round(score * REJECTION_DAMPING), reason: "downweighted_by_prior_rejection" };
  }
  return { score, reason: null };
}
