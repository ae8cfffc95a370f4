// The learning as learning.get and learning.list return it (core/src/operations/learning.ts).

export const LEARNING_SOURCES = ["decision_outcome", "approval_outcome", "attribution_feedback", "operator"] as const;
export const LEARNING_POLARITIES = ["confirmed", "rejected", "neutral"] as const;
export const LEARNING_STATUSES = ["active", "verified", "deprecated", "superseded", "disproven", "retired"] as const;
export const LEARNING_CATEGORIES = [
  "pattern",
  "anti_pattern",
  "best_practice",
  "discovery",
  "fact",
  "failure_mode",
  "review_finding",
  "performance_insight",
] as const;

export type LearningSource = (typeof LEARNING_SOURCES)[number];
export type LearningPolarity = (typeof LEARNING_POLARITIES)[number];
export type LearningStatus = (typeof LEARNING_STATUSES)[number];
export type LearningCategory = (typeof LEARNING_CATEGORIES)[number];

export interface Learning {
  id: string;
  source: LearningSource;
  title: string;
  content: string;
  category: LearningCategory;
  status: LearningStatus;
  polarity: LearningPolarity;
  signal_kind: string | null;
  action_category: string;
  tags: string[];
  situation_text: string;
  /** 0..1 */
  importance_score: number;
  /** 0..1 */
  confidence_score: number;
  /** 0..1, null until it has been injected often enough to measure. */
  effectiveness_score: number | null;
  access_count: number;
  evidence: string[];
  contradiction_note: string | null;
  embedding_status: "pending" | "ready" | "failed";
  last_reinforced_at: string | null;
  created_at: string;
  updated_at: string;
}
