// The verifier every attach site runs on a cached blob (spec/agent.md §8 "Verification"). Check 1
// (sha256) runs while fetching; here: the size, check 3 (the platform's delivery statement under an
// unrevoked delivery key, binding the manifest), check 2 (publisher signatures under the module's
// trust policy) and check 4 (the fs-verity digest, computed in userspace). Digest and fs-verity are
// always enforced. Signature failures (checks 2 and 3) are enforced too, unless the entry says
// `audit`, in which case they are returned for reporting as module.signature_audit.
import { createHash, createPublicKey, verify } from "node:crypto";
import { stat } from "node:fs/promises";
import {
  type DeliveredModule,
  deliveryStatementBytes,
  Ed25519PublisherBundle,
  manifestBytes,
  publisherStatementBytes,
  type TrustResponse,
} from "@nodepilot/core/agent-protocol";
import { fsverityDigest, normaliseFsverityHash } from "./fsverity.ts";

export type VerifyCheck = "digest" | "publisher_signature" | "delivery_statement" | "fsverity";

export interface CheckFailure {
  check: VerifyCheck;
  reason: string;
}

/** A check that refuses the blob; `code` is what the task report names. */
export class VerificationError extends Error {
  constructor(
    readonly check: VerifyCheck,
    message: string,
  ) {
    super(message);
  }

  get code(): string {
    return `${this.check}_failed`;
  }
}

export interface VerifyOptions {
  entry: DeliveredModule;
  blobPath: string;
  architecture: "amd64" | "arm64";
  trust: TrustResponse;
  /** From module-signing.conf `KEYS=`: when set, only these delivery key ids are accepted. */
  pinnedKeyIds?: ReadonlySet<string> | null;
  signal?: AbortSignal;
}

export interface Verified {
  /** Always false here: the digest was computed in userspace, not measured by the kernel. */
  fsverity_enforced: false;
  fsverity_digest: string;
  /** Signature failures let through because the entry's mode is audit; empty under enforce. */
  audited: CheckFailure[];
}

const verifyEd25519 = (pem: string, message: Buffer, signatureB64: string): boolean => {
  try {
    return verify(null, message, createPublicKey(pem), Buffer.from(signatureB64, "base64"));
  } catch {
    return false;
  }
};

function deliveryFailure(o: VerifyOptions): string | undefined {
  const e = o.entry;
  const computed = e.manifest ? createHash("sha256").update(manifestBytes(e.manifest)).digest("hex") : null;
  if (computed !== e.manifest_sha256) {
    return `the manifest hashes to ${computed ?? "nothing"}, not the delivered manifest_sha256 ${e.manifest_sha256}`;
  }
  const message = deliveryStatementBytes({
    module_id: e.module_id,
    version_id: e.version_id,
    version_number: e.version_number,
    architecture: o.architecture,
    digest: e.artifact.digest,
    fsverity_root_hash: e.artifact.fsverity_root_hash,
    size_bytes: e.artifact.size_bytes,
    manifest_sha256: computed,
  });
  const keys = o.trust.delivery_keys.filter((k) => !k.revoked && (!o.pinnedKeyIds || o.pinnedKeyIds.has(k.key_id)));
  if (keys.length === 0) return "no unrevoked delivery key is trusted";
  if (!keys.some((k) => verifyEd25519(k.public_key_pem, message, e.delivery_signature_b64))) {
    return `the delivery statement does not verify under any of ${keys.length} trusted delivery key(s)`;
  }
  return undefined;
}

function publisherFailure(o: VerifyOptions): string | undefined {
  const { entry: e } = o;
  const policy = e.trust_policy;
  if (!policy) return "the module has no trust policy, so no publisher signature can be accepted";
  if (!e.signature_bundle_b64) return "the version carries no publisher signature bundle";
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(e.signature_bundle_b64, "base64").toString("utf8"));
  } catch {
    return "the publisher signature bundle is not base64 JSON";
  }
  const bundle = Ed25519PublisherBundle.safeParse(raw);
  if (!bundle.success) {
    return policy.authorities.some((a) => a.keyless)
      ? "keyless (Sigstore) verification is not available in this agent"
      : "the publisher bundle is not an Ed25519 bundle the policy's key authorities can check";
  }
  const message = publisherStatementBytes({
    module_id: e.module_id,
    version_number: e.version_number,
    architecture: o.architecture,
    oci_digest: e.artifact.digest,
    fsverity_root_hash: e.artifact.fsverity_root_hash,
    size_bytes: e.artifact.size_bytes,
  });
  const { key_index, signature_b64 } = bundle.data;
  const ok = policy.authorities.some((a) => {
    const pem = a.key?.public_keys[key_index];
    return pem !== undefined && verifyEd25519(pem, message, signature_b64);
  });
  if (!ok) return "the publisher signature does not verify under the trust policy's keys";
  // One bundle carries one signature.
  if (policy.min_signatures > 1) return `the trust policy needs ${policy.min_signatures} signatures; 1 is present`;
  if (policy.require_attestations.length > 0) {
    return `attestation verification (${policy.require_attestations.join(", ")}) is not available in this agent`;
  }
  return undefined;
}

/** Verifies a cached blob; throws VerificationError on a refused check. */
export async function verifyModule(o: VerifyOptions): Promise<Verified> {
  const { entry: e } = o;
  const size = (await stat(o.blobPath)).size;
  if (size !== e.artifact.size_bytes) {
    throw new VerificationError("digest", `the blob is ${size} bytes, not the delivered ${e.artifact.size_bytes}`);
  }
  const audited: CheckFailure[] = [];
  const signatureCheck = (check: VerifyCheck, reason: string | undefined) => {
    if (reason === undefined) return;
    if (e.signature_mode !== "audit") throw new VerificationError(check, reason);
    audited.push({ check, reason });
  };
  signatureCheck("delivery_statement", deliveryFailure(o));
  signatureCheck("publisher_signature", publisherFailure(o));
  const expected = normaliseFsverityHash(e.artifact.fsverity_root_hash);
  if (expected === "") throw new VerificationError("fsverity", "the delivered fs-verity root hash is empty");
  const digest = await fsverityDigest(o.blobPath, o.signal);
  if (digest !== expected) {
    throw new VerificationError("fsverity", `the fs-verity digest is ${digest}, not the delivered ${expected}`);
  }
  return { fsverity_enforced: false, fsverity_digest: digest, audited };
}
