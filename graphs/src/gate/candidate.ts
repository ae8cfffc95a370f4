// The candidate action for a signal (spec/autonomy.md §3.5 step 8, §3.9): pure. It turns a bound
// signal into the exact action payload a reviewer approves — account, category, target and the
// action-defining params only, never volatile readings — with its digest, dedup key, the modules it
// touches (consent budgets), its disruption and the canonical situation text learnings match on.
import {
  type ActionCategory,
  actionDigest,
  type Binding,
  dedupKeyOf,
  type FeatureValue,
  situationText,
} from "@nodepilot/core";
import type { ActionPayload } from "@nodepilot/store";
import type { GateSignal } from "./signal.ts";

export interface Candidate {
  category: string;
  action: ActionPayload;
  payload_hash: string;
  dedup_key: string;
  description: string;
  module_ids: string[];
  /** §1.4: the share of running instances the action disrupts, when the planner knows it. */
  disruption_pct: number | null;
  situation_text: string;
}

/** Payload features that describe the situation without naming it (§5.3: no ids, no raw readings). */
const SITUATION_FEATURES: Readonly<Record<string, readonly string[]>> = {
  "fleet.instance_silent": ["status"],
  "fleet.instance_state_drift": ["expected_status", "actual_status", "provider_type"],
  "fleet.module_drift": ["missing_count", "extra_count", "mismatched_count"],
  "fleet.cert_expiring": ["expired", "superseded"],
  "fleet.config_drift": [],
  "fleet.honeypot_access": ["source"],
};

const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** Modules an action touches: payload module_id / node_module_id, else those named in its planned lists. */
export function touchedModules(payload: Record<string, unknown>): string[] {
  const direct = [payload.module_id, payload.node_module_id].filter(isId);
  if (direct.length) return [...new Set(direct)];
  const listed: string[] = [];
  for (const key of ["missing", "extra", "mismatched", "planned_actions"]) {
    const list = payload[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const id = (item as { module_id?: unknown } | null)?.module_id;
      if (isId(id)) listed.push(id);
    }
  }
  return [...new Set(listed)].sort();
}

/** Category-specific params beyond the payload fields the binding copies. */
function extraParams(signal: GateSignal, category: string): Record<string, unknown> {
  if (category === "instance.recover") {
    // Graceful first: the agent reboots the machine (a task it leases). A critical silence — the
    // agent has not been heard for the critical window — asks the provider to power-cycle instead.
    return { operation: "reboot", hard: signal.severity === "critical" };
  }
  return {};
}

function disruptionOf(signal: GateSignal, category: string): number | null {
  if (category !== "module.sync") return null;
  // drift_remediate (§1.4): 20 points per module change, capped at 100.
  const n = ["missing_count", "extra_count", "mismatched_count"]
    .map((k) => signal.payload[k])
    .reduce<number>((sum, v) => sum + (typeof v === "number" ? v : 0), 0);
  return Math.min(20 * n, 100);
}

export function buildCandidate(
  accountId: string,
  signal: GateSignal,
  binding: Binding,
  category: ActionCategory,
): Candidate {
  const params: Record<string, unknown> = {};
  for (const field of binding.params) {
    if (signal.payload[field] !== undefined) params[field] = signal.payload[field];
  }
  Object.assign(params, extraParams(signal, category.name));
  const targetId = binding.target.field ? signal.payload[binding.target.field] : undefined;
  const action: ActionPayload = {
    account_id: accountId,
    action_category: category.name,
    target: { type: binding.target.type, id: isId(targetId) ? targetId : signal.fingerprint },
    params,
  };
  const features: Record<string, FeatureValue> = {};
  for (const key of SITUATION_FEATURES[signal.kind] ?? []) {
    const v = signal.payload[key];
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") features[key] = v;
  }
  return {
    category: category.name,
    action,
    payload_hash: actionDigest(action),
    dedup_key: dedupKeyOf(category, { ...signal.payload, ...params }, signal.fingerprint),
    description: `${category.name} on ${action.target.type} ${action.target.id} (${signal.kind}, ${signal.severity})`,
    module_ids: touchedModules(signal.payload),
    disruption_pct: disruptionOf(signal, category.name),
    situation_text: situationText({
      kind: signal.kind,
      category: category.name,
      severity: signal.severity,
      target_type: binding.target.type,
      features,
    }),
  };
}
