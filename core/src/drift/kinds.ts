// The drift queue's kinds (spec/ui.md §5 "Drift queue", spec/autonomy.md §1.3): the six sensor
// kinds whose conditions are drift, what each is about, and the action category the engine binds
// it to (bindings.ts) — the category a person's remediation of it acts under at the gate.
import { BINDINGS } from "../autonomy/bindings.ts";

export const DRIFT_KINDS = [
  "fleet.module_drift",
  "fleet.config_drift",
  "fleet.package_drift",
  "fleet.instance_state_drift",
  "fleet.storage_assignment_drift",
  "fleet.gitops_drift",
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export const isDriftKind = (kind: string): kind is DriftKind => (DRIFT_KINDS as readonly string[]).includes(kind);

/** The action category of a drift kind, from the engine's binding table. */
export function driftCategory(kind: DriftKind): string {
  const binding = BINDINGS.find((b) => b.kind === kind);
  if (!binding) throw new Error(`drift kind ${kind} has no binding`);
  return binding.category;
}

export const DRIFT_LABEL: Record<DriftKind, string> = {
  "fleet.module_drift": "module drift",
  "fleet.config_drift": "config drift",
  "fleet.package_drift": "package drift",
  "fleet.instance_state_drift": "instance state drift",
  "fleet.storage_assignment_drift": "storage assignment drift",
  "fleet.gitops_drift": "GitOps drift",
};
