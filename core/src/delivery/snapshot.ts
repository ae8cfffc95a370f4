// What the delivery planner reads (spec/domain.md §2.4, agent.md §8): one instance, its resolved
// environment, its node's assignments with their modules, the candidate versions (current pointers
// and pins) with the artifact for the instance's architecture. load-snapshot.ts fills it; plan.ts is
// a pure function of it.
import type { CompCategory, CompEdge, CompModule } from "../composition/types.ts";

export type PromotionState = "draft" | "staging" | "blessed" | "live" | "deprecated" | "retired";
export type MinPromotionState = "staging" | "blessed" | "live";
export type SignatureMode = "enforce" | "audit";

export interface SnapshotEnvironment {
  id: string;
  name: string;
  delivery_mode: "following" | "pinned";
  min_promotion_state: MinPromotionState;
  protected: boolean;
  signature_mode: SignatureMode;
}

export interface SnapshotArtifact {
  oci_digest: string;
  size_bytes: number;
  fsverity_root_hash: string;
  media_type: string;
  signature_bundle: Record<string, unknown> | null;
}

export interface SnapshotVersion {
  id: string;
  node_module_id: string;
  version_number: number;
  source_version: string | null;
  promotion_state: PromotionState;
  manifest: Record<string, unknown> | null;
  /** The artifact for the instance's architecture, if the version has one. */
  artifact: SnapshotArtifact | null;
}

export interface SnapshotModule extends CompModule {
  reboot_required: boolean;
  /** The stored policy, unparsed; the planner validates it. */
  trust_policy: unknown;
  current_version_id: string | null;
}

export interface SnapshotAssignment {
  id: string;
  node_module_id: string;
  enabled: boolean;
  priority_override: number | null;
  /** The enabled flag of the template join it was derived from; null for a hand-authored row. */
  template_join_enabled: boolean | null;
}

export interface DeliverySnapshot {
  instance: { id: string; node_id: string; architecture: "amd64" | "arm64" };
  environment: SnapshotEnvironment | null;
  assignments: readonly SnapshotAssignment[];
  modules: ReadonlyMap<string, SnapshotModule>;
  /** module_dependencies rows whose source is an assigned module. */
  edges: readonly CompEdge[];
  categories: ReadonlyMap<string, CompCategory>;
  /** Candidate versions by id: every assigned module's current version and its pin in the environment. */
  versions: ReadonlyMap<string, SnapshotVersion>;
  /** module id → pinned version id in the instance's environment. */
  pins: ReadonlyMap<string, string>;
}
