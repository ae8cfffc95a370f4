// The decision log (spec/autonomy.md §3.5 step 15): one fleet_decisions row per gate decision with
// its reasons, and its `autonomy.decision.<decision>` event in the same transaction.
import { type DbOrTx, type DecisionReason, fleet_decisions } from "@nodepilot/store";
import { type EventOrigin, emitEvent, type Severity } from "../events/emit.ts";

export type DecisionRow = typeof fleet_decisions.$inferSelect;
export type Decision = DecisionRow["decision"];

export interface RecordDecisionInput {
  decision: Decision;
  reasons: DecisionReason[];
  tick_id?: string | null;
  signal_kind?: string | null;
  fingerprint?: string | null;
  severity?: Severity | null;
  action_category?: string | null;
  agent_id?: string | null;
  /** The effective level the gate applied. */
  gate?: string | null;
  /** The level of the resolved policy before any rule raised it. */
  base_policy?: string | null;
  matched_policy_id?: string | null;
  disruption_pct?: number | null;
  plan?: Record<string, unknown> | null;
  action_payload_hash?: string | null;
  budget?: Record<string, unknown> | null;
  learning_influence?: Record<string, unknown> | null;
  approval_request_id?: string | null;
  remediation_id?: string | null;
}

const EVENT_SEVERITY: Record<Decision, Severity> = {
  proceed: "low",
  pending: "medium",
  blocked: "medium",
  deduped: "low",
  skipped: "low",
  suppressed: "low",
  deferred: "low",
};

export async function recordDecision(
  tx: DbOrTx,
  origin: EventOrigin,
  input: RecordDecisionInput,
): Promise<DecisionRow> {
  const [row] = await tx
    .insert(fleet_decisions)
    .values({
      account_id: origin.principal.accountId,
      decision: input.decision,
      reasons: input.reasons,
      tick_id: input.tick_id ?? null,
      signal_kind: input.signal_kind ?? null,
      fingerprint: input.fingerprint ?? null,
      severity: input.severity ?? null,
      action_category: input.action_category ?? null,
      agent_id: input.agent_id ?? null,
      gate: input.gate ?? null,
      base_policy: input.base_policy ?? null,
      matched_policy_id: input.matched_policy_id ?? null,
      disruption_pct: input.disruption_pct ?? null,
      plan: input.plan ?? null,
      action_payload_hash: input.action_payload_hash ?? null,
      budget: input.budget ?? null,
      learning_influence: input.learning_influence ?? null,
      approval_request_id: input.approval_request_id ?? null,
      remediation_id: input.remediation_id ?? null,
      created_at: origin.now,
    })
    .returning();
  await emitEvent(tx, origin, {
    kind: `autonomy.decision.${input.decision}`,
    severity: EVENT_SEVERITY[input.decision],
    subject_type: "fleet_decision",
    subject_id: row!.id,
    fingerprint: input.fingerprint ?? null,
    payload: {
      decision_id: row!.id,
      decision: input.decision,
      action_category: row!.action_category,
      signal_kind: row!.signal_kind,
      gate: row!.gate,
      base_policy: row!.base_policy,
      matched_policy_id: row!.matched_policy_id,
      reasons: input.reasons,
      approval_request_id: row!.approval_request_id,
      action_payload_hash: row!.action_payload_hash,
    },
  });
  return row!;
}
