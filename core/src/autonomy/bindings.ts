// Signal kind → action category (spec/autonomy.md §1.3 "Category → default", §3.5 step 3): the
// engine's routing table as data plus the few payload-dependent variants the spec names (a presumed
// dead instance, an unhosted honeypot hit, an anycast VIP). Every kind a sensor may emit has a row;
// a build-time test in sensors/ checks that and that every category here is registered.
import { findCategory } from "./categories.ts";

export interface Binding {
  kind: string;
  category: string;
  /** The params fields of the action payload, read from the signal's payload (§3.9 `params`). */
  params: readonly string[];
  /** The action's target: its type and the payload field holding its id (the fingerprint when absent). */
  target: { type: string; field?: string };
}

const bind = (kind: string, category: string, target: Binding["target"], params: readonly string[]): Binding => ({
  kind,
  category,
  target,
  params,
});

const investigate = (kind: string): Binding => bind(kind, "fleet.investigate", { type: "condition" }, []);

const INSTANCE = { type: "node_instance", field: "instance_id" } as const;

export const BINDINGS: readonly Binding[] = [
  bind("fleet.instance_silent", "instance.recover", INSTANCE, ["instance_id", "node_id"]),
  bind("fleet.instance_state_drift", "instance.reconcile_state", INSTANCE, ["instance_id", "actual_status"]),
  bind("fleet.module_drift", "module.sync", INSTANCE, ["instance_id", "missing", "extra", "mismatched"]),
  bind("fleet.cert_expiring", "cert.rotate", { type: "certificate", field: "certificate_id" }, [
    "certificate_id",
    "instance_id",
    "superseded",
  ]),
  bind("fleet.module_promotion_ready", "module.promote", { type: "module_version", field: "module_version_id" }, [
    "module_version_id",
    "module_id",
  ]),
  bind("fleet.config_drift", "config.apply", { type: "module_assignment", field: "assignment_id" }, [
    "assignment_id",
    "node_id",
    "instance_ids",
  ]),
  bind("fleet.slo_violation", "module.investigate", { type: "module", field: "module_id" }, ["module_id", "slo_id"]),
  investigate("fleet.slo_unmeasured"),
  bind("fleet.honeypot_access", "instance.quarantine", INSTANCE, ["instance_id", "module_id"]),
  bind("fleet.external_pressure", "observation", { type: "condition" }, []),
  bind("fleet.sdwan_peer_stale", "sdwan.peer_remediate", { type: "sdwan_peer", field: "peer_id" }, ["peer_id"]),
  bind("fleet.sdwan_hub_unreachable", "sdwan.failover", { type: "sdwan_network", field: "network_id" }, ["network_id"]),
  bind("fleet.sdwan_bgp_session_unhealthy", "sdwan.bgp_remediate", { type: "sdwan_peer", field: "peer_id" }, [
    "peer_id",
    "neighbor_address",
  ]),
  investigate("fleet.sdwan_bgp_session_stale"),
  bind("fleet.sdwan_vip_unreachable", "sdwan.vip_failover", { type: "sdwan_virtual_ip", field: "virtual_ip_id" }, [
    "virtual_ip_id",
  ]),
  bind("fleet.gitops_drift", "gitops.apply_approved", { type: "gitops_repository", field: "repository_id" }, [
    "repository_id",
  ]),
  investigate("fleet.gitops_sync_stale"),
  bind("fleet.project_slo_violation", "project.adapt", { type: "project", field: "project_id" }, [
    "project_id",
    "metric",
  ]),
  bind("fleet.project_drift", "project.adapt", { type: "project", field: "project_id" }, ["project_id", "drift_type"]),
  bind("fleet.project_cost_breach", "project.cost_control", { type: "project", field: "project_id" }, ["project_id"]),
  investigate("fleet.project_unmeasured"),
  bind(
    "fleet.package_drift",
    "package.repository_sync",
    { type: "package_repository", field: "package_repository_id" },
    ["package_repository_id"],
  ),
  bind("fleet.sdwan_credential_expiring", "sdwan.credential_refresh", { type: "sdwan_peer", field: "peer_id" }, [
    "peer_id",
    "network_id",
  ]),
  investigate("fleet.sdwan_credential_refresh_stalled"),
  bind(
    "fleet.storage_assignment_drift",
    "storage.reconcile",
    { type: "storage_assignment", field: "storage_assignment_id" },
    ["storage_assignment_id"],
  ),
];

const BY_KIND = new Map(BINDINGS.map((b) => [b.kind, b]));

export interface BindingInput {
  kind: string;
  payload: Record<string, unknown>;
  /** How long the instance has been silent, for instance_silent (payload.silent_seconds). */
  presumedDeadSeconds: number;
}

const MARK_DEAD = bind("fleet.instance_silent", "instance.mark_dead", INSTANCE, ["instance_id", "node_id"]);

/**
 * The binding for one signal, or undefined (`no_binding`). Variants: a running instance silent for
 * presumed_dead_seconds or more is marked dead (§3.5 step 3); a honeypot hit on no instance and an
 * anycast VIP's silent holder are investigated (§1.3 rows 8 and 13).
 */
export function bindSignal(input: BindingInput): Binding | undefined {
  const base = BY_KIND.get(input.kind);
  if (!base) return undefined;
  const p = input.payload;
  if (
    input.kind === "fleet.instance_silent" &&
    p.status === "running" &&
    typeof p.silent_seconds === "number" &&
    p.silent_seconds >= input.presumedDeadSeconds
  ) {
    return MARK_DEAD;
  }
  if (input.kind === "fleet.honeypot_access" && typeof p.instance_id !== "string") return investigate(input.kind);
  if (input.kind === "fleet.sdwan_vip_unreachable" && p.anycast === true) return investigate(input.kind);
  return base;
}

/** Whether the binding table only names registered categories (checked by tests). */
export const unregisteredBindings = (): string[] =>
  [...BINDINGS, MARK_DEAD].filter((b) => !findCategory(b.category)).map((b) => `${b.kind} → ${b.category}`);
