// The publish gates of spec/domain.md §2.4 that the platform can check itself: an artifact per
// platform architecture with a well-formed digest, an fs-verity root hash, a minimum size, and a
// publisher signature valid under the module's trust policy. Each failure names its gate.
import {
  hasKeylessAuthority,
  keyAuthorities,
  SignatureBundleSchema,
  signedStatement,
  type TrustPolicy,
  verifyEd25519,
} from "./trust-policy.ts";

export const DEFAULT_MIN_ARTIFACT_BYTES = 4096;
export const OCI_DIGEST = /^sha256:[0-9a-f]{64}$/;
export const KEYLESS_UNAVAILABLE = "keyless Sigstore verification is not available yet (builder issue)";

export interface GateArtifact {
  architecture: string;
  oci_digest: string;
  fsverity_root_hash: string | null;
  size_bytes: number;
  signature_bundle: unknown;
}

export interface GateFailure {
  gate: "platform" | "artifact" | "digest" | "fsverity" | "size" | "signature" | "attestation";
  architecture?: string;
  message: string;
}

export interface PublishGateInput {
  module_id: string;
  version_number: number;
  policy: TrustPolicy;
  /** The module platform's architectures; null when the module has no platform. */
  architectures: readonly string[] | null;
  artifacts: readonly GateArtifact[];
  minArtifactBytes?: number;
}

function signatureFailure(input: PublishGateInput, a: GateArtifact): GateFailure | undefined {
  const fail = (message: string): GateFailure => ({ gate: "signature", architecture: a.architecture, message });
  if (a.signature_bundle === null || a.signature_bundle === undefined)
    return fail(`${a.architecture} artifact has no signature bundle`);
  const bundle = SignatureBundleSchema.safeParse(a.signature_bundle);
  if (!bundle.success) return fail(`${a.architecture} artifact's signature bundle is malformed`);
  const keyless = hasKeylessAuthority(input.policy);
  if ("media_type" in bundle.data) {
    return fail(
      keyless
        ? KEYLESS_UNAVAILABLE
        : `${a.architecture} artifact carries a Sigstore bundle but the trust policy has key authorities only`,
    );
  }
  const message = signedStatement({
    ...a,
    module_id: input.module_id,
    version_number: input.version_number,
    fsverity_root_hash: a.fsverity_root_hash ?? "",
  });
  const { key_index, signature_b64 } = bundle.data;
  const valid = keyAuthorities(input.policy).some((k) => {
    const pem = k.public_keys[key_index];
    return pem !== undefined && verifyEd25519(pem, message, signature_b64);
  });
  if (!valid)
    return fail(
      keyless
        ? KEYLESS_UNAVAILABLE
        : `${a.architecture} artifact's signature does not verify under the trust policy's keys`,
    );
  // One bundle per artifact carries one signature.
  if (input.policy.min_signatures > 1) {
    return fail(
      `the trust policy needs ${input.policy.min_signatures} signatures; the ${a.architecture} artifact has 1`,
    );
  }
  return undefined;
}

export function evaluatePublishGates(input: PublishGateInput): GateFailure[] {
  const min = input.minArtifactBytes ?? DEFAULT_MIN_ARTIFACT_BYTES;
  const failures: GateFailure[] = [];
  if (!input.architectures || input.architectures.length === 0) {
    failures.push({
      gate: "platform",
      message: "the module has no platform, so the architectures it must ship are unknown",
    });
  }
  for (const arch of input.architectures ?? []) {
    const a = input.artifacts.find((x) => x.architecture === arch);
    if (!a) {
      failures.push({ gate: "artifact", architecture: arch, message: `no artifact for ${arch}` });
      continue;
    }
    if (!OCI_DIGEST.test(a.oci_digest)) {
      failures.push({
        gate: "digest",
        architecture: arch,
        message: `${arch} artifact's oci_digest is not sha256:<64 hex>`,
      });
    }
    if (!a.fsverity_root_hash)
      failures.push({ gate: "fsverity", architecture: arch, message: `${arch} artifact has no fsverity_root_hash` });
    if (a.size_bytes < min) {
      failures.push({
        gate: "size",
        architecture: arch,
        message: `${arch} artifact is ${a.size_bytes} bytes, below the ${min}-byte floor`,
      });
    }
    const sig = signatureFailure(input, a);
    if (sig) failures.push(sig);
  }
  for (const kind of input.policy.require_attestations) {
    failures.push({
      gate: "attestation",
      message: `${kind} attestation verification is not available yet (builder issue)`,
    });
  }
  return failures;
}

/** The publish_error text: each distinct failure message once, in gate order. */
export const publishErrorText = (failures: readonly GateFailure[]) =>
  [...new Set(failures.map((f) => f.message))].join("; ");
