// The brakes of spec/autonomy.md §3.5 step 11: pure. When the base policy would let an action
// proceed (auto_approve or notify_and_proceed), every rule is evaluated and each one that fires is
// recorded; any of them sends the action to approval, except learnings, which may raise it one
// level only. Nothing here ever lowers strictness or lifts a block.
import { applyInfluence, type EffectiveLevel, type LearningInfluence } from "@nodepilot/core";

export interface BrakeReason {
  code: string;
  detail?: unknown;
}

export interface BrakeFacts {
  level: EffectiveLevel;
  autonomyMode: "active" | "paused";
  /** The category always requires approval (§3.5 11b). */
  forcedApproval: boolean;
  forceApproval: "standing_signal" | null;
  consecutiveFailures: number;
  stuckStreakThreshold: number;
  disruptionPct: number | null;
  maxDisruptionPct: number;
  influence: LearningInfluence;
  /** The category's circuit breaker is open (§4.2). */
  breakerOpen?: boolean;
  /** The first touched module whose consent budget is spent, or a failed check (fails closed). */
  budget: { module_id: string; used: number; limit: number; window_start_at: string | null } | "check_failed" | null;
}

export interface BrakeResult {
  level: EffectiveLevel;
  reasons: BrakeReason[];
}

const RA = "require_approval" as const;

export function applyBrakes(f: BrakeFacts): BrakeResult {
  if (f.level !== "auto_approve" && f.level !== "notify_and_proceed") return { level: f.level, reasons: [] };
  const reasons: BrakeReason[] = [];
  let toApproval = false;
  const fire = (code: string, detail?: unknown) => {
    reasons.push(detail === undefined ? { code } : { code, detail });
    toApproval = true;
  };
  if (f.autonomyMode === "paused") fire("autonomy_paused");
  if (f.forcedApproval) fire("forced_approval_category");
  if (f.forceApproval) fire(f.forceApproval);
  if (f.consecutiveFailures >= f.stuckStreakThreshold) {
    fire("remediation_stuck", { consecutive_failures: f.consecutiveFailures, threshold: f.stuckStreakThreshold });
  }
  if (f.breakerOpen) fire("category_breaker_open");
  if (f.disruptionPct !== null && f.disruptionPct > f.maxDisruptionPct) {
    fire("disruption_exceeds_budget", { disruption_pct: f.disruptionPct, max_disruption_pct: f.maxDisruptionPct });
  }
  let level: EffectiveLevel = f.level;
  const influenced = applyInfluence(level, f.influence.effect) as EffectiveLevel;
  if (influenced !== level) {
    reasons.push({
      code: "learning_influence",
      detail: {
        effect: f.influence.effect,
        pos: round(f.influence.pos),
        neg: round(f.influence.neg),
        from: level,
        to: influenced,
      },
    });
    level = influenced;
  }
  if (f.budget === "check_failed") fire("budget_check_failed");
  else if (f.budget) fire("consent_budget_exhausted", f.budget);
  return { level: toApproval ? RA : level, reasons };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
