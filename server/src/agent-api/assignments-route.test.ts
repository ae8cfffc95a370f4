// Module delivery over the real mTLS agent listener with enrolled agents: GET /agent/v1/assignments
// shows an agent only its own instance's modules, leaves disabled assignments out, resolves versions
// per environment (following vs pinned), sorts dependencies first, signs a delivery statement that
// verifies with the key GET /agent/v1/trust publishes, and revalidates with ETag / If-None-Match;
// the revision changes with the assignment and equals what the heartbeat's revision function says.
import { createHash, createPublicKey, verify } from "node:crypto";
import { assignmentsRevisions } from "@nodepilot/core";
import {
  AssignmentsResponse,
  deliveryStatementBytes,
  manifestBytes,
  TrustResponse,
} from "@nodepilot/core/agent-protocol";
import { environments, fleet_events, module_environment_pins, module_versions, nodes } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type EnrolledAgent, enrollAgent, heartbeatBody, startTestAgentApi, tlsRequest } from "./agent-test-client.ts";
import {
  amd64Platform,
  assignModule,
  type Published,
  publisherPem,
  publishModule,
  publishNextVersion,
} from "./delivery-fixtures.ts";

let fleet: TestFleet;
let a: EnrolledAgent;
let b: EnrolledAgent;
let platformId: string;
let web: Published;
let db1: Published;
const db = () => fleet.runtime.database.db;

const get = (agent: EnrolledAgent | null, path: string, headers: Record<string, string> = {}) => {
  const api = fleet.runtime.agentApi!;
  return tlsRequest(api.url, api.caPem, "GET", `/agent/v1${path}`, {
    ...(agent ? { client: agent.client } : {}),
    headers,
  });
};

async function assignments(agent: EnrolledAgent) {
  const res = await get(agent, "/assignments");
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { body: AssignmentsResponse.parse(res.body), etag: res.headers.etag as string };
}

/** The assignments_revision a heartbeat answers (the first beat takes the transactional path, later ones the fast one). */
let beatSeq = 0;
async function beatRevision(agent: EnrolledAgent): Promise<string> {
  const api = fleet.runtime.agentApi!;
  const res = await tlsRequest(api.url, api.caPem, "POST", "/agent/v1/heartbeat", {
    client: agent.client,
    body: heartbeatBody({ seq: ++beatSeq }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { assignments_revision: string }).assignments_revision;
}

const envId = async (name: string) =>
  (
    await db()
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.account_id, fleet.runtime.accountId), eq(environments.name, name)))
  )[0]!.id;

/** node.update does not move a node between environments (yet), so the row is written directly. */
async function setNodeEnvironment(nodeId: string, name: string) {
  await db()
    .update(nodes)
    .set({ environment_id: await envId(name) })
    .where(eq(nodes.id, nodeId));
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  await startTestAgentApi(fleet);
  a = await enrollAgent(fleet);
  b = await enrollAgent(fleet);
  platformId = await amd64Platform(fleet);
  web = await publishModule(fleet, "dlv-web", platformId);
  db1 = await publishModule(fleet, "dlv-db", platformId);
  await assignModule(fleet, a.nodeId, web.moduleId);
  await assignModule(fleet, b.nodeId, db1.moduleId);
}, 120_000);
afterAll(async () => {
  await fleet?.close();
});

describe("GET /agent/v1/assignments", () => {
  it("needs a client certificate", async () => {
    expect((await get(null, "/assignments")).status).toBe(401);
    expect((await get(null, "/trust")).status).toBe(401);
  });

  it("gives each agent its own instance's modules only, with every field filled honestly", async () => {
    const forA = (await assignments(a)).body;
    const forB = (await assignments(b)).body;
    expect(forA.modules.map((m) => m.name)).toEqual(["dlv-web"]);
    expect(forB.modules.map((m) => m.name)).toEqual(["dlv-db"]);
    const [m] = forA.modules;
    expect(m).toMatchObject({
      module_id: web.moduleId,
      version_id: web.versionId,
      version_number: 1,
      variety: "config",
      effective_priority: 560_000,
      reboot_required: false,
      has_data: null,
      signature_mode: "enforce",
      artifact: {
        digest: web.digest,
        size_bytes: web.bytes.length,
        fsverity_root_hash: web.fsverity,
        media_type: "application/vnd.nodepilot.module.erofs.v1",
        format: "erofs",
      },
      trust_policy: {
        authorities: [{ key: { public_keys: [publisherPem], require_tlog: false } }],
        min_signatures: 1,
        require_attestations: [],
      },
    });
    expect(m!.manifest).toMatchObject({ name: "dlv-web", schema_version: 1 });
    expect(m!.manifest_sha256).toBe(createHash("sha256").update(manifestBytes(m!.manifest!)).digest("hex"));
    const bundle = JSON.parse(Buffer.from(m!.signature_bundle_b64!, "base64").toString("utf8"));
    expect(bundle).toMatchObject({ alg: "ed25519", key_index: 0 });
    expect(forA.environment).toBeNull();
    expect(forA.withheld).toEqual([]);
    expect(forA).not.toHaveProperty("app_health");
  });

  it("signs a delivery statement that verifies with the key /trust publishes, for this architecture only", async () => {
    const trustRes = await get(a, "/trust");
    expect(trustRes.status).toBe(200);
    const trust = TrustResponse.parse(trustRes.body);
    expect(trust.delivery_keys).toHaveLength(1);
    const [key] = trust.delivery_keys;
    expect(key!.revoked).toBe(false);
    const der = createPublicKey(key!.public_key_pem).export({ type: "spki", format: "der" });
    expect(key!.key_id).toBe(`sha256:${createHash("sha256").update(der).digest("hex")}`);
    expect(trust.signing_keys.map((k) => k.public_key_pem)).toContain(publisherPem);
    expect(trust.keyless_trusted_root).toBeNull();
    // The key was created once, with its event, and is never re-created.
    const created = await db()
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.kind, "delivery_key.created")));
    expect(created).toHaveLength(1);

    const [m] = (await assignments(a)).body.modules;
    const statement = {
      module_id: m!.module_id,
      version_id: m!.version_id,
      version_number: m!.version_number,
      architecture: "amd64" as const,
      digest: m!.artifact.digest,
      fsverity_root_hash: m!.artifact.fsverity_root_hash,
      size_bytes: m!.artifact.size_bytes,
      manifest_sha256: m!.manifest_sha256,
    };
    const sig = Buffer.from(m!.delivery_signature_b64, "base64");
    const pub = createPublicKey(key!.public_key_pem);
    expect(verify(null, deliveryStatementBytes(statement), pub, sig)).toBe(true);
    expect(verify(null, deliveryStatementBytes({ ...statement, architecture: "arm64" }), pub, sig)).toBe(false);
    expect(verify(null, deliveryStatementBytes({ ...statement, size_bytes: statement.size_bytes + 1 }), pub, sig)).toBe(
      false,
    );

    // Trust is cached by content hash too.
    const again = await get(a, "/trust", { "if-none-match": trustRes.headers.etag as string });
    expect(again.status).toBe(304);
  });

  it("answers 304 to If-None-Match with the current revision, which is the heartbeat's revision", async () => {
    const first = await assignments(a);
    expect(first.etag).toBe(`"${first.body.revision}"`);
    const revs = await assignmentsRevisions(db(), [{ accountId: fleet.runtime.accountId, instanceId: a.instanceId }]);
    expect(revs.get(a.instanceId)?.revision).toBe(first.body.revision);
    const cached = await get(a, "/assignments", { "if-none-match": first.etag });
    expect(cached.status).toBe(304);
    expect(cached.raw.length).toBe(0);
    expect(cached.headers.etag).toBe(first.etag);
    expect((await get(a, "/assignments", { "if-none-match": `W/${first.etag}, "other"` })).status).toBe(304);
    expect((await get(a, "/assignments", { "if-none-match": '"stale"' })).status).toBe(200);
    // Unchanged inputs plan the same body: deterministic signatures included.
    expect((await assignments(a)).body).toEqual(first.body);
  });

  it("leaves a disabled assignment out, and the revision changes with it both ways", async () => {
    const node = await enrollAgent(fleet);
    const mod = await publishModule(fleet, "dlv-toggle", platformId);
    const assignmentId = await assignModule(fleet, node.nodeId, mod.moduleId);
    const on = await assignments(node);
    expect(on.body.modules.map((m) => m.module_id)).toEqual([mod.moduleId]);
    expect(await beatRevision(node)).toBe(on.body.revision); // first contact: transactional path
    expect(await beatRevision(node)).toBe(on.body.revision); // steady: one-statement path

    const off = await fleet.api("POST", `/api/v1/node_module_assignments/${assignmentId}/disable`, { body: {} });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    const stale = await get(node, "/assignments", { "if-none-match": on.etag });
    expect(stale.status).toBe(200);
    const disabled = AssignmentsResponse.parse(stale.body);
    expect(disabled.modules).toEqual([]);
    expect(disabled.withheld).toEqual([]);
    expect(disabled.revision).not.toBe(on.body.revision);
    expect(await beatRevision(node)).toBe(disabled.revision);

    const back = await fleet.api("POST", `/api/v1/node_module_assignments/${assignmentId}/enable`, { body: {} });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    const enabled = await assignments(node);
    expect(enabled.body.modules.map((m) => m.module_id)).toEqual([mod.moduleId]);
    expect(enabled.body.revision).not.toBe(disabled.revision);
    expect(await beatRevision(node)).toBe(enabled.body.revision);
  });

  it("resolves the version per environment: following gets current, pinned gets its pin or nothing", async () => {
    const node = await enrollAgent(fleet);
    const v1 = await publishModule(fleet, "dlv-env", platformId);
    const v2 = await publishNextVersion(fleet, v1);
    await assignModule(fleet, node.nodeId, v1.moduleId);

    await setNodeEnvironment(node.nodeId, "dev");
    const dev = (await assignments(node)).body;
    expect(dev.environment).toMatchObject({ name: "dev", delivery_mode: "following", signature_mode: "enforce" });
    expect(dev.modules.map((m) => m.version_number)).toEqual([2]);
    expect(dev.modules[0]!.artifact.digest).toBe(v2.digest);

    await setNodeEnvironment(node.nodeId, "prod");
    const unpinned = (await assignments(node)).body;
    expect(unpinned.environment).toMatchObject({ name: "prod", delivery_mode: "pinned", min_promotion_state: "live" });
    expect(unpinned.modules).toEqual([]);
    expect(unpinned.withheld).toEqual([
      expect.objectContaining({ module_id: v1.moduleId, name: "dlv-env", reason: "unpinned" }),
    ]);

    // Promotion to live and pinning have no operations yet: the rows are written as they would be.
    await db().update(module_versions).set({ promotion_state: "live" }).where(eq(module_versions.id, v1.versionId));
    await db()
      .insert(module_environment_pins)
      .values({
        account_id: fleet.runtime.accountId,
        environment_id: await envId("prod"),
        node_module_id: v1.moduleId,
        module_version_id: v1.versionId,
        promoted_by_type: "promotion",
        promoted_at: new Date(),
      });
    const pinned = (await assignments(node)).body;
    expect(pinned.modules.map((m) => [m.version_number, m.artifact.digest])).toEqual([[1, v1.digest]]);
    expect(pinned.revision).not.toBe(unpinned.revision);

    // A pin below the environment's rung is not delivered.
    await db().update(module_versions).set({ promotion_state: "staging" }).where(eq(module_versions.id, v1.versionId));
    const below = (await assignments(node)).body;
    expect(below.modules).toEqual([]);
    expect(below.withheld[0]).toMatchObject({ reason: "version_not_deliverable" });
  });

  it("audits only where an unprotected environment asks for it", async () => {
    const node = await enrollAgent(fleet);
    const mod = await publishModule(fleet, "dlv-audit", platformId);
    await assignModule(fleet, node.nodeId, mod.moduleId);
    await setNodeEnvironment(node.nodeId, "ops");
    await db()
      .update(environments)
      .set({ signature_mode: "audit" })
      .where(eq(environments.id, await envId("ops")));
    const audit = (await assignments(node)).body;
    expect(audit.environment!.signature_mode).toBe("audit");
    expect(audit.modules[0]!.signature_mode).toBe("audit");
    await db()
      .update(environments)
      .set({ protected: true })
      .where(eq(environments.id, await envId("ops")));
    const guarded = (await assignments(node)).body;
    expect(guarded.modules[0]!.signature_mode).toBe("enforce");
    expect(guarded.revision).not.toBe(audit.revision);
  });

  it("sorts dependencies before dependants and withholds a dependant whose dependency is not delivered", async () => {
    const node = await enrollAgent(fleet);
    const lib = await publishModule(fleet, "dlv-lib", platformId);
    const app = await publishModule(fleet, "dlv-app", platformId);
    const dep = await fleet.api("POST", `/api/v1/node_modules/${app.moduleId}/dependencies`, {
      body: { dependency_id: lib.moduleId, dependency_type: "requires" },
    });
    expect(dep.status, JSON.stringify(dep.body)).toBe(201);
    await assignModule(fleet, node.nodeId, lib.moduleId);
    const appAssignment = await assignModule(fleet, node.nodeId, app.moduleId);
    expect(appAssignment).toBeTruthy();
    const both = (await assignments(node)).body;
    expect(both.modules.map((m) => m.name)).toEqual(["dlv-lib", "dlv-app"]);

    const disable = await fleet.api("PATCH", `/api/v1/node_modules/${lib.moduleId}`, { body: { enabled: false } });
    expect(disable.status, JSON.stringify(disable.body)).toBe(200);
    const held = (await assignments(node)).body;
    expect(held.modules).toEqual([]);
    expect(held.withheld.map((w) => [w.name, w.reason])).toEqual([
      ["dlv-app", "dependency_not_delivered"],
      ["dlv-lib", "module_disabled"],
    ]);
  });
});
