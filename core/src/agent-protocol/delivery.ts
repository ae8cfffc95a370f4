// Module delivery messages (spec/agent.md §8): the desired set (GET /agent/v1/assignments), the
// trust anchors (GET /agent/v1/trust), and the exact bytes the platform and publishers sign, so the
// signer (server) and the verifier (agent) cannot drift apart. canonical-json.ts imports nothing,
// so this subpath still pulls in nothing but zod.
import { z } from "zod";
import { canonicalJson } from "../lib/canonical-json.ts";
import { TrustKey } from "./enroll.ts";
import { Architecture, ProtoUuid, Sha256Digest } from "./primitives.ts";

export const SIGNATURE_MODES = ["enforce", "audit"] as const;
export const ARTIFACT_FORMATS = ["erofs", "composefs"] as const;

/** Why an enabled assignment is not in `modules` (ADR 0006); the agent treats it as not desired. */
export const WITHHELD_REASONS = [
  "module_disabled",
  "template_join_disabled",
  "no_current_version",
  "unpinned",
  "version_not_deliverable",
  "no_artifact_for_architecture",
  "unsupported_media_type",
  "dependency_not_delivered",
  "dependency_version_unmet",
  "dependency_cycle",
] as const;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex");

/** A module's trust policy as delivered (builder.md §10), already validated and normalised by the platform. */
export const DeliveredTrustPolicy = z.strictObject({
  authorities: z
    .array(
      z.strictObject({
        keyless: z
          .strictObject({
            trust_root: z.string().min(1),
            identities: z.array(z.strictObject({ issuer_regexp: z.string(), subject_regexp: z.string() })).min(1),
          })
          .optional(),
        key: z.strictObject({ public_keys: z.array(z.string().min(1)).min(1), require_tlog: z.boolean() }).optional(),
      }),
    )
    .min(1),
  min_signatures: z.int().min(1),
  require_attestations: z.array(z.enum(["sbom", "provenance"])),
});
export type DeliveredTrustPolicy = z.infer<typeof DeliveredTrustPolicy>;

export const DeliveredArtifact = z.strictObject({
  digest: Sha256Digest,
  size_bytes: z.int().min(0),
  /** The fs-verity file digest (`fsverity measure`), hex; the agent strips `sha256:` and compares case-insensitively. */
  fsverity_root_hash: z.string(),
  media_type: z.string().min(1),
  format: z.enum(ARTIFACT_FORMATS),
});

export const DeliveredModule = z.strictObject({
  module_id: ProtoUuid,
  name: z.string().min(1),
  version_id: ProtoUuid,
  version_number: z.int().min(1),
  variety: z.enum(["subscription", "config", "instance"]),
  effective_priority: z.int(),
  reboot_required: z.boolean(),
  /** Whether the module carries persistent data; null while the store does not record it. */
  has_data: z.boolean().nullable(),
  manifest: z.record(z.string(), z.unknown()).nullable(),
  /** sha256 of `manifestBytes(manifest)`; null when the version has no manifest. */
  manifest_sha256: Hex64.nullable(),
  artifact: DeliveredArtifact,
  /** base64 of the canonical JSON of the publisher's bundle; null when the version has none. */
  signature_bundle_b64: z.string().min(1).nullable(),
  /** base64 Ed25519 signature over `deliveryStatementBytes` with an account delivery key. */
  delivery_signature_b64: z.string().min(1),
  /** Null when the module has no readable policy: publisher verification then fails (fail closed). */
  trust_policy: DeliveredTrustPolicy.nullable(),
  signature_mode: z.enum(SIGNATURE_MODES),
});
export type DeliveredModule = z.infer<typeof DeliveredModule>;

export const WithheldModule = z.strictObject({
  module_id: ProtoUuid,
  name: z.string(),
  reason: z.enum(WITHHELD_REASONS),
  detail: z.string(),
});

export const AssignmentsResponse = z.strictObject({
  revision: z.string().min(1),
  /** The instance's resolved environment (instance → node → template); null when none is set. */
  environment: z
    .strictObject({
      id: ProtoUuid,
      name: z.string(),
      delivery_mode: z.enum(["following", "pinned"]),
      min_promotion_state: z.enum(["staging", "blessed", "live"]),
      signature_mode: z.enum(SIGNATURE_MODES),
    })
    .nullable(),
  /** Topologically sorted: every module after the modules it requires. */
  modules: z.array(DeliveredModule),
  withheld: z.array(WithheldModule),
  /** Omitted while templates carry no app health check. */
  app_health: z
    .strictObject({
      url: z.string().min(1),
      consecutive_successes: z.int().min(1),
      interval_seconds: z.int().min(1),
    })
    .optional(),
});
export type AssignmentsResponse = z.infer<typeof AssignmentsResponse>;

export const TrustResponse = z.strictObject({
  delivery_keys: z.array(TrustKey),
  signing_keys: z.array(TrustKey),
  /** The Sigstore trusted root (keyless verification); null until the builder supplies one. */
  keyless_trusted_root: z.record(z.string(), z.unknown()).nullable(),
});
export type TrustResponse = z.infer<typeof TrustResponse>;

export const DeliveryStatement = z.strictObject({
  module_id: ProtoUuid,
  version_id: ProtoUuid,
  version_number: z.int().min(1),
  architecture: Architecture,
  digest: Sha256Digest,
  fsverity_root_hash: z.string(),
  size_bytes: z.int().min(0),
  manifest_sha256: Hex64.nullable(),
});
export type DeliveryStatement = z.infer<typeof DeliveryStatement>;

/** Domain separation: a delivery signature can never be replayed as any other signed message. */
export const DELIVERY_STATEMENT_PREFIX = "nodepilot-delivery-statement-v1\n";

/** The bytes a delivery key signs (spec/agent.md §8 check 3, domain.md §3.9): prefix + canonical JSON. */
export function deliveryStatementBytes(s: DeliveryStatement): Buffer {
  const fields: DeliveryStatement = {
    module_id: s.module_id,
    version_id: s.version_id,
    version_number: s.version_number,
    architecture: s.architecture,
    digest: s.digest,
    fsverity_root_hash: s.fsverity_root_hash,
    size_bytes: s.size_bytes,
    manifest_sha256: s.manifest_sha256,
  };
  return Buffer.from(DELIVERY_STATEMENT_PREFIX + canonicalJson(fields), "utf8");
}

/** The manifest bytes `manifest_sha256` covers: its canonical JSON (what the platform stores the hash of). */
export function manifestBytes(manifest: Record<string, unknown>): Buffer {
  return Buffer.from(canonicalJson(manifest), "utf8");
}

export interface PublisherStatementFields {
  module_id: string;
  version_number: number;
  architecture: string;
  oci_digest: string;
  fsverity_root_hash: string;
  size_bytes: number;
}

/** What an Ed25519 publisher bundle signs: the same bytes the publish gate verifies (composition/trust-policy.ts). */
export function publisherStatementBytes(f: PublisherStatementFields): Buffer {
  return Buffer.from(
    canonicalJson({
      module_id: f.module_id,
      version_number: f.version_number,
      architecture: f.architecture,
      oci_digest: f.oci_digest,
      fsverity_root_hash: f.fsverity_root_hash,
      size_bytes: f.size_bytes,
    }),
    "utf8",
  );
}

/** The Ed25519 publisher bundle (`{alg, signature_b64, key_index}`) as the agent reads it. */
export const Ed25519PublisherBundle = z.strictObject({
  alg: z.literal("ed25519"),
  signature_b64: z.base64().min(1),
  key_index: z.int().min(0),
});
