// Turns a delivery plan into the agent's /assignments body (spec/agent.md §8): each module with
// its publisher bundle as base64 and a delivery statement signed with the account's key. The body
// is parsed with the protocol schema on the way out, so a field the store cannot fill is null or
// absent as the schema says, never invented.
import { AssignmentsResponse } from "../agent-protocol/delivery.ts";
import { canonicalJson } from "../lib/canonical-json.ts";
import { type DeliveryKey, signDeliveryStatement } from "./delivery-keys.ts";
import type { DeliveryPlan } from "./plan.ts";

export function assignmentsBody(
  plan: DeliveryPlan,
  opts: { revision: string; architecture: "amd64" | "arm64"; key: DeliveryKey },
): AssignmentsResponse {
  return AssignmentsResponse.parse({
    revision: opts.revision,
    environment: plan.environment,
    modules: plan.modules.map((m) => ({
      module_id: m.module_id,
      name: m.name,
      version_id: m.version_id,
      version_number: m.version_number,
      variety: m.variety,
      effective_priority: m.effective_priority,
      reboot_required: m.reboot_required,
      has_data: null,
      manifest: m.manifest,
      manifest_sha256: m.manifest_sha256,
      artifact: m.artifact,
      signature_bundle_b64: m.signature_bundle
        ? Buffer.from(canonicalJson(m.signature_bundle), "utf8").toString("base64")
        : null,
      delivery_signature_b64: signDeliveryStatement(opts.key, {
        module_id: m.module_id,
        version_id: m.version_id,
        version_number: m.version_number,
        architecture: opts.architecture,
        digest: m.artifact.digest,
        fsverity_root_hash: m.artifact.fsverity_root_hash,
        size_bytes: m.artifact.size_bytes,
        manifest_sha256: m.manifest_sha256,
      }),
      trust_policy: m.trust_policy,
      signature_mode: m.signature_mode,
    })),
    withheld: plan.withheld,
  });
}
