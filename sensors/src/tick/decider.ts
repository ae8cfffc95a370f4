// The gate as the tick sees it (spec/autonomy.md §3.5 steps 3 and 6–15): a port the autonomy gate
// implements (graphs/), called once per surviving signal in decision order. The tick owns the
// condition state, dedup and the signal's event; the decider owns binding, policy, budgets,
// approvals, appliers and the fleet_decisions row. The decider gets the database, not a
// transaction: it runs its own (and its checkpointer's), and embedded PGlite would deadlock on a
// transaction held open around work done through another connection.
import type { AutonomySettings } from "@nodepilot/core";
import type { Db } from "@nodepilot/store";
import type { Signal } from "../signal.ts";
import type { ConditionState } from "./conditions.ts";

export const DECISIONS = ["proceed", "pending", "blocked", "deduped", "skipped", "suppressed", "deferred"] as const;
export type Decision = (typeof DECISIONS)[number];

export interface DecisionReason {
  code: string;
  detail?: string;
}

export interface DecisionRecord {
  decision: Decision;
  reasons: DecisionReason[];
  actionCategory?: string | null;
  /** The fleet_decisions row, when the decider wrote one. */
  decisionId?: string | null;
  approvalRequestId?: string | null;
}

export interface TickContext {
  /** fleet_ticks.id */
  tickId: string;
  /** `tick:<16 hex>`, to stamp on everything the decision writes. */
  correlationId: string;
  accountId: string;
  /** Tick start, frozen. */
  now: Date;
  settings: AutonomySettings;
  /** Set when the signal was deduped but is standing (§3.5 step 5): the decision must ask for approval. */
  forceApproval: "standing_signal" | null;
  /** Work past this point waits for the next tick (tick_budget_seconds). */
  deadline: Date;
  db: Db;
}

export interface Decider {
  decide(signal: Signal, condition: ConditionState, tick: TickContext): Promise<DecisionRecord>;
}

/**
 * Whether a decision stamps the dedup window (`last_decided_at/severity`, §3.5 step 15): every real
 * gate decision does; skipped for want of a binding, deduped and deferred do not, nor a decision
 * that failed in the engine (the signal is tried again next tick).
 */
export function stampsDedupWindow(record: DecisionRecord): boolean {
  if (record.decision === "deduped" || record.decision === "deferred") return false;
  return !(
    record.decision === "skipped" && record.reasons.some((r) => r.code === "no_binding" || r.code === "engine_error")
  );
}
