// The tick's validation step (spec/autonomy.md §8 step 4, §3.7) and the learning it feeds (§5.2):
// every pending remediation past its settle time is judged against this tick's sense pass, its
// outcome stamped, its condition's failure streak moved, and a learning written for a polar
// outcome — best_practice when a human approved it, else pattern / failure_mode.
import { closeBreaker, emitEvent, recordLearning } from "@nodepilot/core";
import { fleet_remediations, fleet_sensor_cursors, fleet_signal_states, tasks } from "@nodepilot/store";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { conditionRow } from "../gate/condition-row.ts";
import { acting, type GateDeps } from "../gate/gate-deps.ts";
import type { GateTick } from "../gate/signal.ts";
import { proposeFromLearning } from "./evolve.ts";
import { validationVerdict } from "./validation-plan.ts";

export interface ValidationSummary {
  validated: number;
  effective: number;
  ineffective: number;
  failed: number;
  inconclusive: number;
  learnings_written: number;
  /** Policy proposals opened or refreshed by this tick's learnings (§5.5). */
  proposals: number;
}

export async function validateRemediations(deps: GateDeps, tick: GateTick): Promise<ValidationSummary> {
  const db = deps.services.database.db;
  const now = new Date(tick.now);
  const summary: ValidationSummary = {
    validated: 0,
    effective: 0,
    ineffective: 0,
    failed: 0,
    inconclusive: 0,
    learnings_written: 0,
    proposals: 0,
  };
  const due = await db
    .select({
      r: fleet_remediations,
      sensor: fleet_signal_states.sensor,
      last_seen_at: fleet_signal_states.last_seen_at,
      cleared_at: fleet_signal_states.cleared_at,
      sensor_status: fleet_sensor_cursors.last_status,
      sensor_run_at: fleet_sensor_cursors.last_run_at,
    })
    .from(fleet_remediations)
    .leftJoin(
      fleet_signal_states,
      and(
        eq(fleet_signal_states.account_id, fleet_remediations.account_id),
        eq(fleet_signal_states.kind, fleet_remediations.signal_kind),
        eq(fleet_signal_states.fingerprint, fleet_remediations.fingerprint),
      ),
    )
    .leftJoin(
      fleet_sensor_cursors,
      and(
        eq(fleet_sensor_cursors.account_id, fleet_remediations.account_id),
        eq(fleet_sensor_cursors.sensor, fleet_signal_states.sensor),
      ),
    )
    .where(
      and(
        eq(fleet_remediations.account_id, tick.account_id),
        eq(fleet_remediations.outcome, "pending"),
        lte(fleet_remediations.settle_until, now),
      ),
    );
  if (due.length === 0) return summary;
  const taskIds = due.flatMap((d) => d.r.task_ids);
  const statuses = new Map<string, string>();
  if (taskIds.length) {
    for (const t of await db
      .select({ id: tasks.id, status: tasks.status })
      .from(tasks)
      .where(inArray(tasks.id, taskIds))) {
      statuses.set(t.id, t.status);
    }
  }
  const act = await acting(deps, tick);
  for (const d of due) {
    const ranThisTick = d.sensor_run_at?.getTime() === now.getTime();
    const verdict = validationVerdict({
      taskStatuses: d.r.task_ids.map((id) => statuses.get(id) ?? "missing"),
      sensorStatus: ranThisTick ? (d.sensor_status ?? null) : null,
      conditionPresent: d.cleared_at === null && d.last_seen_at?.getTime() === now.getTime(),
      unvalidatedTicks: d.r.unvalidated_ticks,
    });
    if (verdict === "wait") {
      if (!ranThisTick || d.sensor_status !== "ok") {
        await db
          .update(fleet_remediations)
          .set({ unvalidated_ticks: sql`${fleet_remediations.unvalidated_ticks} + 1` })
          .where(eq(fleet_remediations.id, d.r.id));
      }
      continue;
    }
    summary.validated++;
    summary[verdict]++;
    await db.transaction(async (tx) => {
      await tx
        .update(fleet_remediations)
        .set({ outcome: verdict, validated_at: now, updated_at: now })
        .where(eq(fleet_remediations.id, d.r.id));
      if (d.r.signal_kind && d.r.fingerprint && verdict !== "inconclusive") {
        await tx
          .update(fleet_signal_states)
          .set({
            consecutive_failures: verdict === "effective" ? 0 : sql`${fleet_signal_states.consecutive_failures} + 1`,
          })
          .where(conditionRow(tick.account_id, d.r.signal_kind, d.r.fingerprint));
      }
      await emitEvent(tx, act.origin, {
        kind: "autonomy.remediation_validated",
        severity: verdict === "effective" ? "low" : "medium",
        fingerprint: d.r.fingerprint,
        subject_type: "fleet_remediation",
        subject_id: d.r.id,
        payload: {
          remediation_id: d.r.id,
          action_category: d.r.action_category,
          outcome: verdict,
          approval_request_id: d.r.approval_request_id,
        },
      });
      // §4.2: one approved execution validated effective closes the category's breaker.
      if (verdict === "effective" && d.r.approval_request_id) {
        await closeBreaker(
          tx,
          act.origin,
          d.r.action_category,
          `remediation:${d.r.id}`,
          "approved execution validated effective",
        );
      }
      if (verdict === "inconclusive" || !d.r.situation_text) return;
      const trigger =
        verdict === "effective"
          ? d.r.approval_request_id
            ? "approved_effective"
            : "remediation_effective"
          : verdict === "ineffective"
            ? "remediation_ineffective"
            : "remediation_failed";
      const learning = await recordLearning(
        tx,
        { ...act.origin, source: "learning" },
        {
          trigger,
          situation_text: d.r.situation_text,
          action_category: d.r.action_category,
          signal_kind: d.r.signal_kind,
          agent_id: act.agentId,
          title: `Fleet ${d.r.signal_kind ?? "condition"} → ${d.r.action_category}: ${verdict}`,
          content: `${d.r.applier} on ${d.r.target_type} ${d.r.target_id} was ${verdict}${d.r.approval_request_id ? " (approved by a reviewer)" : ""}.`,
          tags: ["fleet", ...(d.r.signal_kind ? [`kind:${d.r.signal_kind}`] : []), `outcome:${verdict}`],
          evidence: [
            d.r.id,
            ...(d.r.decision_id ? [d.r.decision_id] : []),
            ...(d.r.approval_request_id ? [d.r.approval_request_id] : []),
          ],
        },
      );
      summary.learnings_written++;
      const proposal = await proposeFromLearning(tx, act.origin, deps.learnings, {
        learning,
        category: d.r.action_category,
        agentId: act.agentId,
        trustTier: act.trustTier,
        evolutionThreshold: tick.settings.evolution_threshold,
        similarityThreshold: tick.settings.learning_similarity_threshold,
      });
      if (proposal?.proposal_id) summary.proposals++;
    });
  }
  return summary;
}
