// Module versions over REST: artifacts on drafts only, the publish gates (trust policy, an artifact
// per platform architecture, digest, fs-verity hash, size floor, a real Ed25519 signature), refusal
// recorded as publish_error + module.publish_refused while the version stays draft, success moving
// the current pointer, and the deprecate/retire rungs.
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { canonicalJson } from "@nodepilot/core";
import {
  environments,
  fleet_events,
  module_artifacts,
  module_environment_pins,
  module_versions,
  node_instances,
  node_modules,
  node_platforms,
} from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let platformId: string;
const publisher = generateKeyPairSync("ed25519");
const publisherPem = publisher.publicKey.export({ type: "spki", format: "pem" }).toString();
const keyPolicy = { authorities: [{ key: { public_keys: [publisherPem] } }] };

const hex = (c: string) => c.repeat(64);

async function counts() {
  const db = fleet.runtime.database.db;
  const acct = fleet.runtime.accountId;
  const [a] = await db.select({ n: count() }).from(module_artifacts).where(eq(module_artifacts.account_id, acct));
  const [e] = await db.select({ n: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  return { artifacts: a!.n, events: e!.n };
}

async function events(kind: string, subjectId: string) {
  return fleet.runtime.database.db
    .select()
    .from(fleet_events)
    .where(
      and(
        eq(fleet_events.account_id, fleet.runtime.accountId),
        eq(fleet_events.kind, kind),
        eq(fleet_events.subject_id, subjectId),
      ),
    );
}

async function moduleWithDraft(name: string, body: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/node_modules", {
    body: { name, node_platform_id: platformId, trust_policy: keyPolicy, ...body },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const versions = await fleet.api("GET", `/api/v1/module_versions?node_module_id=${res.body.data.id}`);
  return { module: res.body.data, version: versions.body.data[0] as { id: string; version_number: number } };
}

function artifactBody(
  moduleId: string,
  versionNumber: number,
  architecture: string,
  opts: { size?: number; key?: KeyObject; digest?: string } = {},
) {
  const fields = {
    architecture,
    oci_digest: opts.digest ?? `sha256:${hex(architecture === "amd64" ? "a" : "b")}`,
    fsverity_root_hash: hex(architecture === "amd64" ? "c" : "d"),
    size_bytes: opts.size ?? 8192,
  };
  const statement = canonicalJson({ module_id: moduleId, version_number: versionNumber, ...fields });
  const signature_b64 = sign(null, Buffer.from(statement), opts.key ?? publisher.privateKey).toString("base64");
  return {
    ...fields,
    oci_ref: `registry.test/acme/modules/m:${versionNumber}-${architecture}`,
    media_type: "application/vnd.nodepilot.module.erofs.v1",
    signature_bundle: { alg: "ed25519", signature_b64, key_index: 0 },
  };
}

async function addArtifact(versionId: string, body: Record<string, unknown>) {
  const res = await fleet.api("POST", `/api/v1/module_versions/${versionId}/artifacts`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function versionRow(id: string) {
  const [row] = await fleet.runtime.database.db.select().from(module_versions).where(eq(module_versions.id, id));
  return row!;
}

beforeAll(async () => {
  fleet = await createTestFleet();
  const [p] = await fleet.runtime.database.db
    .insert(node_platforms)
    .values({ account_id: fleet.runtime.accountId, name: "dual-arch", architectures: ["amd64", "arm64"] })
    .returning();
  platformId = p!.id;
});
afterAll(async () => {
  await fleet?.close();
});

describe("module_version.add_artifact", () => {
  it("registers an artifact on a draft and shows it on the version", async () => {
    const { module, version } = await moduleWithDraft("art-mod");
    const art = await addArtifact(version.id, artifactBody(module.id, 1, "amd64"));
    expect(art).toMatchObject({ architecture: "amd64", size_bytes: 8192, module_version_id: version.id });
    const got = await fleet.api("GET", `/api/v1/module_versions/${version.id}`, { token: fleet.tokens.reader });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ promotion_state: "draft", current: false, pinned_in: [] });
    expect(got.body.data.artifacts.map((a: { architecture: string }) => a.architecture)).toEqual(["amd64"]);
    const dup = await fleet.api("POST", `/api/v1/module_versions/${version.id}/artifacts`, {
      body: artifactBody(module.id, 1, "amd64"),
    });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["a digest that is not sha256:<64hex>", { oci_digest: "sha256:abc" }, "oci_digest"],
    ["an upper-case fs-verity hash", { fsverity_root_hash: hex("F") }, "fsverity_root_hash"],
    [
      "a malformed signature bundle",
      { signature_bundle: { alg: "rsa", signature_b64: "AA==", key_index: 0 } },
      "signature_bundle",
    ],
    ["an unknown field", { colour: "blue" }, "colour"],
  ];
  for (const [what, patch, path] of invalid) {
    it(`refuses ${what} with 400 naming ${path}`, async () => {
      const { module, version } = await moduleWithDraft(`art-bad-${path.replace(/_/g, "-")}`);
      const before = await counts();
      const res = await fleet.api("POST", `/api/v1/module_versions/${version.id}/artifacts`, {
        body: { ...artifactBody(module.id, 1, "amd64"), ...patch },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path.split(".").slice(0, 1).join("."))).toContain(path);
      expect(await counts()).toEqual(before);
    });
  }

  it("refuses an architecture the module's platform does not build", async () => {
    const [p] = await fleet.runtime.database.db
      .insert(node_platforms)
      .values({ account_id: fleet.runtime.accountId, name: "amd-only", architectures: ["amd64"] })
      .returning();
    const { module, version } = await moduleWithDraft("art-arch", { node_platform_id: p!.id });
    const res = await fleet.api("POST", `/api/v1/module_versions/${version.id}/artifacts`, {
      body: artifactBody(module.id, 1, "arm64"),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("architecture");
  });
});

describe("module_version.publish", () => {
  it("needs a trust policy: 400 trust_policy_missing, nothing written", async () => {
    const { module, version } = await moduleWithDraft("no-policy", { trust_policy: undefined });
    await addArtifact(version.id, artifactBody(module.id, 1, "amd64"));
    await addArtifact(version.id, artifactBody(module.id, 1, "arm64"));
    const before = await counts();
    const res = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "invalid_input", reason: "trust_policy_missing" });
    expect(await counts()).toEqual(before);
    expect((await versionRow(version.id)).publish_error).toBeNull();
  });

  it("is refused while an architecture lacks its artifact, then succeeds with real Ed25519 signatures", async () => {
    const { module, version } = await moduleWithDraft("pub-mod");
    await addArtifact(version.id, artifactBody(module.id, 1, "amd64"));

    const refused = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: "conflict",
      reason: "publish_refused",
      current_state: "draft",
      publish_error: "no artifact for arm64",
    });
    expect(refused.body.failed_gates).toEqual([
      { gate: "artifact", architecture: "arm64", message: "no artifact for arm64" },
    ]);
    // The refusal is recorded (publish_error, a high module.publish_refused) and the version stays a draft.
    expect((await versionRow(version.id)).publish_error).toBe("no artifact for arm64");
    expect((await versionRow(version.id)).promotion_state).toBe("draft");
    const refusedEvents = await events("module.publish_refused", version.id);
    expect(refusedEvents).toHaveLength(1);
    expect(refusedEvents[0]).toMatchObject({
      severity: "high",
      node_module_id: module.id,
      module_version_id: version.id,
    });
    expect(await events("module_version.published", version.id)).toHaveLength(0);

    await addArtifact(version.id, artifactBody(module.id, 1, "arm64"));
    const ok = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data.current_moved).toBe(true);
    expect(ok.body.data.version).toMatchObject({
      id: version.id,
      promotion_state: "staging",
      publish_error: null,
      current: true,
    });
    expect(ok.body.data.version.staging_at).not.toBeNull();
    const mod = await fleet.api("GET", `/api/v1/node_modules/${module.id}`);
    expect(mod.body.data.current_version_id).toBe(version.id);
    expect(await events("module_version.published", version.id)).toHaveLength(1);

    const again = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: "invalid_transition", current_state: "staging" });
    const late = await fleet.api("POST", `/api/v1/module_versions/${version.id}/artifacts`, {
      body: artifactBody(module.id, 1, "amd64"),
    });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ reason: "version_immutable", current_state: "staging" });
  });

  it("refuses a signature from a key the policy does not trust, and undersized or unsigned artifacts", async () => {
    const { module, version } = await moduleWithDraft("bad-sig");
    const stranger = generateKeyPairSync("ed25519").privateKey;
    await addArtifact(version.id, artifactBody(module.id, 1, "amd64", { key: stranger }));
    await addArtifact(version.id, {
      ...artifactBody(module.id, 1, "arm64", { size: 4095 }),
      signature_bundle: undefined,
    });
    const res = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("publish_refused");
    expect(
      res.body.failed_gates.map((g: { gate: string; architecture: string }) => `${g.gate}:${g.architecture}`),
    ).toEqual(["signature:amd64", "size:arm64", "signature:arm64"]);
    expect((await versionRow(version.id)).publish_error).toContain("does not verify");
    expect((await versionRow(version.id)).promotion_state).toBe("draft");
  });

  it("a signature over other bytes (a tampered size) does not verify", async () => {
    const { module, version } = await moduleWithDraft("tampered");
    const amd = artifactBody(module.id, 1, "amd64");
    await addArtifact(version.id, { ...amd, size_bytes: amd.size_bytes + 1 });
    await addArtifact(version.id, artifactBody(module.id, 1, "arm64"));
    const res = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(res.status).toBe(409);
    expect(res.body.failed_gates).toEqual([
      {
        gate: "signature",
        architecture: "amd64",
        message: "amd64 artifact's signature does not verify under the trust policy's keys",
      },
    ]);
  });

  it("records that keyless Sigstore verification is not available yet", async () => {
    const { module, version } = await moduleWithDraft("keyless-mod", {
      trust_policy: {
        cosign_identity_regexp: "^https://github\\.com/acme/.+$",
        cosign_issuer_regexp: "^https://token\\.actions\\.githubusercontent\\.com$",
      },
    });
    await addArtifact(version.id, artifactBody(module.id, 1, "amd64"));
    await addArtifact(version.id, artifactBody(module.id, 1, "arm64"));
    const res = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(res.status).toBe(409);
    expect(res.body.publish_error).toBe("keyless Sigstore verification is not available yet (builder issue)");
    expect((await versionRow(version.id)).publish_error).toBe(
      "keyless Sigstore verification is not available yet (builder issue)",
    );
    expect((await versionRow(version.id)).promotion_state).toBe("draft");
  });

  it("does not move the current pointer without auto_promote, nor backwards", async () => {
    const { module, version } = await moduleWithDraft("manual-promote", { auto_promote: false });
    await addArtifact(version.id, artifactBody(module.id, 1, "amd64"));
    await addArtifact(version.id, artifactBody(module.id, 1, "arm64"));
    const ok = await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({
      current_moved: false,
      version: { promotion_state: "staging", current: false },
    });
    const [row] = await fleet.runtime.database.db.select().from(node_modules).where(eq(node_modules.id, module.id));
    expect(row!.current_version_id).toBeNull();
  });
});

describe("module_version deprecate and retire", () => {
  it("deprecate only applies to live versions; retire refuses the current version and retires a draft", async () => {
    const { module, version } = await moduleWithDraft("ladder", { file_spec: ["/a"] });
    await addArtifact(version.id, artifactBody(module.id, 1, "amd64"));
    await addArtifact(version.id, artifactBody(module.id, 1, "arm64"));
    expect((await fleet.api("POST", `/api/v1/module_versions/${version.id}/publish`)).status).toBe(200);

    const dep = await fleet.api("POST", `/api/v1/module_versions/${version.id}/deprecate`);
    expect(dep.status).toBe(409);
    expect(dep.body).toMatchObject({ reason: "invalid_transition", current_state: "staging" });

    const before = await counts();
    const retireCurrent = await fleet.api("POST", `/api/v1/module_versions/${version.id}/retire`);
    expect(retireCurrent.status).toBe(409);
    expect(retireCurrent.body).toMatchObject({ reason: "in_use", used_by: "current_version" });
    expect(await counts()).toEqual(before);

    const edit = await fleet.api("PATCH", `/api/v1/node_modules/${module.id}`, { body: { file_spec: ["/b"] } });
    expect(edit.status).toBe(200);
    expect(edit.body.data.current_version_id).toBe(version.id);
    const list = await fleet.api("GET", `/api/v1/module_versions?node_module_id=${module.id}`);
    const draft = list.body.data[0];
    expect(draft).toMatchObject({ version_number: 2, promotion_state: "draft", current: false, file_spec: ["/b"] });

    const writer = await fleet.api("POST", `/api/v1/module_versions/${draft.id}/retire`, {
      token: fleet.tokens.writer,
    });
    expect(writer.status).toBe(403);
    const retired = await fleet.api("POST", `/api/v1/module_versions/${draft.id}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body.data).toMatchObject({ promotion_state: "retired" });
    expect(retired.body.data.retired_at).not.toBeNull();
    expect(await events("module_version.retired", draft.id)).toHaveLength(1);
    const publishRetired = await fleet.api("POST", `/api/v1/module_versions/${draft.id}/publish`);
    expect(publishRetired.status).toBe(409);
    expect(publishRetired.body.current_state).toBe("retired");
  });

  it("retire refuses a pinned version and one a running instance reports; get shows pinned_in", async () => {
    const db = fleet.runtime.database.db;
    const { module, version: v1 } = await moduleWithDraft("pinned-mod", { file_spec: ["/a"] });
    await addArtifact(v1.id, artifactBody(module.id, 1, "amd64"));
    await addArtifact(v1.id, artifactBody(module.id, 1, "arm64"));
    expect((await fleet.api("POST", `/api/v1/module_versions/${v1.id}/publish`)).status).toBe(200);
    await fleet.api("PATCH", `/api/v1/node_modules/${module.id}`, { body: { file_spec: ["/b"] } });
    const v2 = (await fleet.api("GET", `/api/v1/module_versions?node_module_id=${module.id}`)).body.data[0];
    await addArtifact(v2.id, artifactBody(module.id, 2, "amd64"));
    await addArtifact(v2.id, artifactBody(module.id, 2, "arm64"));
    const second = await fleet.api("POST", `/api/v1/module_versions/${v2.id}/publish`);
    expect(second.body.data.current_moved).toBe(true);

    const [staging] = await db
      .select()
      .from(environments)
      .where(and(eq(environments.account_id, fleet.runtime.accountId), eq(environments.name, "staging")));
    await db.insert(module_environment_pins).values({
      account_id: fleet.runtime.accountId,
      environment_id: staging!.id,
      node_module_id: module.id,
      module_version_id: v1.id,
      promoted_by_type: "promotion",
      promoted_at: new Date(),
    });
    const got = await fleet.api("GET", `/api/v1/module_versions/${v1.id}`);
    expect(got.body.data).toMatchObject({
      current: false,
      pinned_in: [{ environment_id: staging!.id, environment_name: "staging" }],
    });
    const pinned = await fleet.api("POST", `/api/v1/module_versions/${v1.id}/retire`);
    expect(pinned.status).toBe(409);
    expect(pinned.body).toMatchObject({ reason: "in_use", used_by: "pins", environments: ["staging"] });
    await db.delete(module_environment_pins).where(eq(module_environment_pins.module_version_id, v1.id));

    const t = await fleet.api("GET", "/api/v1/node_platforms");
    const tpl = await fleet.api("POST", "/api/v1/node_templates", {
      body: { name: "pin-tpl", node_platform_id: t.body.data[0].id },
    });
    const node = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "pin-node", node_template_id: tpl.body.data.id },
    });
    const [inst] = await db
      .insert(node_instances)
      .values({
        account_id: fleet.runtime.accountId,
        node_id: node.body.data.id,
        name: "pin-node-0",
        variety: "local",
        status: "running",
        running_module_digests: { [module.id]: `sha256:${hex("a")}` },
      })
      .returning();
    const running = await fleet.api("POST", `/api/v1/module_versions/${v1.id}/retire`);
    expect(running.status).toBe(409);
    expect(running.body).toMatchObject({ reason: "in_use", used_by: "instances", instance_ids: [inst!.id] });

    await db.update(node_instances).set({ status: "terminated" }).where(eq(node_instances.id, inst!.id));
    const ok = await fleet.api("POST", `/api/v1/module_versions/${v1.id}/retire`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data.promotion_state).toBe("retired");
  });

  it("answers 404 for an unknown version", async () => {
    const res = await fleet.api("POST", "/api/v1/module_versions/01890000-0000-7000-8000-000000000000/publish");
    expect(res.status).toBe(404);
  });
});
