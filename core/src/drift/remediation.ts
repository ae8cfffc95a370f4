// What remediating a drift condition does, per kind (spec/autonomy.md §3.9), as a plan the operation
// carries out with the same core functions the engine's appliers use: module drift queues a
// `sync_modules` task on the instance, config drift an `apply_config` task on each running instance
// the sensor named, instance-state drift moves our record to what the provider reports (DB only).
// Storage-assignment, GitOps and package drift have no executor in this build (no reconcile, sync
// or repository-sync command exists), so they suggest nothing and cannot be remediated here. Pure.
import type { DriftDescription } from "./describe.ts";
import { DRIFT_LABEL, type DriftKind, driftCategory } from "./kinds.ts";

export type RemediationPlan =
  | {
      type: "tasks";
      command: "sync_modules" | "apply_config";
      payload: Record<string, unknown>;
      instance_ids: string[];
    }
  | {
      type: "instance_state";
      instance_id: string;
      to_status: "stopped" | "terminated" | "error";
      event: "mark_stopped" | "mark_terminated" | "mark_errored";
    };

export interface SuggestedRemediation {
  operation: "drift.remediate";
  input: { ids: string[] };
  label: string;
  /** The category the remediation acts under at the gate. */
  action_category: string;
}

const STATE_EVENT = {
  stopped: "mark_stopped",
  terminated: "mark_terminated",
  error: "mark_errored",
} as const;

const isProviderEnd = (v: unknown): v is keyof typeof STATE_EVENT => typeof v === "string" && v in STATE_EVENT;

/** The plan for one condition; null when its kind has no executor or its payload lacks the target. */
export function remediationPlan(
  kind: DriftKind,
  payload: Record<string, unknown> | null,
  d: DriftDescription,
): RemediationPlan | null {
  switch (kind) {
    case "fleet.module_drift":
      return d.instance_id
        ? { type: "tasks", command: "sync_modules", payload: { force_resync: true }, instance_ids: [d.instance_id] }
        : null;
    case "fleet.config_drift":
      return d.instance_ids.length > 0
        ? { type: "tasks", command: "apply_config", payload: {}, instance_ids: d.instance_ids }
        : null;
    case "fleet.instance_state_drift": {
      const to = payload?.actual_status;
      if (!d.instance_id || !isProviderEnd(to)) return null;
      return { type: "instance_state", instance_id: d.instance_id, to_status: to, event: STATE_EVENT[to] };
    }
    case "fleet.storage_assignment_drift":
    case "fleet.gitops_drift":
    case "fleet.package_drift":
      return null;
  }
}

/** What a person reads on the button. */
export function remediationLabel(plan: RemediationPlan, subjectName: string | null): string {
  const who = subjectName ? `instance ${subjectName}` : "the instance";
  if (plan.type === "instance_state") return `Mark ${who} ${plan.to_status}, as its provider reports (no task)`;
  if (plan.command === "sync_modules") return `Sync modules on ${who} (a sync_modules task)`;
  const n = plan.instance_ids.length;
  return `Apply the changed config on ${n === 1 ? who : `${n} running instances`} (apply_config task${n === 1 ? "" : "s"})`;
}

export function suggestRemediation(
  id: string,
  kind: DriftKind,
  plan: RemediationPlan | null,
  subjectName: string | null,
): SuggestedRemediation | null {
  if (!plan) return null;
  return {
    operation: "drift.remediate",
    input: { ids: [id] },
    label: remediationLabel(plan, subjectName),
    action_category: driftCategory(kind),
  };
}

/** Why a kind cannot be remediated here, for the error naming the item. */
export const noRemediationReason = (kind: DriftKind): string =>
  kind === "fleet.storage_assignment_drift" || kind === "fleet.gitops_drift" || kind === "fleet.package_drift"
    ? `${DRIFT_LABEL[kind]} has no remediation this build can run`
    : `the ${DRIFT_LABEL[kind]} detection does not name what to remediate`;
