// The approval half of the gate graph (spec/autonomy.md §3.4, §3.6): the step that pauses on
// interrupt() with the approval card, and the step that acts on the reviewer's answer when the
// graph is resumed. The answer is parsed, then checked against the stored request — approved,
// bound to the same digest — before anything runs, and the action runs under `approval:<id>`.
import { interrupt } from "@langchain/langgraph";
import { actionDigest, emitEvent, recordLearning } from "@nodepilot/core";
import { type ActionPayload, approval_requests, fleet_signal_states } from "@nodepilot/store";
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { approvalKey, remediate } from "../appliers/remediation.ts";
import { proposeFromLearning } from "../outcomes/evolve.ts";
import { conditionRow } from "./condition-row.ts";
import { acting, type GateDeps } from "./gate-deps.ts";
import { linkRemediation } from "./gate-steps.ts";
import { type ApprovalCard, REVIEW_RESPONSES, ReviewResume } from "./review.ts";
import type { Execution, GateStateValue, GateUpdate } from "./state.ts";

type Step = (state: GateStateValue) => Promise<GateUpdate>;

/** The card a reviewer sees; pure, so that re-running the step on resume builds the same card. */
export function approvalCard(state: GateStateValue, expiresAt: string): ApprovalCard {
  const c = state.candidate!;
  return {
    type: "approval",
    approval_request_id: state.outcome!.approval_request_id!,
    action_category: c.category,
    action: c.action,
    payload_hash: c.payload_hash,
    description: c.description,
    severity: state.signal.severity,
    policy: {
      matched_policy_id: state.policy?.matched_policy_id ?? null,
      base_policy: state.policy?.base_policy ?? null,
      gate: state.level ?? "require_approval",
      reasons: state.reasons,
    },
    similar_learnings: state.similar.map(({ id, title, polarity, sim }) => ({ id, title, polarity, sim })),
    expires_at: expiresAt,
    responses: [...REVIEW_RESPONSES],
  };
}

/** Pauses the thread until the request is decided; on resume returns the parsed answer. */
export const awaitReviewStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const [row] = await deps.services.database.db
      .select({ expires_at: approval_requests.expires_at })
      .from(approval_requests)
      .where(eq(approval_requests.id, state.outcome!.approval_request_id!));
    const answer = interrupt(approvalCard(state, (row?.expires_at ?? new Date(state.tick.now)).toISOString()));
    const review = ReviewResume.parse(answer);
    if (review.approval_request_id !== state.outcome!.approval_request_id) {
      throw new Error(
        `resume for request ${review.approval_request_id} reached the thread of ${state.outcome!.approval_request_id}`,
      );
    }
    return { review };
  };

const done = (
  status: Execution["status"],
  detail: string | null = null,
  remediation_id: string | null = null,
): GateUpdate => ({
  execution: { status, detail, remediation_id },
});

export const executeStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const review = state.review!;
    const requestId = review.approval_request_id;
    const db = deps.services.database.db;
    const act = await acting(deps, state.tick, new Date());
    if (review.verdict === "reject" || review.verdict === "expired" || review.verdict === "cancelled") {
      await closeUnexecuted(deps, state, review.verdict, review.verdict === "reject" ? review.reason : null);
      return done(review.verdict === "reject" ? "rejected" : review.verdict);
    }
    // §3.6 (1): claim the execution. Re-entry while `executing` is allowed: the account lock admits
    // one executor, and a crash between claim and finish leaves the same key to be finished.
    const [claimed] = await db
      .update(approval_requests)
      .set({ execution_status: "executing", updated_at: act.origin.now })
      .where(
        and(
          eq(approval_requests.id, requestId),
          eq(approval_requests.account_id, state.tick.account_id),
          eq(approval_requests.status, "approved"),
          or(isNull(approval_requests.execution_status), eq(approval_requests.execution_status, "executing")),
        ),
      )
      .returning();
    if (!claimed) return done("skipped", "not approved, or already executed");
    const action: ActionPayload = claimed.action_payload;
    // (4) bound to the exact action: the digest the reviewers approved must be the stored one.
    if (claimed.payload_hash !== review.payload_hash || actionDigest(action) !== claimed.payload_hash) {
      await finishRequest(deps, state, "stale", { reason: "payload_changed" });
      return done("stale", "payload hash differs from the approved one");
    }
    // (3) the condition went away while the request waited: nothing to do.
    if (await conditionCleared(deps, state, claimed.created_at)) {
      await finishRequest(deps, state, "obsolete", { reason: "condition_cleared" });
      return done("obsolete", "condition cleared before execution");
    }
    const remediation = await remediate(act.applier, {
      action,
      payloadHash: claimed.payload_hash,
      key: approvalKey(requestId),
      approved: true,
      decisionId: state.outcome?.decision_id ?? null,
      approvalRequestId: requestId,
      signalKind: state.signal.kind,
      fingerprint: state.signal.fingerprint,
      episode: state.condition.episode,
      situationText: state.candidate?.situation_text ?? null,
      settleWindowSeconds: state.tick.settings.settle_window_seconds,
    });
    await linkRemediation(deps, state, remediation.id, remediation.status === "applied");
    const status = remediation.status === "applying" ? "failed" : remediation.status;
    await finishRequest(deps, state, status, {
      remediation_id: remediation.id,
      task_ids: remediation.task_ids,
      ...(remediation.refusal_reason ? { reason: remediation.refusal_reason } : {}),
      ...(remediation.result ? { result: remediation.result } : {}),
    });
    return done(status, remediation.refusal_reason, remediation.id);
  };

async function conditionCleared(deps: GateDeps, state: GateStateValue, requestedAt: Date): Promise<boolean> {
  const [row] = await deps.services.database.db
    .select({ cleared_at: fleet_signal_states.cleared_at })
    .from(fleet_signal_states)
    .where(conditionRow(state.tick.account_id, state.signal.kind, state.signal.fingerprint));
  return !!row?.cleared_at && row.cleared_at.getTime() > requestedAt.getTime();
}

/** (6) stamp the result and emit `autonomy.approval_executed`; the thread is released. */
async function finishRequest(
  deps: GateDeps,
  state: GateStateValue,
  status: "applied" | "refused" | "failed" | "stale" | "obsolete",
  result: Record<string, unknown>,
) {
  const act = await acting(deps, state.tick, new Date());
  const requestId = state.review!.approval_request_id;
  await deps.services.database.db.transaction(async (tx) => {
    await tx
      .update(approval_requests)
      .set({
        execution_status: status,
        execution_result: result,
        executed_at: act.origin.now,
        graph_thread_id: null,
        updated_at: act.origin.now,
      })
      .where(eq(approval_requests.id, requestId));
    await emitEvent(
      tx,
      { ...act.origin, source: "approval", correlationId: `req:${requestId}` },
      {
        kind: "autonomy.approval_executed",
        severity: status === "applied" ? "low" : "medium",
        fingerprint: state.signal.fingerprint,
        subject_type: "approval_request",
        subject_id: requestId,
        payload: {
          approval_request_id: requestId,
          execution_status: status,
          action_category: state.candidate?.category ?? null,
          ...result,
        },
      },
    );
  });
}

/** A rejected or expired request teaches (§5.2): anti_pattern from a human no, a neutral fact from expiry. */
async function closeUnexecuted(
  deps: GateDeps,
  state: GateStateValue,
  verdict: "reject" | "expired" | "cancelled",
  reason: string | null,
) {
  const act = await acting(deps, state.tick, new Date());
  const c = state.candidate!;
  const requestId = state.review!.approval_request_id;
  await deps.services.database.db.transaction(async (tx) => {
    await tx
      .update(approval_requests)
      .set({ graph_thread_id: null })
      .where(
        and(
          eq(approval_requests.id, requestId),
          inArray(approval_requests.status, ["rejected", "expired", "cancelled"]),
        ),
      );
    if (verdict === "cancelled") return;
    const learning = await recordLearning(
      tx,
      { ...act.origin, source: "learning", correlationId: `req:${requestId}` },
      {
        trigger: verdict === "reject" ? "rejected_by_human" : "approval_expired",
        situation_text: c.situation_text,
        action_category: c.category,
        signal_kind: state.signal.kind,
        agent_id: act.agentId,
        title: `Fleet ${state.signal.kind} → ${c.category}: ${verdict === "reject" ? "rejected by a reviewer" : "approval expired"}`,
        content: reason ? `Reviewer's reason: ${reason}` : `${c.description}`,
        tags: ["fleet", `kind:${state.signal.kind}`, `outcome:${verdict === "reject" ? "rejected" : "expired"}`],
        evidence: [requestId, ...(state.outcome?.decision_id ? [state.outcome.decision_id] : [])],
      },
    );
    // A reviewer's no may tighten the policy — by a proposal a human accepts, never by itself (§5.5).
    await proposeFromLearning(tx, act.origin, deps.learnings, {
      learning,
      category: c.category,
      agentId: act.agentId,
      trustTier: act.trustTier,
      evolutionThreshold: state.tick.settings.evolution_threshold,
      similarityThreshold: state.tick.settings.learning_similarity_threshold,
    });
  });
}
