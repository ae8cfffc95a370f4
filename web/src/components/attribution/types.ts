// The API shapes attribution reads and writes (spec/autonomy.md §5.4, §5.2): attribution.analyze
// (GET /api/v1/fleet/attribution) and attribution.feedback (through POST /api/v1/actions).

export const CANDIDATE_KINDS = ["assignment_change", "promotion", "event_correlation"] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];

export type Adjustment = "boosted_by_prior_confirmation" | "downweighted_by_prior_rejection";

/** One earlier Confirm/Reject of the same (kind, module), as the learning it recorded. */
export interface FeedbackEntry {
  learning_id: string;
  confirmed: boolean;
  at: string;
  actor_type: string;
  actor_id: string | null;
  note: string | null;
  instance_id: string;
}

export interface Candidate {
  kind: CandidateKind;
  module_id: string;
  module_name: string;
  score: number;
  base_score: number;
  /** At most four, strongest first. */
  reasons: string[];
  adjustment: Adjustment | null;
  feedback: FeedbackEntry[];
}

export type Degraded = "embedding_unavailable" | "search_failed";

export interface Analysis {
  instance_id: string;
  lookback_hours: number;
  cutoff: string;
  candidates: Candidate[];
  top_candidate: Candidate | null;
  /** 0..1: the top score's share of all scores; null when there is nothing to compare. */
  confidence: number | null;
  reasoning: string;
  matched_learning_ids: string[];
  degraded: Degraded | null;
}

/** attribution.feedback's output: the learning recorded (or reinforced, on a repeat). */
export interface FeedbackOutput {
  ok: true;
  learning_id: string;
  repeated: boolean;
}

/** What Confirm/Reject sends (a type, not an interface, so it is a plain record for the actions call). */
export type FeedbackInput = {
  instance_id: string;
  candidate_module_id: string;
  candidate_kind: CandidateKind;
  confirmed: boolean;
  note?: string;
};
