// The composition of the autonomy layer for a process: the tick runner's Decider port and its
// approval/validation hooks, implemented by the LangGraph gate (graphs/). The sensors package
// knows nothing of graphs; this adapter is the only place the two meet.
import { type AutonomySettings, executeApprovedCalls, expireOverdueApprovals } from "@nodepilot/core";
import {
  type AutonomyGate,
  type GateDeps,
  GateSettings,
  type GateTick,
  updateBreakers,
  validateRemediations,
} from "@nodepilot/graphs";
import type { Decider, TickHook } from "@nodepilot/sensors";

const gateSettings = (s: AutonomySettings) => GateSettings.parse(s);

function gateTick(tick: Parameters<TickHook>[0], forceApproval: "standing_signal" | null): GateTick {
  return {
    tick_id: tick.tickId || null,
    correlation_id: tick.correlationId,
    account_id: tick.accountId,
    now: tick.now.toISOString(),
    force_approval: forceApproval,
    settings: gateSettings(tick.settings),
  };
}

export function gateDecider(gate: AutonomyGate): Decider {
  return {
    async decide(signal, condition, tick) {
      const out = await gate.decide(
        { ...signal, payload: signal.payload as Record<string, unknown>, refs: { ...signal.refs } },
        {
          episode: condition.episode,
          consecutive_failures: condition.consecutive_failures,
          cumulative_deferred_seconds: condition.cumulative_deferred_seconds,
        },
        gateTick(tick, tick.forceApproval),
      );
      return {
        decision: out.decision,
        reasons: out.reasons.map((r) => ({
          code: r.code,
          ...(r.detail === undefined ? {} : { detail: JSON.stringify(r.detail).slice(0, 500) }),
        })),
        actionCategory: out.action_category,
        decisionId: out.decision_id,
        approvalRequestId: out.approval_request_id,
      };
    },
  };
}

/** Steps 1, 2 and 4 of the tick (§8): expire overdue approvals, act on decided ones, validate remediations. */
export function gateHooks(
  gate: AutonomyGate,
  deps: GateDeps,
): Partial<Record<"expire_approvals" | "execute_approved" | "validate" | "breakers", TickHook>> {
  return {
    async breakers(tick) {
      return updateBreakers(deps, gateTick(tick, null));
    },
    async expire_approvals(tick) {
      const expired = await deps.services.database.db.transaction((tx) =>
        expireOverdueApprovals(tx, { now: tick.now, accountId: tick.accountId, correlationId: tick.correlationId }),
      );
      return { approvals_expired: expired.length };
    },
    async execute_approved(tick) {
      const summary = await gate.resumeDecided(tick.accountId, gateSettings(tick.settings));
      // AI clients' approved calls (spec/mcp.md §5) have no gate thread: they run from the store.
      const calls = await executeApprovedCalls(deps.services, deps.catalog, tick.accountId);
      return {
        approved_executed: summary.by_status.applied ?? 0,
        approved_calls_executed: calls.applied ?? 0,
        approved_calls_refused: (calls.refused ?? 0) + (calls.failed ?? 0) + (calls.stale ?? 0),
        approvals_resumed: summary.resumed,
        approvals_resume_failed: summary.failed,
      };
    },
    async validate(tick) {
      const summary = await validateRemediations(deps, gateTick(tick, null));
      return {
        validated: summary.validated,
        learnings_written: summary.learnings_written,
        policy_proposals: summary.proposals,
      };
    },
  };
}
