import { describe, expect, it } from "vitest";
import { signedStatement } from "../composition/trust-policy.ts";
import { deliveryStatementBytes, manifestBytes, publisherStatementBytes } from "./delivery.ts";

const fields = {
  module_id: "0190a000-0000-7000-8000-000000000001",
  version_number: 3,
  architecture: "amd64",
  oci_digest: `sha256:${"a".repeat(64)}`,
  fsverity_root_hash: "b".repeat(64),
  size_bytes: 4096,
};

describe("signed bytes", () => {
  it("the agent verifies publisher bundles over exactly the bytes the publish gate checks", () => {
    expect(publisherStatementBytes(fields).toString("utf8")).toBe(signedStatement(fields));
  });

  it("a delivery statement is domain-separated canonical JSON, independent of key order", () => {
    const s = {
      size_bytes: 4096,
      module_id: fields.module_id,
      version_id: "0190a000-0000-7000-8000-000000000002",
      version_number: 3,
      architecture: "amd64" as const,
      digest: fields.oci_digest,
      fsverity_root_hash: fields.fsverity_root_hash,
      manifest_sha256: null,
    };
    const text = deliveryStatementBytes(s).toString("utf8");
    expect(text).toBe(
      `nodepilot-delivery-statement-v1\n{"architecture":"amd64","digest":"${fields.oci_digest}","fsverity_root_hash":"${fields.fsverity_root_hash}","manifest_sha256":null,"module_id":"${fields.module_id}","size_bytes":4096,"version_id":"${s.version_id}","version_number":3}`,
    );
    // Extra properties on the input never reach the signed bytes.
    expect(deliveryStatementBytes({ ...s, extra: 1 } as typeof s).toString("utf8")).toBe(text);
  });

  it("manifest bytes are canonical", () => {
    expect(manifestBytes({ name: "web", schema_version: 1 }).toString()).toBe(
      manifestBytes({ schema_version: 1, name: "web" }).toString(),
    );
  });
});
