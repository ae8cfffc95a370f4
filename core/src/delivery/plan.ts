// The delivery planner (spec/agent.md §8 "Desired set", domain.md §2.4 "Delivery", §3.4): from a
// snapshot of one instance, the modules it must run — enabled assignments only, each at the version
// its environment resolves to, with the artifact for its architecture, topologically sorted
// (dependencies first) — and, for every enabled assignment left out, the reason. Pure.
import { createHash } from "node:crypto";
import { manifestBytes } from "../agent-protocol/delivery.ts";
import { resolveClosure } from "../composition/closure.ts";
import { resolveEffectivePriority } from "../composition/priority.ts";
import { type TrustPolicy, TrustPolicySchema } from "../composition/trust-policy.ts";
import type { CompModule, ModulePick } from "../composition/types.ts";
import { artifactFormat, resolveDeliveredVersion } from "./resolve-version.ts";
import { satisfiesRange } from "./semver-satisfies.ts";
import type {
  DeliverySnapshot,
  SignatureMode,
  SnapshotEnvironment,
  SnapshotModule,
  SnapshotVersion,
} from "./snapshot.ts";

export type WithheldReason =
  | "module_disabled"
  | "template_join_disabled"
  | "no_current_version"
  | "unpinned"
  | "version_not_deliverable"
  | "no_artifact_for_architecture"
  | "unsupported_media_type"
  | "dependency_not_delivered"
  | "dependency_version_unmet"
  | "dependency_cycle";

export interface PlannedModule {
  module_id: string;
  name: string;
  variety: SnapshotModule["variety"];
  version_id: string;
  version_number: number;
  effective_priority: number;
  reboot_required: boolean;
  manifest: Record<string, unknown> | null;
  manifest_sha256: string | null;
  artifact: {
    digest: string;
    size_bytes: number;
    fsverity_root_hash: string;
    media_type: string;
    format: "erofs" | "composefs";
  };
  signature_bundle: Record<string, unknown> | null;
  trust_policy: TrustPolicy | null;
  signature_mode: SignatureMode;
}

export interface WithheldModule {
  module_id: string;
  name: string;
  reason: WithheldReason;
  detail: string;
}

export interface DeliveryPlan {
  environment: Omit<SnapshotEnvironment, "protected"> | null;
  modules: PlannedModule[];
  withheld: WithheldModule[];
}

/** Audit only where the environment asks for it and is not protected (agent.md §8); enforce otherwise. */
export function effectiveSignatureMode(env: SnapshotEnvironment | null): SignatureMode {
  return env && !env.protected && env.signature_mode === "audit" ? "audit" : "enforce";
}

export const manifestSha256 = (manifest: Record<string, unknown> | null): string | null =>
  manifest ? createHash("sha256").update(manifestBytes(manifest)).digest("hex") : null;

interface Candidate {
  module: SnapshotModule;
  version: SnapshotVersion;
  artifact: NonNullable<SnapshotVersion["artifact"]>;
  format: "erofs" | "composefs";
  effective_priority: number;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Candidates whose dependencies are not all delivered, each with its reason; empty when the set is closed. */
function unsatisfied(s: DeliverySnapshot, candidates: ReadonlyMap<string, Candidate>, picks: ModulePick[]) {
  const modules = new Map<string, CompModule>([...candidates].map(([id, c]) => [id, c.module]));
  const closure = resolveClosure({ modules, edges: s.edges, categories: s.categories }, picks, { expand: false });
  const nameOf = (id: string) => s.modules.get(id)?.name ?? id;
  const bad = new Map<string, { reason: WithheldReason; detail: string }>();
  for (const m of closure.missing) {
    if (!m.required || bad.has(m.module_id)) continue;
    const what = s.modules.get(m.module_id)?.parent_module_id === m.dependency_id ? "its parent module" : "it requires";
    bad.set(m.module_id, {
      reason: "dependency_not_delivered",
      detail: `${what} ${nameOf(m.dependency_id)}, which is not delivered to this instance`,
    });
  }
  for (const cycle of closure.cycles) {
    for (const id of cycle) {
      bad.set(id, { reason: "dependency_cycle", detail: `dependency cycle ${cycle.map(nameOf).join(" → ")}` });
    }
  }
  for (const e of s.edges) {
    if (e.type !== "requires" || !e.version_constraint || bad.has(e.source)) continue;
    const dep = candidates.get(e.target);
    if (!candidates.has(e.source) || !dep) continue;
    const delivered = dep.version.source_version;
    if (delivered === null || !satisfiesRange(delivered, e.version_constraint)) {
      bad.set(e.source, {
        reason: "dependency_version_unmet",
        detail: `it requires ${dep.module.name}@${e.version_constraint}; version ${dep.version.version_number} (${delivered ?? "no source_version"}) is delivered`,
      });
    }
  }
  return { bad, order: closure.members.map((m) => m.module_id) };
}

export function planDelivery(s: DeliverySnapshot): DeliveryPlan {
  const env = s.environment;
  const signatureMode = effectiveSignatureMode(env);
  const overrides = new Map(s.assignments.map((a) => [a.node_module_id, a.priority_override]));
  const withheld: WithheldModule[] = [];
  const withhold = (m: SnapshotModule, reason: WithheldReason, detail: string) =>
    withheld.push({ module_id: m.id, name: m.name, reason, detail });

  const candidates = new Map<string, Candidate>();
  for (const a of s.assignments) {
    const module = s.modules.get(a.node_module_id);
    if (!a.enabled || !module || candidates.has(module.id)) continue;
    if (!module.enabled) {
      withhold(module, "module_disabled", `module ${module.name} is disabled`);
      continue;
    }
    if (a.template_join_enabled === false) {
      withhold(module, "template_join_disabled", `the template join this assignment came from is disabled`);
      continue;
    }
    const resolved = resolveDeliveredVersion(module, env, s.pins, s.versions);
    if (!resolved.ok) {
      withhold(module, resolved.reason, resolved.detail);
      continue;
    }
    const artifact = resolved.version.artifact;
    if (!artifact) {
      withhold(
        module,
        "no_artifact_for_architecture",
        `version ${resolved.version.version_number} has no ${s.instance.architecture} artifact`,
      );
      continue;
    }
    const format = artifactFormat(artifact.media_type);
    if (!format) {
      withhold(
        module,
        "unsupported_media_type",
        `artifact media type ${artifact.media_type} is not erofs or composefs`,
      );
      continue;
    }
    const effective_priority = resolveEffectivePriority(module, {
      modules: s.modules,
      categories: s.categories,
      overrides,
    });
    candidates.set(module.id, { module, version: resolved.version, artifact, format, effective_priority });
  }

  // Withholding a module can leave its dependants without it, so repeat until the set is closed.
  let order: string[] = [];
  for (;;) {
    // Bottom of the overlay first, so that ties in the topological order are stable and meaningful.
    const picks = [...candidates.values()]
      .sort((a, b) => a.effective_priority - b.effective_priority || byName(a.module, b.module))
      .map((c) => ({ module_id: c.module.id, priority_override: overrides.get(c.module.id) ?? null }));
    const step = unsatisfied(s, candidates, picks);
    order = step.order;
    if (step.bad.size === 0) break;
    for (const [id, why] of step.bad) {
      const c = candidates.get(id);
      if (!c) continue;
      withhold(c.module, why.reason, why.detail);
      candidates.delete(id);
    }
  }

  const modules = order.flatMap((id): PlannedModule[] => {
    const c = candidates.get(id);
    if (!c) return [];
    const { module, version, artifact: a } = c;
    const policy = TrustPolicySchema.safeParse(module.trust_policy);
    const fromManifest = version.manifest?.reboot_required;
    return [
      {
        module_id: module.id,
        name: module.name,
        variety: module.variety,
        version_id: version.id,
        version_number: version.version_number,
        effective_priority: c.effective_priority,
        // Agents are served the delivered version's manifest, never the live row (domain.md §3.10).
        reboot_required: typeof fromManifest === "boolean" ? fromManifest : module.reboot_required,
        manifest: version.manifest,
        manifest_sha256: manifestSha256(version.manifest),
        artifact: {
          digest: a.oci_digest,
          size_bytes: a.size_bytes,
          fsverity_root_hash: a.fsverity_root_hash,
          media_type: a.media_type,
          format: c.format,
        },
        signature_bundle: a.signature_bundle,
        trust_policy: policy.success ? policy.data : null,
        signature_mode: signatureMode,
      },
    ];
  });
  return {
    environment: env
      ? {
          id: env.id,
          name: env.name,
          delivery_mode: env.delivery_mode,
          min_promotion_state: env.min_promotion_state,
          signature_mode: signatureMode,
        }
      : null,
    modules,
    withheld: withheld.sort(byName),
  };
}
