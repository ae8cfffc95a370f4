// The autonomy gate graph's state (checkpointed as JSON after every step): the signal, its
// condition and tick as given, then what each step of spec/autonomy.md §3.5 found. Every channel
// keeps its last value; steps return only what they set.
import { Annotation } from "@langchain/langgraph";
import type { EffectiveLevel } from "@nodepilot/core";
import type { BrakeReason } from "./brakes.ts";
import type { Candidate } from "./candidate.ts";
import type { ReviewResume } from "./review.ts";
import type { GateCondition, GateSignal, GateTick } from "./signal.ts";

export interface PolicyFinding {
  agent_id: string;
  level: EffectiveLevel;
  base_policy: string | null;
  matched_policy_id: string | null;
  reason: string;
  approval_chain_id: string | null;
}

export interface SimilarFinding {
  id: string;
  title: string;
  polarity: "confirmed" | "rejected";
  sim: number;
  confidence: number;
}

/** How learnings moved this candidate (§5.4): the gate rule's sums and effect, and the score factor. */
export interface InfluenceFinding {
  learning_ids: string[];
  pos: number;
  neg: number;
  effect: "none" | "one_level_up" | "require_approval";
  /** The candidate's severity weight (§2.1), before learnings. */
  base_score: number;
  /** × 1.5 after a confirmed similar learning, × 0.7 after a rejected one (confirmation wins). */
  score: number;
  score_reason: "boosted_by_prior_confirmation" | "downweighted_by_prior_rejection" | null;
  degraded: string | null;
}

export interface Outcome {
  decision: "proceed" | "pending" | "blocked" | "skipped" | "suppressed" | "deferred";
  reasons: BrakeReason[];
  decision_id: string | null;
  approval_request_id: string | null;
  remediation_id: string | null;
}

export interface Execution {
  status: "applied" | "refused" | "failed" | "stale" | "obsolete" | "rejected" | "expired" | "cancelled" | "skipped";
  remediation_id: string | null;
  detail: string | null;
}

const last = <T>(initial: T) => Annotation<T>({ reducer: (_prev, next) => next, default: () => initial });

export const GateState = Annotation.Root({
  signal: Annotation<GateSignal>,
  condition: Annotation<GateCondition>,
  tick: Annotation<GateTick>,
  thread_id: Annotation<string>,
  candidate: last<Candidate | null>(null),
  policy: last<PolicyFinding | null>(null),
  similar: last<SimilarFinding[]>([]),
  influence: last<InfluenceFinding | null>(null),
  budget: last<
    { module_id: string; used: number; limit: number; window_start_at: string | null } | "check_failed" | null
  >(null),
  level: last<EffectiveLevel | null>(null),
  reasons: last<BrakeReason[]>([]),
  outcome: last<Outcome | null>(null),
  review: last<ReviewResume | null>(null),
  execution: last<Execution | null>(null),
});

export type GateStateValue = typeof GateState.State;
export type GateUpdate = typeof GateState.Update;
