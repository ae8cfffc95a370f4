// Which version of a module an environment receives (spec/domain.md §2.4 "Delivery"): following
// environments get the module's current version, pinned ones their pin. A resolution that fails
// says why, in the closed set of withheld reasons the agent protocol carries.
import type {
  MinPromotionState,
  PromotionState,
  SnapshotEnvironment,
  SnapshotModule,
  SnapshotVersion,
} from "./snapshot.ts";

const RANK: Record<PromotionState, number> = {
  draft: 0,
  staging: 1,
  blessed: 2,
  live: 3,
  deprecated: 0,
  retired: 0,
};

/** An instance without an environment is delivered like a following environment at the lowest rung (ADR 0006). */
const DEFAULT_MIN: MinPromotionState = "staging";

export type VersionResolution =
  | { ok: true; version: SnapshotVersion }
  | { ok: false; reason: "no_current_version" | "unpinned" | "version_not_deliverable"; detail: string };

const refuse = (reason: "no_current_version" | "unpinned" | "version_not_deliverable", detail: string) =>
  ({ ok: false, reason, detail }) as const;

export function resolveDeliveredVersion(
  module: SnapshotModule,
  env: SnapshotEnvironment | null,
  pins: ReadonlyMap<string, string>,
  versions: ReadonlyMap<string, SnapshotVersion>,
): VersionResolution {
  const min = env?.min_promotion_state ?? DEFAULT_MIN;
  if (env?.delivery_mode === "pinned") {
    const pinned = pins.get(module.id);
    const v = pinned ? versions.get(pinned) : undefined;
    if (!v) return refuse("unpinned", `environment ${env.name} is pinned and has no pin for ${module.name}`);
    // A pinned version may stay pinned once deprecated, but never a draft or a retired one.
    if (v.promotion_state === "deprecated") return { ok: true, version: v };
    if (RANK[v.promotion_state] < RANK[min]) {
      return refuse(
        "version_not_deliverable",
        `pinned version ${v.version_number} is ${v.promotion_state}; ${env.name} needs ${min} or above`,
      );
    }
    return { ok: true, version: v };
  }
  const v = module.current_version_id ? versions.get(module.current_version_id) : undefined;
  if (!v) return refuse("no_current_version", `${module.name} has no current version to follow`);
  if (RANK[v.promotion_state] < RANK[min]) {
    return refuse(
      "version_not_deliverable",
      `current version ${v.version_number} is ${v.promotion_state}; ${env ? env.name : "an instance without an environment"} needs ${min} or above`,
    );
  }
  return { ok: true, version: v };
}

/** The artifact format a media type names (builder.md §5.1); undefined for anything the agent cannot mount. */
export function artifactFormat(mediaType: string): "erofs" | "composefs" | undefined {
  if (/\.module\.erofs\.v1$/.test(mediaType)) return "erofs";
  if (/\.module\.composefs\.v1$/.test(mediaType)) return "composefs";
  return undefined;
}
