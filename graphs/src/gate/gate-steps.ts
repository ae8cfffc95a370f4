// The steps of the gate graph (spec/autonomy.md §3.5 steps 3 and 6–15), each a function of the
// state that reads the store and returns what it found. A step that ends the decision records it
// (fleet_decisions + `autonomy.decision.<d>`) and sets `outcome`; the graph then stops.
import {
  attributionAdjustment,
  bindSignal,
  breakerOpen,
  consumeConsentBudget,
  createApprovalRequest,
  emitEvent,
  findCategory,
  findExhaustedBudget,
  learningInfluence,
  loadPolicyRows,
  type RecordDecisionInput,
  recordDecision,
  rejectionCooldownUntil,
  resolvePolicy,
  similarLearnings,
} from "@nodepilot/core";
import {
  approval_requests,
  type DbOrTx,
  fleet_decisions,
  fleet_events,
  fleet_remediations,
  fleet_signal_states,
} from "@nodepilot/store";
import { and, eq, gt, sql } from "drizzle-orm";
import { autonomousKey, remediate } from "../appliers/remediation.ts";
import { applyBrakes, type BrakeReason } from "./brakes.ts";
import { buildCandidate } from "./candidate.ts";
import { conditionRow } from "./condition-row.ts";
import { acting, type GateDeps } from "./gate-deps.ts";
import type { GateStateValue, GateUpdate, Outcome } from "./state.ts";

const SEVERITY_WEIGHT = { low: 1, medium: 4, high: 16, critical: 64 } as const;

type Step = (state: GateStateValue) => Promise<GateUpdate>;

async function record(
  deps: GateDeps,
  state: GateStateValue,
  decision: Outcome["decision"],
  reasons: BrakeReason[],
  extra: Partial<RecordDecisionInput> = {},
): Promise<GateUpdate> {
  const act = await acting(deps, state.tick);
  const row = await deps.services.database.db.transaction((tx) =>
    recordDecision(tx, act.origin, decisionInput(state, act.agentId, decision, reasons, extra)),
  );
  return {
    outcome: {
      decision,
      reasons,
      decision_id: row.id,
      approval_request_id: row.approval_request_id,
      remediation_id: null,
    },
  };
}

export function decisionInput(
  state: GateStateValue,
  agentId: string,
  decision: Outcome["decision"],
  reasons: BrakeReason[],
  extra: Partial<RecordDecisionInput>,
): RecordDecisionInput {
  const c = state.candidate;
  return {
    decision,
    reasons,
    tick_id: state.tick.tick_id,
    signal_kind: state.signal.kind,
    fingerprint: state.signal.fingerprint,
    severity: state.signal.severity,
    action_category: c?.category ?? null,
    agent_id: agentId,
    gate: state.level ?? null,
    base_policy: state.policy?.base_policy ?? null,
    matched_policy_id: state.policy?.matched_policy_id ?? null,
    disruption_pct: c?.disruption_pct ?? null,
    action_payload_hash: c?.payload_hash ?? null,
    plan: c ? { action: c.action, dedup_key: c.dedup_key } : null,
    learning_influence: state.influence ? { ...state.influence } : null,
    budget: state.budget && state.budget !== "check_failed" ? { ...state.budget } : null,
    ...extra,
  };
}

/** §3.5 step 3: bind the kind to a category and build the exact candidate action. */
export const bindStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const { signal, tick } = state;
    const binding = bindSignal({
      kind: signal.kind,
      payload: signal.payload,
      presumedDeadSeconds: tick.settings.presumed_dead_seconds,
    });
    if (!binding) {
      await bindingMissing(deps, state);
      return record(deps, state, "skipped", [{ code: "no_binding" }]);
    }
    const category = findCategory(binding.category);
    if (!category) return record(deps, state, "blocked", [{ code: "unknown_category", detail: binding.category }]);
    return { candidate: buildCandidate(tick.account_id, signal, binding, category) };
  };

/** High `autonomy.binding_missing` at most once per kind per day. */
async function bindingMissing(deps: GateDeps, state: GateStateValue) {
  const act = await acting(deps, state.tick);
  const since = new Date(act.origin.now.getTime() - 86_400_000);
  await deps.services.database.db.transaction(async (tx) => {
    const [seen] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.account_id, state.tick.account_id),
          eq(fleet_events.kind, "autonomy.binding_missing"),
          sql`${fleet_events.payload}->>'signal_kind' = ${state.signal.kind}`,
          gt(fleet_events.emitted_at, since),
        ),
      );
    if ((seen?.n ?? 0) > 0) return;
    await emitEvent(tx, act.origin, {
      kind: "autonomy.binding_missing",
      severity: "high",
      payload: { signal_kind: state.signal.kind, sensor: state.signal.sensor },
    });
  });
}

/** §3.5 steps 6–7: a recent rejection suppresses the action; a pending request is refreshed in place. */
export const screenStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const c = state.candidate!;
    const db = deps.services.database.db;
    const category = findCategory(c.category)!;
    const s = state.tick.settings;
    const now = new Date(state.tick.now);
    const cooldown = category.flags.fleet ? s.fleet_rejection_cooldown_seconds : s.rejection_cooldown_seconds;
    const until = await rejectionCooldownUntil(db, state.tick.account_id, c.dedup_key, now, cooldown);
    if (until)
      return record(deps, state, "suppressed", [
        { code: "rejection_cooldown", detail: { until: until.toISOString() } },
      ]);
    const [pending] = await db
      .select({ id: approval_requests.id })
      .from(approval_requests)
      .where(
        and(
          eq(approval_requests.account_id, state.tick.account_id),
          eq(approval_requests.dedup_key, c.dedup_key),
          eq(approval_requests.status, "pending"),
        ),
      );
    if (!pending) return {};
    const act = await acting(deps, state.tick);
    const reasons = [{ code: "awaiting_approval" }];
    const row = await db.transaction(async (tx) => {
      const { request } = await createApprovalRequest(tx, act.origin, refreshInput(state, act.agentId));
      return recordDecision(
        tx,
        act.origin,
        decisionInput(state, act.agentId, "pending", reasons, { approval_request_id: request.id }),
      );
    });
    return {
      outcome: {
        decision: "pending",
        reasons,
        decision_id: row.id,
        approval_request_id: row.approval_request_id,
        remediation_id: null,
      },
    };
  };

/**
 * Step 7 runs before the policy and learnings steps, so a refresh changes the action only: the
 * request keeps the matched policy, reasoning and evidence it was created with (undefined = keep).
 */
function refreshInput(state: GateStateValue, agentId: string) {
  return {
    ...requestInput(state, agentId),
    matched_policy_id: undefined,
    approval_chain_id: undefined,
    reasoning: undefined,
    learning_evidence: undefined,
  };
}

/** §3.5 steps 9–10: the owner agent's policy; block (or silent) ends it, nothing lifts a block. */
export const policyStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const c = state.candidate!;
    const act = await acting(deps, state.tick);
    const rows = await loadPolicyRows(deps.services.database.db, state.tick.account_id, c.category);
    const res = resolvePolicy(rows, {
      category: c.category,
      actor: { type: "agent", agent_id: act.agentId, trust_tier: act.trustTier as never },
      now: new Date(state.tick.now),
    });
    const policy = {
      agent_id: act.agentId,
      level: res.level,
      base_policy: res.base_policy,
      matched_policy_id: res.matched_policy_id,
      reason: res.reason,
      approval_chain_id: res.approval_chain_id,
    };
    const reasons: BrakeReason[] = res.reason === "matched" ? [] : [{ code: res.reason }];
    if (res.level === "block") {
      return {
        policy,
        level: "block",
        ...(await record(deps, { ...state, policy, level: "block" }, "blocked", [
          ...reasons,
          { code: "policy_block" },
        ])),
      };
    }
    return { policy, level: res.level, reasons };
  };

/** §3.5 step 11g input and §5.4: similar past learnings, their pull on strictness, and the score factor. */
export const learningsStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const c = state.candidate!;
    const result = await (async () => {
      try {
        return await similarLearnings(deps.services.database.db, deps.learnings, {
          accountId: state.tick.account_id,
          situation_text: c.situation_text,
          category: c.category,
          threshold: state.tick.settings.learning_similarity_threshold,
        });
      } catch (err) {
        deps.logger.warn("similar learnings failed", { error: err instanceof Error ? err.message : String(err) });
        return { learnings: [], degraded: "search_failed" as const };
      }
    })();
    const similar = result.learnings.map((l) => ({
      id: l.id,
      title: l.title,
      polarity: l.polarity,
      sim: l.sim,
      confidence: l.confidence,
    }));
    const influence = learningInfluence(similar);
    const base = SEVERITY_WEIGHT[state.signal.severity];
    const adjusted = attributionAdjustment(base, similar);
    return {
      similar,
      influence: {
        learning_ids: similar.map((l) => l.id),
        pos: influence.pos,
        neg: influence.neg,
        effect: influence.effect,
        base_score: base,
        score: adjusted.score,
        score_reason: adjusted.reason,
        degraded: result.degraded,
      },
    };
  };

/** §3.5 step 11: the brakes, including the consent budget check (which fails closed). */
export const brakesStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const c = state.candidate!;
    const category = findCategory(c.category)!;
    const s = state.tick.settings;
    let budget: GateStateValue["budget"] = null;
    const mayProceed = state.level === "auto_approve" || state.level === "notify_and_proceed";
    if (mayProceed && !category.flags.advisory && c.module_ids.length > 0) {
      try {
        budget = await findExhaustedBudget(
          deps.services.database.db,
          state.tick.account_id,
          c.module_ids,
          new Date(state.tick.now),
        );
      } catch {
        budget = "check_failed";
      }
    }
    // A breaker that cannot be read counts as open: like the budget, the brakes fail closed.
    const tripped = mayProceed
      ? await breakerOpen(deps.services.database.db, state.tick.account_id, c.category).catch(() => true)
      : false;
    const out = applyBrakes({
      breakerOpen: tripped,
      level: state.level!,
      autonomyMode: s.autonomy_mode,
      forcedApproval: category.forcedApproval,
      forceApproval: state.tick.force_approval,
      consecutiveFailures: state.condition.consecutive_failures,
      stuckStreakThreshold: s.stuck_streak_threshold,
      disruptionPct: c.disruption_pct,
      maxDisruptionPct: s.max_disruption_pct,
      influence: state.influence ?? { pos: 0, neg: 0, effect: "none" },
      budget,
    });
    return { budget, level: out.level, reasons: [...state.reasons, ...out.reasons] };
  };

class BudgetLost extends Error {
  constructor(readonly budget: { module_id: string; used: number; limit: number; window_start_at: string | null }) {
    super("consent budget taken by a concurrent action");
  }
}

/** §3.5 steps 13–15: proceed (consuming the budget) or ask for approval; the decision is recorded. */
export const decideStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const c = state.candidate!;
    const category = findCategory(c.category)!;
    const act = await acting(deps, state.tick);
    const db = deps.services.database.db;
    if (state.level !== "require_approval") {
      // The same action again in the same episode acts no more (its remediation exists), so it
      // consumes no more consent either.
      const repeat = await remediationExists(deps, state.tick.account_id, keyOf(state));
      try {
        const row = await db.transaction(async (tx) => {
          if (!category.flags.advisory && c.module_ids.length > 0 && !repeat) {
            const consumed = await consumeConsentBudget(tx, state.tick.account_id, c.module_ids, act.origin.now);
            if (!consumed.ok) throw new BudgetLost(consumed.budget);
          }
          const decision = await recordDecision(
            tx,
            act.origin,
            decisionInput(state, act.agentId, "proceed", state.reasons, {}),
          );
          if (state.level === "notify_and_proceed" && !(await notifiedRecently(tx, state, act.origin.now))) {
            await emitEvent(tx, act.origin, {
              kind: "autonomy.notified",
              severity: "low",
              fingerprint: state.signal.fingerprint,
              subject_type: "fleet_decision",
              subject_id: decision.id,
              payload: {
                decision_id: decision.id,
                signal_kind: state.signal.kind,
                action_category: c.category,
                target: c.action.target,
                description: c.description,
              },
            });
          }
          return decision;
        });
        return {
          outcome: {
            decision: "proceed",
            reasons: state.reasons,
            decision_id: row.id,
            approval_request_id: null,
            remediation_id: null,
          },
        };
      } catch (err) {
        if (!(err instanceof BudgetLost)) throw err;
        // Lost the race for the last unit of budget: rolled back, and the action asks for approval.
        const reasons = [...state.reasons, { code: "consent_budget_exhausted", detail: err.budget }];
        return requestApproval(deps, { ...state, level: "require_approval", reasons, budget: err.budget });
      }
    }
    return requestApproval(deps, state);
  };

/** §3.1: at most one `autonomy.notified` per condition (kind, fingerprint) per notify_throttle_seconds. */
async function notifiedRecently(tx: DbOrTx, state: GateStateValue, now: Date): Promise<boolean> {
  const throttle = state.tick.settings.notify_throttle_seconds;
  if (throttle <= 0) return false;
  const [seen] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(fleet_events)
    .where(
      and(
        eq(fleet_events.account_id, state.tick.account_id),
        eq(fleet_events.kind, "autonomy.notified"),
        eq(fleet_events.fingerprint, state.signal.fingerprint),
        sql`${fleet_events.payload}->>'signal_kind' = ${state.signal.kind}`,
        gt(fleet_events.emitted_at, new Date(now.getTime() - throttle * 1000)),
      ),
    );
  return (seen?.n ?? 0) > 0;
}

async function requestApproval(deps: GateDeps, state: GateStateValue): Promise<GateUpdate> {
  const act = await acting(deps, state.tick);
  const reasons = state.reasons;
  // A step whose writes committed but whose checkpoint did not (the process died in between) runs
  // again when the thread resumes: the request this thread already made is found, not made twice.
  const [mine] = await deps.services.database.db
    .select({ id: approval_requests.id })
    .from(approval_requests)
    .where(
      and(
        eq(approval_requests.account_id, state.tick.account_id),
        eq(approval_requests.graph_thread_id, state.thread_id),
      ),
    );
  if (mine) {
    const [decided] = await deps.services.database.db
      .select({ id: fleet_decisions.id })
      .from(fleet_decisions)
      .where(
        and(eq(fleet_decisions.account_id, state.tick.account_id), eq(fleet_decisions.approval_request_id, mine.id)),
      )
      .orderBy(fleet_decisions.created_at)
      .limit(1);
    return {
      level: "require_approval",
      reasons,
      budget: state.budget,
      outcome: {
        decision: "pending",
        reasons,
        decision_id: decided?.id ?? null,
        approval_request_id: mine.id,
        remediation_id: null,
      },
    };
  }
  const row = await deps.services.database.db.transaction(async (tx) => {
    const { request, outcome } = await createApprovalRequest(
      tx,
      act.origin,
      requestInput({ ...state, level: "require_approval" }, act.agentId),
    );
    // Only a request this thread created waits on this thread; a refreshed one keeps its own.
    if (outcome === "created") {
      await tx
        .update(approval_requests)
        .set({ graph_thread_id: state.thread_id })
        .where(eq(approval_requests.id, request.id));
    }
    const decision = await recordDecision(
      tx,
      act.origin,
      decisionInput({ ...state, level: "require_approval" }, act.agentId, "pending", reasons, {
        approval_request_id: request.id,
      }),
    );
    return { decision, owned: outcome === "created" };
  });
  return {
    level: "require_approval",
    reasons,
    budget: state.budget,
    outcome: {
      decision: "pending",
      reasons,
      decision_id: row.decision.id,
      approval_request_id: row.owned ? row.decision.approval_request_id : null,
      remediation_id: null,
    },
  };
}

function requestInput(state: GateStateValue, agentId: string) {
  const c = state.candidate!;
  return {
    action_payload: c.action,
    dedup_key: c.dedup_key,
    severity: state.signal.severity,
    description: c.description,
    source: "gate",
    fingerprint: state.signal.fingerprint,
    signal_kind: state.signal.kind,
    plan: { action: c.action, disruption_pct: c.disruption_pct, situation: c.situation_text },
    reasoning: state.reasons.map((r) => r.code).join(", ") || `policy ${state.policy?.base_policy ?? "none"}`,
    learning_evidence: state.similar,
    matched_policy_id: state.policy?.matched_policy_id ?? null,
    approval_chain_id: state.policy?.approval_chain_id ?? null,
    requested_by_agent_id: agentId,
  };
}

/** §3.5 step 13 and §3.8: the applier runs for real under the decision's idempotency key. */
export const applyStep =
  (deps: GateDeps): Step =>
  async (state) => {
    const c = state.candidate!;
    const act = await acting(deps, state.tick);
    const key = keyOf(state);
    const repeat = await remediationExists(deps, state.tick.account_id, key);
    const remediation = await remediate(act.applier, {
      action: c.action,
      payloadHash: c.payload_hash,
      key,
      approved: false,
      decisionId: state.outcome!.decision_id,
      approvalRequestId: null,
      signalKind: state.signal.kind,
      fingerprint: state.signal.fingerprint,
      episode: state.condition.episode,
      situationText: c.situation_text,
      settleWindowSeconds: state.tick.settings.settle_window_seconds,
    });
    // A repeat of the same action in the same episode finds its remediation; it counts once.
    await linkRemediation(deps, state, remediation.id, remediation.status === "applied" && !repeat);
    return { outcome: { ...state.outcome!, remediation_id: remediation.id } };
  };

/** §3.8: the autonomous idempotency key of this decision's action. */
const keyOf = (state: GateStateValue): string =>
  autonomousKey({
    accountId: state.tick.account_id,
    category: state.candidate!.category,
    dedupKey: state.candidate!.dedup_key,
    payloadHash: state.candidate!.payload_hash,
    episode: state.condition.episode,
  });

async function remediationExists(deps: GateDeps, accountId: string, key: string): Promise<boolean> {
  const [row] = await deps.services.database.db
    .select({ id: fleet_remediations.id })
    .from(fleet_remediations)
    .where(and(eq(fleet_remediations.account_id, accountId), eq(fleet_remediations.idempotency_key, key)));
  return row !== undefined;
}

/** The decision row points at what it caused; an applied action counts on its condition (§2.2). */
export async function linkRemediation(deps: GateDeps, state: GateStateValue, remediationId: string, applied: boolean) {
  const db = deps.services.database.db;
  await db.transaction(async (tx) => {
    if (state.outcome?.decision_id) {
      await tx
        .update(fleet_decisions)
        .set({ remediation_id: remediationId })
        .where(eq(fleet_decisions.id, state.outcome.decision_id));
    }
    if (applied) {
      await tx
        .update(fleet_signal_states)
        .set({ remediations_applied: sql`${fleet_signal_states.remediations_applied} + 1` })
        .where(conditionRow(state.tick.account_id, state.signal.kind, state.signal.fingerprint));
    }
  });
}
