// Module delivery end to end, agent code in process against the real mTLS listener: an agent
// enrolled with its own enroll() runs its real sync_modules / apply_config handlers, which fetch
// the desired set (revalidating with the ETag), download the blob, verify it (sha256, delivery
// statement, publisher signature, fs-verity in userspace) and stage it into the working directory.
// Every refusal — tampered blob, bad delivery signature, tampered manifest, wrong fs-verity root,
// missing publisher signature — names the module and the check, leaves nothing in the cache or the
// working directory, and queues module.verify_failed in the agent's real outbox; audit mode lets a
// signature failure through and queues module.signature_audit instead.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { defaultHandlers, enroll, Outbox, type StatePaths, statePaths } from "@nodepilot/agent";
import { issueBootstrapToken, systemPrincipal } from "@nodepilot/core";
import { environments, module_artifacts, node_instances, nodes } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  amd64Platform,
  assignModule,
  moduleBytes,
  type Published,
  publishModule,
} from "../agent-api/delivery-fixtures.ts";
import { insertInstance } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let platformId: string;
const db = () => fleet.runtime.database.db;

interface Agent {
  nodeId: string;
  instanceId: string;
  paths: StatePaths;
  outbox: Outbox;
  run(command: "sync_modules" | "apply_config", payload?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A node + instance, a bootstrap token for it, and the agent's own enroll() into a fresh state dir. */
async function enrolledAgent(): Promise<Agent> {
  const api = fleet.runtime.agentApi!;
  const { nodeId, instanceId } = await insertInstance(fleet);
  await db().update(node_instances).set({ status: "provisioning" }).where(eq(node_instances.id, instanceId));
  const now = new Date();
  const token = await issueBootstrapToken(
    db(),
    {
      principal: systemPrincipal(fleet.runtime.accountId, ["fleet:admin"]),
      source: "system",
      correlationId: null,
      now,
    },
    { accountId: fleet.runtime.accountId, nodeId, instanceId, purpose: "enroll", now },
  );
  const paths = statePaths(await mkdtemp(path.join(tmpdir(), "np-delivery-")));
  await enroll({
    identity: {
      instance_id: instanceId,
      bootstrap_token: token.plaintext,
      platform_url: api.url,
      ca_bundle_pem: api.caPem,
      architecture: "amd64",
      source: "files",
      discovered_at: now.toISOString(),
    },
    paths,
  });
  const outbox = await Outbox.open(paths.outbox);
  const handlers = defaultHandlers({ currentBootId: () => "boot", onRebootRequested: () => undefined });
  return {
    nodeId,
    instanceId,
    paths,
    outbox,
    run: (command, payload = {}) =>
      handlers.get(command)!.run({
        payload,
        signal: new AbortController().signal,
        progress: () => undefined,
        paths,
        taskId: "e2e",
        events: outbox,
      }),
  };
}

const queued = (agent: Agent) => agent.outbox.nextBatch()?.events ?? [];
const cacheFiles = (agent: Agent) =>
  existsSync(agent.paths.cache) ? readdirSync(agent.paths.cache).filter((f) => !f.startsWith(".")) : [];
const hexOf = (digest: string) => digest.slice("sha256:".length);

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  await fleet.runtime.startAgentApi(0);
  platformId = await amd64Platform(fleet);
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

describe("sync_modules against the platform", () => {
  let agent: Agent;
  let web: Published;
  beforeAll(async () => {
    agent = await enrolledAgent();
    web = await publishModule(fleet, "e2e-web", platformId);
    await assignModule(fleet, agent.nodeId, web.moduleId);
  }, 60_000);

  it("fetches, verifies and stages the module content into the working directory", async () => {
    expect(await agent.run("sync_modules")).toEqual({
      attached: [web.moduleId],
      detached: [],
      reattached: [],
      failed: [],
    });
    const dir = path.join(agent.paths.modules, web.moduleId);
    expect(readFileSync(path.join(dir, `${hexOf(web.digest)}.erofs`)).equals(web.bytes)).toBe(true);
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ name: "e2e-web", schema_version: 1 });
    const delivery = JSON.parse(await readFile(path.join(dir, "delivery.json"), "utf8"));
    expect(delivery).toMatchObject({
      version_number: 1,
      fsverity_digest: web.fsverity,
      fsverity_enforced: false,
      signature_audit: [],
    });
    const record = JSON.parse(await readFile(path.join(agent.paths.modules, "reconciler.json"), "utf8"));
    expect(record.modules).toEqual([
      expect.objectContaining({
        module_id: web.moduleId,
        version_id: web.versionId,
        digest: web.digest,
        name: "e2e-web",
      }),
    ]);
    expect(queued(agent)).toEqual([]);
  });

  it("revalidates the desired set with its ETag and changes nothing when nothing changed", async () => {
    const cached = JSON.parse(await readFile(path.join(agent.paths.root, "assignments.json"), "utf8"));
    expect(cached.etag).toBe(`"${cached.body.revision}"`);
    expect(await agent.run("sync_modules")).toEqual({ attached: [], detached: [], reattached: [], failed: [] });
    expect(await agent.run("apply_config")).toEqual({ converged: [web.moduleId], not_converged: [] });
  });

  it("re-verifies everything on force_resync, replacing a cached blob that rotted", async () => {
    const cached = path.join(agent.paths.cache, `${hexOf(web.digest)}.erofs`);
    await writeFile(cached, "rotten");
    expect(await agent.run("sync_modules", { force_resync: true })).toEqual({
      attached: [],
      detached: [],
      reattached: [web.moduleId],
      failed: [],
    });
    expect(readFileSync(cached).equals(web.bytes)).toBe(true);
  });

  it("refuses a bad delivery signature and a tampered manifest", async () => {
    const file = path.join(agent.paths.root, "assignments.json");
    const original = await readFile(file, "utf8");
    const tamper = async (edit: (m: Record<string, unknown>) => void) => {
      // A fresh working directory, so the module must be attached (and verified) again.
      await rm(agent.paths.modules, { recursive: true, force: true });
      const c = JSON.parse(original);
      edit(c.body.modules[0]);
      // The ETag still matches, so the platform answers 304 and the agent uses this copy.
      await writeFile(file, JSON.stringify(c));
      return agent.run("sync_modules");
    };
    const sig = Buffer.from(JSON.parse(original).body.modules[0].delivery_signature_b64, "base64");
    sig[0] = sig[0]! ^ 0xff;
    const badSig = await tamper((m) => {
      m.delivery_signature_b64 = sig.toString("base64");
    });
    expect(badSig.failed).toEqual([
      {
        module_id: web.moduleId,
        error_code: "delivery_statement_failed",
        message: expect.stringContaining("does not verify"),
      },
    ]);
    const badManifest = await tamper((m) => {
      (m.manifest as Record<string, unknown>).description = "now with a root shell";
    });
    expect(badManifest.failed).toEqual([
      {
        module_id: web.moduleId,
        error_code: "delivery_statement_failed",
        message: expect.stringContaining("manifest"),
      },
    ]);
    // Refused blobs are deleted from the cache and nothing is staged.
    expect(cacheFiles(agent)).toEqual([]);
    expect(existsSync(path.join(agent.paths.modules, web.moduleId))).toBe(false);
    const kinds = queued(agent).map((e) => [e.kind, e.severity, e.payload.check]);
    expect(kinds).toEqual([
      ["module.verify_failed", "high", "delivery_statement"],
      ["module.verify_failed", "high", "delivery_statement"],
    ]);
    await writeFile(file, original);
    expect(await agent.run("sync_modules")).toEqual({
      attached: [web.moduleId],
      detached: [],
      reattached: [],
      failed: [],
    });
  });

  it("detaches a module whose assignment was disabled", async () => {
    const list = await fleet.api("GET", `/api/v1/node_module_assignments?node_id=${agent.nodeId}`);
    const off = await fleet.api("POST", `/api/v1/node_module_assignments/${list.body.data[0].id}/disable`, {
      body: {},
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(await agent.run("sync_modules")).toEqual({
      attached: [],
      detached: [web.moduleId],
      reattached: [],
      failed: [],
    });
    expect(existsSync(path.join(agent.paths.modules, web.moduleId))).toBe(false);
  });
});

describe("verification refusals", () => {
  it("never attaches a blob tampered with in the platform's store", async () => {
    const agent = await enrolledAgent();
    const bytes = moduleBytes("e2e-tampered");
    // What the platform serves under the digest is not what was published: the store only keeps
    // bytes by their own hash, so the tampered copy is written over the published name on disk.
    const mod = await publishModule(fleet, "e2e-tampered", platformId, { bytes });
    const blobFile = fleet.runtime.agentApi!.blobs.pathOf(mod.digest);
    const evil = Buffer.from(bytes);
    evil[100] = evil[100]! ^ 1;
    await writeFile(blobFile, evil);
    await assignModule(fleet, agent.nodeId, mod.moduleId);
    const out = await agent.run("sync_modules");
    // The platform re-hashes before serving and refuses the rotten copy, so the fetch fails.
    expect(out.failed).toEqual([
      { module_id: mod.moduleId, error_code: "fetch_failed", message: expect.stringContaining(mod.digest) },
    ]);
    expect(cacheFiles(agent)).toEqual([]);
    expect(existsSync(path.join(agent.paths.modules, mod.moduleId))).toBe(false);
    expect(queued(agent).map((e) => e.kind)).toEqual(["module.fetch_failed"]);
  });

  it("refuses a blob whose fs-verity digest is not the delivered root hash", async () => {
    const agent = await enrolledAgent();
    const mod = await publishModule(fleet, "e2e-fsverity", platformId, { fsverity: "ab".repeat(32) });
    await assignModule(fleet, agent.nodeId, mod.moduleId);
    const out = await agent.run("sync_modules");
    expect(out.failed).toEqual([
      {
        module_id: mod.moduleId,
        error_code: "fsverity_failed",
        message: expect.stringContaining(`not the delivered ${"ab".repeat(32)}`),
      },
    ]);
    expect(cacheFiles(agent)).toEqual([]);
    expect(queued(agent).map((e) => [e.kind, e.payload.check])).toEqual([["module.verify_failed", "fsverity"]]);
    // apply_config fails the task, naming the module.
    await expect(agent.run("apply_config")).rejects.toMatchObject({
      code: "not_converged",
      message: expect.stringContaining(mod.moduleId),
    });
  });

  it("enforce refuses a version without a publisher signature; audit lets it through and says so", async () => {
    const agent = await enrolledAgent();
    const mod = await publishModule(fleet, "e2e-unsigned", platformId);
    // Versions that predate signing carry no bundle: the row is written as such a version would be.
    await db()
      .update(module_artifacts)
      .set({ signature_bundle: null })
      .where(eq(module_artifacts.module_version_id, mod.versionId));
    await assignModule(fleet, agent.nodeId, mod.moduleId);
    const refused = await agent.run("sync_modules");
    expect(refused.failed).toEqual([
      {
        module_id: mod.moduleId,
        error_code: "publisher_signature_failed",
        message: expect.stringContaining("no publisher signature bundle"),
      },
    ]);
    expect(queued(agent).map((e) => [e.kind, e.payload.check])).toEqual([
      ["module.verify_failed", "publisher_signature"],
    ]);

    const [dev] = await db()
      .select()
      .from(environments)
      .where(and(eq(environments.account_id, fleet.runtime.accountId), eq(environments.name, "ci")));
    await db().update(environments).set({ signature_mode: "audit" }).where(eq(environments.id, dev!.id));
    await db().update(nodes).set({ environment_id: dev!.id }).where(eq(nodes.id, agent.nodeId));
    const audited = await agent.run("sync_modules");
    expect(audited).toEqual({ attached: [mod.moduleId], detached: [], reattached: [], failed: [] });
    const events = queued(agent);
    expect(events.map((e) => e.kind)).toEqual(["module.verify_failed", "module.signature_audit"]);
    expect(events[1]!.payload).toMatchObject({
      module_id: mod.moduleId,
      digest: mod.digest,
      failures: [{ check: "publisher_signature", reason: expect.stringContaining("no publisher signature bundle") }],
    });
    const record = JSON.parse(await readFile(path.join(agent.paths.modules, "reconciler.json"), "utf8"));
    expect(record.modules[0].signature_audit).toEqual([{ check: "publisher_signature", reason: expect.any(String) }]);

    // fs-verity stays enforced in audit mode: only signature checks are audited.
    const wrongRoot = await publishModule(fleet, "e2e-audit-fsverity", platformId, { fsverity: "cd".repeat(32) });
    await assignModule(fleet, agent.nodeId, wrongRoot.moduleId);
    const still = await agent.run("sync_modules");
    expect(still.failed).toEqual([
      { module_id: wrongRoot.moduleId, error_code: "fsverity_failed", message: expect.any(String) },
    ]);
  });
});
