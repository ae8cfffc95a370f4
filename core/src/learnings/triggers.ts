// §5.2's trigger table as data: which outcome writes which learning, with what starting scores.
import type { LEARNING_CATEGORIES, LEARNING_POLARITIES, LEARNING_SOURCES } from "@nodepilot/store";

export interface TriggerRule {
  polarity: (typeof LEARNING_POLARITIES)[number];
  category: (typeof LEARNING_CATEGORIES)[number];
  source: (typeof LEARNING_SOURCES)[number];
  importance: number;
  confidence: number;
}

export const LEARNING_TRIGGERS = {
  remediation_effective: {
    polarity: "confirmed",
    category: "pattern",
    source: "decision_outcome",
    importance: 0.45,
    confidence: 0.6,
  },
  remediation_ineffective: {
    polarity: "rejected",
    category: "failure_mode",
    source: "decision_outcome",
    importance: 0.45,
    confidence: 0.6,
  },
  remediation_failed: {
    polarity: "rejected",
    category: "failure_mode",
    source: "decision_outcome",
    importance: 0.45,
    confidence: 0.6,
  },
  approved_effective: {
    polarity: "confirmed",
    category: "best_practice",
    source: "approval_outcome",
    importance: 0.5,
    confidence: 0.7,
  },
  rejected_by_human: {
    polarity: "rejected",
    category: "anti_pattern",
    source: "approval_outcome",
    importance: 0.5,
    confidence: 0.7,
  },
  approval_expired: {
    polarity: "neutral",
    category: "fact",
    source: "approval_outcome",
    importance: 0.35,
    confidence: 0.5,
  },
  decision_blocked: {
    polarity: "neutral",
    category: "fact",
    source: "decision_outcome",
    importance: 0.35,
    confidence: 0.5,
  },
  decision_suppressed: {
    polarity: "neutral",
    category: "fact",
    source: "decision_outcome",
    importance: 0.35,
    confidence: 0.5,
  },
  attribution_confirmed: {
    polarity: "confirmed",
    category: "discovery",
    source: "attribution_feedback",
    importance: 0.7,
    confidence: 0.7,
  },
  attribution_rejected: {
    polarity: "rejected",
    category: "failure_mode",
    source: "attribution_feedback",
    importance: 0.4,
    confidence: 0.5,
  },
} as const satisfies Record<string, TriggerRule>;

export type LearningTrigger = keyof typeof LEARNING_TRIGGERS;

/** The decision outcomes of §3.5 that write no learning (§5.2). */
export const DECISIONS_WITHOUT_LEARNING = ["deduped", "deferred", "skipped"] as const;

/** §5.2: a repeat reinforces; never below the current value (a verified learning may sit above 0.95). */
export const reinforcedConfidence = (c: number): number => Math.max(c, Math.min(0.95, c + 0.1 * (1 - c)));

/** §5.2: an opposite-polarity learning of the same situation loses a fifth of its confidence. */
export const contradictedConfidence = (c: number): number => c * 0.8;
