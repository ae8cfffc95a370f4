import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { evaluatePublishGates, type GateArtifact, KEYLESS_UNAVAILABLE, publishErrorText } from "./publish-gates.ts";
import { signedStatement, type TrustPolicy } from "./trust-policy.ts";

const ed = generateKeyPairSync("ed25519");
const pem = ed.publicKey.export({ type: "spki", format: "pem" }).toString();
const keyPolicy: TrustPolicy = {
  authorities: [{ key: { public_keys: [pem], require_tlog: false } }],
  min_signatures: 1,
  require_attestations: [],
};
const keylessPolicy: TrustPolicy = {
  authorities: [
    { keyless: { trust_root: "public-good", identities: [{ issuer_regexp: "^i$", subject_regexp: "^s$" }] } },
  ],
  min_signatures: 1,
  require_attestations: [],
};

function artifact(architecture: string, over: Partial<GateArtifact> = {}, signWith = ed.privateKey): GateArtifact {
  const base = {
    architecture,
    oci_digest: `sha256:${"b".repeat(64)}`,
    fsverity_root_hash: "c".repeat(64),
    size_bytes: 4096,
    ...over,
  };
  const msg = signedStatement({
    ...base,
    module_id: "mod",
    version_number: 1,
    fsverity_root_hash: base.fsverity_root_hash ?? "",
  });
  const signature_b64 = sign(null, Buffer.from(msg), signWith).toString("base64");
  return { signature_bundle: { alg: "ed25519", signature_b64, key_index: 0 }, ...base, ...over };
}

const gates = (policy: TrustPolicy, architectures: string[] | null, artifacts: GateArtifact[]) =>
  evaluatePublishGates({ module_id: "mod", version_number: 1, policy, architectures, artifacts }).map((f) => [
    f.gate,
    f.architecture ?? null,
  ]);

describe("evaluatePublishGates", () => {
  const cases: [string, TrustPolicy, string[] | null, GateArtifact[], (string | null)[][]][] = [
    ["all gates pass", keyPolicy, ["amd64", "arm64"], [artifact("amd64"), artifact("arm64")], []],
    ["no platform", keyPolicy, null, [artifact("amd64")], [["platform", null]]],
    ["a missing architecture", keyPolicy, ["amd64", "arm64"], [artifact("amd64")], [["artifact", "arm64"]]],
    [
      "an extra architecture is ignored",
      keyPolicy,
      ["amd64"],
      [artifact("amd64"), artifact("arm64", { size_bytes: 1 })],
      [],
    ],
    [
      "a malformed digest (the signature then covers other bytes too)",
      keyPolicy,
      ["amd64"],
      [{ ...artifact("amd64"), oci_digest: "sha256:XYZ" }],
      [
        ["digest", "amd64"],
        ["signature", "amd64"],
      ],
    ],
    [
      "no fs-verity root hash",
      keyPolicy,
      ["amd64"],
      [artifact("amd64", { fsverity_root_hash: null })],
      [["fsverity", "amd64"]],
    ],
    ["too small", keyPolicy, ["amd64"], [artifact("amd64", { size_bytes: 4095 })], [["size", "amd64"]]],
    [
      "no signature bundle",
      keyPolicy,
      ["amd64"],
      [artifact("amd64", { signature_bundle: null })],
      [["signature", "amd64"]],
    ],
    [
      "signed by a stranger",
      keyPolicy,
      ["amd64"],
      [artifact("amd64", {}, generateKeyPairSync("ed25519").privateKey)],
      [["signature", "amd64"]],
    ],
    [
      "a key_index outside the key list",
      keyPolicy,
      ["amd64"],
      [{ ...artifact("amd64"), signature_bundle: { ...(artifact("amd64").signature_bundle as object), key_index: 3 } }],
      [["signature", "amd64"]],
    ],
    ["keyless cannot be verified yet", keylessPolicy, ["amd64"], [artifact("amd64")], [["signature", "amd64"]]],
    [
      "required attestations cannot be verified yet",
      { ...keyPolicy, require_attestations: ["sbom"] },
      ["amd64"],
      [artifact("amd64")],
      [["attestation", null]],
    ],
    [
      "min_signatures above one bundle",
      { ...keyPolicy, min_signatures: 2 },
      ["amd64"],
      [artifact("amd64")],
      [["signature", "amd64"]],
    ],
  ];
  for (const [name, policy, archs, artifacts, expected] of cases) {
    it(name, () => expect(gates(policy, archs, artifacts)).toEqual(expected));
  }

  it("names the keyless limitation exactly once in publish_error", () => {
    const failures = evaluatePublishGates({
      module_id: "mod",
      version_number: 1,
      policy: keylessPolicy,
      architectures: ["amd64", "arm64"],
      artifacts: [artifact("amd64"), artifact("arm64")],
    });
    expect(publishErrorText(failures)).toBe(KEYLESS_UNAVAILABLE);
  });

  it("a key authority beside a keyless one verifies for real", () => {
    const both: TrustPolicy = { ...keyPolicy, authorities: [...keylessPolicy.authorities, ...keyPolicy.authorities] };
    expect(gates(both, ["amd64"], [artifact("amd64")])).toEqual([]);
  });
});
