// §3.5 step 12 as a graph step: an action that would proceed on its own waits while other systems
// report pressure (spec/autonomy.md §6.3). Deferred, the condition's defer_until keeps the tick
// from deciding it again until then; past its cumulative limit it goes to approval instead. The
// throttle fails open: it never stops an action because its own inputs could not be read.
import { emitEvent, findCategory, recordDecision } from "@nodepilot/core";
import { fleet_signal_states, pressure_signals } from "@nodepilot/store";
import { and, eq, gt, sql } from "drizzle-orm";
import { conditionRow } from "./condition-row.ts";
import { acting, type GateDeps } from "./gate-deps.ts";
import { decisionInput } from "./gate-steps.ts";
import type { GateStateValue, GateUpdate } from "./state.ts";
import { type ThrottleResult, throttle } from "./throttle.ts";

export const pressureStep =
  (deps: GateDeps) =>
  async (state: GateStateValue): Promise<GateUpdate> => {
    if (state.level !== "auto_approve" && state.level !== "notify_and_proceed") return {};
    const c = state.candidate!;
    const category = findCategory(c.category)!;
    const s = state.tick.settings;
    const now = new Date(state.tick.now);
    const db = deps.services.database.db;
    let result: ThrottleResult;
    try {
      const rows = category.flags.defer
        ? await db
            .select()
            .from(pressure_signals)
            .where(
              and(
                eq(pressure_signals.account_id, state.tick.account_id),
                eq(pressure_signals.direction, "in"),
                gt(pressure_signals.expires_at, now),
              ),
            )
        : [];
      result = throttle({
        category,
        severity: state.signal.severity,
        signals: rows,
        now,
        moduleIds: c.module_ids,
        region: typeof state.signal.payload.region === "string" ? state.signal.payload.region : null,
        threshold: s.throttle_strength_threshold,
        maxDeferSeconds: s.max_defer_seconds,
        maxCumulativeDeferSeconds: s.max_cumulative_defer_seconds,
        cumulativeDeferredSeconds: state.condition.cumulative_deferred_seconds,
      });
    } catch (err) {
      deps.logger.warn("throttle unavailable; proceeding", { error: err instanceof Error ? err.message : String(err) });
      return { reasons: [...state.reasons, { code: "throttle_unavailable" }] };
    }
    if (result.effect === "none") return {};
    if (result.effect === "require_approval") {
      return {
        level: "require_approval",
        reasons: [...state.reasons, { code: "deferred_too_long", detail: { aggregate_strength: result.aggregate } }],
      };
    }
    const act = await acting(deps, state.tick);
    const until = new Date(now.getTime() + result.defer_seconds * 1000);
    const reasons = [
      ...state.reasons,
      { code: "external_pressure", detail: { aggregate_strength: result.aggregate, defer_until: until.toISOString() } },
    ];
    const row = await db.transaction(async (tx) => {
      await tx
        .update(fleet_signal_states)
        .set({
          defer_until: until,
          cumulative_deferred_seconds: sql`${fleet_signal_states.cumulative_deferred_seconds} + ${result.defer_seconds}`,
        })
        .where(conditionRow(state.tick.account_id, state.signal.kind, state.signal.fingerprint));
      await emitEvent(tx, act.origin, {
        kind: "autonomy.throttled",
        severity: "low",
        fingerprint: state.signal.fingerprint,
        payload: {
          action_category: c.category,
          aggregate_strength: result.aggregate,
          defer_seconds: result.defer_seconds,
          defer_until: until.toISOString(),
        },
      });
      return recordDecision(tx, act.origin, decisionInput(state, act.agentId, "deferred", reasons, {}));
    });
    return {
      reasons,
      outcome: { decision: "deferred", reasons, decision_id: row.id, approval_request_id: null, remediation_id: null },
    };
  };
