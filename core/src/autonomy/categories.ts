// The action-category registry of spec/autonomy.md §3.9 as data: each category's seeded policy level,
// the params fields its dedup key is made of, and its flags. The gate, the seed and policy writes
// all read this one table, so a category exists exactly when it is listed here.
import type { PolicyLevel } from "./policy.ts";

export interface CategoryFlags {
  /** D: the external-pressure throttle may defer it. */
  defer: boolean;
  /** A: advisory — not scored, consumes no consent budget. */
  advisory: boolean;
  /** F: fleet-wide or advancement — 4 h rejection cooldown. */
  fleet: boolean;
  /** N: never proposed for loosening by the learning loop. */
  neverLoosen: boolean;
}

export interface ActionCategory {
  name: string;
  defaultLevel: Exclude<PolicyLevel, "silent">;
  /** The params fields whose values make the dedup key, joined with `+`; the fingerprint when absent. */
  dedup: readonly string[];
  /** Tried when a `dedup` field is missing (instance.quarantine: instance_id, else module_id). */
  dedupFallback?: readonly string[];
  flags: CategoryFlags;
  /** Always requires approval, whatever a policy row says (§3.5 step 11b). */
  forcedApproval: boolean;
  /** The throttle defers it only below this severity (cert.rotate: "D below high"). */
  deferBelowSeverity?: "high";
}

type FlagLetters = "" | `${"D" | ""}${"A" | ""}${"F" | ""}${"N" | ""}`;

const category = (
  name: string,
  defaultLevel: ActionCategory["defaultLevel"],
  dedup: string,
  flags: FlagLetters,
  extra: Partial<Pick<ActionCategory, "forcedApproval" | "deferBelowSeverity" | "dedupFallback">> = {},
): ActionCategory => ({
  name,
  defaultLevel,
  dedup: dedup === "fingerprint" ? [] : dedup.split("+"),
  flags: {
    defer: flags.includes("D"),
    advisory: flags.includes("A"),
    fleet: flags.includes("F"),
    neverLoosen: flags.includes("N"),
  },
  forcedApproval: extra.forcedApproval ?? false,
  ...(extra.deferBelowSeverity ? { deferBelowSeverity: extra.deferBelowSeverity } : {}),
  ...(extra.dedupFallback ? { dedupFallback: extra.dedupFallback } : {}),
});

export const ACTION_CATEGORIES: readonly ActionCategory[] = [
  category("instance.recover", "require_approval", "instance_id", "D"),
  category("instance.mark_dead", "auto_approve", "instance_id", ""),
  category("instance.reconcile_state", "notify_and_proceed", "instance_id", ""),
  category("instance.quarantine", "require_approval", "instance_id", "N", { dedupFallback: ["module_id"] }),
  category("module.sync", "notify_and_proceed", "instance_id", "D"),
  category("config.apply", "notify_and_proceed", "assignment_id", "D"),
  category("cert.rotate", "notify_and_proceed", "certificate_id", "D", { deferBelowSeverity: "high" }),
  category("module.promote", "require_approval", "module_version_id", "F"),
  category("module.investigate", "notify_and_proceed", "module_id", "A"),
  category("module.rollback", "require_approval", "module_id", "FN"),
  category("fleet.rolling_upgrade", "require_approval", "module_id+to_version_id", "DF"),
  category("fleet.rollout_resume", "require_approval", "rollout_id", "FN", { forcedApproval: true }),
  category("fleet.rollout_rollback", "require_approval", "rollout_id", "FN", { forcedApproval: true }),
  category("fleet.investigate", "notify_and_proceed", "fingerprint", "A"),
  category("observation", "auto_approve", "fingerprint", "A"),
  category("sdwan.peer_remediate", "notify_and_proceed", "peer_id", "D"),
  category("sdwan.credential_refresh", "notify_and_proceed", "peer_id+network_id", ""),
  category("sdwan.failover", "require_approval", "network_id", "F"),
  category("sdwan.bgp_remediate", "notify_and_proceed", "peer_id+neighbor_address", "D"),
  category("sdwan.vip_failover", "require_approval", "virtual_ip_id", ""),
  category("gitops.apply_approved", "notify_and_proceed", "repository_id", "D"),
  category("project.adapt", "notify_and_proceed", "project_id", "A"),
  category("project.cost_control", "notify_and_proceed", "project_id", "A"),
  category("package.repository_sync", "auto_approve", "package_repository_id", "D"),
  category("storage.reconcile", "notify_and_proceed", "storage_assignment_id", "D"),
  category("skill.refine", "require_approval", "skill_id", "FN"),
];

const BY_NAME = new Map(ACTION_CATEGORIES.map((c) => [c.name, c]));

export const CATEGORY_NAMES: readonly string[] = ACTION_CATEGORIES.map((c) => c.name);

export function findCategory(name: string): ActionCategory | undefined {
  return BY_NAME.get(name);
}

/**
 * `<category>:<field values>` (§3.9); the fingerprint when the category dedups by it or a field is
 * missing from params and there is no fallback that is complete.
 */
export function dedupKeyOf(category: ActionCategory, params: Record<string, unknown>, fingerprint: string): string {
  const valuesOf = (fields: readonly string[]) => {
    const values = fields.map((f) => params[f]);
    return values.every((v) => typeof v === "string" || typeof v === "number") ? values.join("+") : undefined;
  };
  const primary = category.dedup.length ? valuesOf(category.dedup) : undefined;
  const value = primary ?? (category.dedupFallback ? valuesOf(category.dedupFallback) : undefined) ?? fingerprint;
  return `${category.name}:${value}`;
}
