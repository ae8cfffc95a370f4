import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type DeliveredModule,
  deliveryStatementBytes,
  manifestBytes,
  publisherStatementBytes,
  type TrustResponse,
} from "@nodepilot/core/agent-protocol";
import { beforeAll, describe, expect, it } from "vitest";
import { fsverityDigestOf } from "./fsverity.ts";
import { readPinnedKeyIds } from "./handlers/sync-modules.ts";
import { VerificationError, verifyModule } from "./verify-module.ts";

const pem = (k: KeyObject) => k.export({ type: "spki", format: "pem" }).toString();
const delivery = generateKeyPairSync("ed25519");
const publisher = generateKeyPairSync("ed25519");
const bytes = Buffer.from("erofs image ".repeat(1000));
const manifest = { schema_version: 1, name: "web" };
const trust: TrustResponse = {
  delivery_keys: [{ key_id: "sha256:delivery", public_key_pem: pem(delivery.publicKey), revoked: false }],
  signing_keys: [],
  keyless_trusted_root: null,
};
let blobPath: string;

function entry(over: Partial<DeliveredModule> = {}): DeliveredModule {
  const base = {
    module_id: "0190a000-0000-7000-8000-000000000001",
    name: "web",
    version_id: "0190a000-0000-7000-8000-000000000002",
    version_number: 2,
    variety: "config" as const,
    effective_priority: 560_000,
    reboot_required: false,
    has_data: null,
    manifest,
    manifest_sha256: createHash("sha256").update(manifestBytes(manifest)).digest("hex"),
    artifact: {
      digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
      size_bytes: bytes.length,
      fsverity_root_hash: `sha256:${fsverityDigestOf(bytes).toUpperCase()}`,
      media_type: "application/vnd.nodepilot.module.erofs.v1",
      format: "erofs" as const,
    },
    trust_policy: {
      authorities: [{ key: { public_keys: [pem(publisher.publicKey)], require_tlog: false } }],
      min_signatures: 1,
      require_attestations: [],
    },
    signature_mode: "enforce" as const,
    ...over,
  };
  const a = base.artifact;
  const pub = publisherStatementBytes({
    module_id: base.module_id,
    version_number: base.version_number,
    architecture: "amd64",
    oci_digest: a.digest,
    fsverity_root_hash: a.fsverity_root_hash,
    size_bytes: a.size_bytes,
  });
  const bundle = {
    alg: "ed25519",
    key_index: 0,
    signature_b64: sign(null, pub, publisher.privateKey).toString("base64"),
  };
  const statement = deliveryStatementBytes({
    module_id: base.module_id,
    version_id: base.version_id,
    version_number: base.version_number,
    architecture: "amd64",
    digest: a.digest,
    fsverity_root_hash: a.fsverity_root_hash,
    size_bytes: a.size_bytes,
    manifest_sha256: base.manifest_sha256,
  });
  return {
    signature_bundle_b64: Buffer.from(JSON.stringify(bundle)).toString("base64"),
    delivery_signature_b64: sign(null, statement, delivery.privateKey).toString("base64"),
    ...base,
  };
}

const run = (e: DeliveredModule, extra: Partial<Parameters<typeof verifyModule>[0]> = {}) =>
  verifyModule({ entry: e, blobPath, architecture: "amd64", trust, ...extra });

beforeAll(async () => {
  blobPath = path.join(await mkdtemp(path.join(tmpdir(), "np-verify-")), "blob.erofs");
  await writeFile(blobPath, bytes);
});

describe("verifyModule", () => {
  it("accepts a blob that passes every check; the root hash is compared without prefix or case", async () => {
    expect(await run(entry())).toEqual({
      fsverity_enforced: false,
      fsverity_digest: fsverityDigestOf(bytes),
      audited: [],
    });
  });

  const refused: [string, () => Parameters<typeof run>, string, RegExp][] = [
    ["another architecture", () => [entry(), { architecture: "arm64" }], "delivery_statement", /does not verify/],
    [
      "a revoked delivery key",
      () => [entry(), { trust: { ...trust, delivery_keys: [{ ...trust.delivery_keys[0]!, revoked: true }] } }],
      "delivery_statement",
      /no unrevoked delivery key/,
    ],
    [
      "a delivery key module-signing.conf does not pin",
      () => [entry(), { pinnedKeyIds: new Set(["sha256:other"]) }],
      "delivery_statement",
      /no unrevoked delivery key/,
    ],
    [
      "a Sigstore bundle under a keyless policy",
      () => [
        entry({
          signature_bundle_b64: Buffer.from(JSON.stringify({ media_type: "x", bundle: {} })).toString("base64"),
          trust_policy: {
            authorities: [
              { keyless: { trust_root: "public-good", identities: [{ issuer_regexp: "^a$", subject_regexp: "^b$" }] } },
            ],
            min_signatures: 1,
            require_attestations: [],
          },
        }),
      ],
      "publisher_signature",
      /keyless \(Sigstore\) verification is not available/,
    ],
    [
      "a policy asking for two signatures",
      () => [entry({ trust_policy: { ...entry().trust_policy!, min_signatures: 2 } })],
      "publisher_signature",
      /needs 2 signatures/,
    ],
    [
      "a policy requiring attestations",
      () => [entry({ trust_policy: { ...entry().trust_policy!, require_attestations: ["sbom"] } })],
      "publisher_signature",
      /attestation verification/,
    ],
    ["no trust policy", () => [entry({ trust_policy: null })], "publisher_signature", /no trust policy/],
    [
      "an empty root hash",
      () => [entry({ artifact: { ...entry().artifact, fsverity_root_hash: "" } })],
      "fsverity",
      /empty/,
    ],
    [
      "a size that is not the blob's",
      () => [entry({ artifact: { ...entry().artifact, size_bytes: 1 } })],
      "digest",
      /bytes/,
    ],
  ];
  it.each(refused)("refuses %s", async (_name, args, check, message) => {
    const err = await run(...args()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect(err).toMatchObject({ check, code: `${check}_failed`, message: expect.stringMatching(message) });
  });

  it("in audit mode lets signature failures through and returns them, but still enforces fs-verity", async () => {
    const audited = await run(entry({ signature_mode: "audit", trust_policy: null }), { pinnedKeyIds: new Set() });
    expect(audited.audited.map((a) => a.check)).toEqual(["delivery_statement", "publisher_signature"]);
    const wrongRoot = entry({
      signature_mode: "audit",
      artifact: { ...entry().artifact, fsverity_root_hash: "ab".repeat(32) },
    });
    await expect(run(wrongRoot)).rejects.toMatchObject({ check: "fsverity" });
  });
});

describe("module-signing.conf", () => {
  it("pins the listed delivery key ids; an absent file pins nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-conf-"));
    const file = path.join(dir, "module-signing.conf");
    expect(await readPinnedKeyIds(file)).toBeNull();
    await writeFile(file, '# pinned\nexport KEYS="sha256:aa, sha256:bb sha256:cc"\n');
    expect(await readPinnedKeyIds(file)).toEqual(new Set(["sha256:aa", "sha256:bb", "sha256:cc"]));
  });
});
