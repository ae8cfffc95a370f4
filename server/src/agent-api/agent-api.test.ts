// The agent API over real TLS with real certificates: enrollment, mTLS authentication (missing,
// foreign, revoked certificates), heartbeats, and the task lease protocol, including the rule that
// an agent never sees another instance's tasks.
import { randomUUID } from "node:crypto";
import { revokeCertificate, systemPrincipal } from "@nodepilot/core";
import { fleet_events, node_instances, tasks } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FACTS } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import {
  type EnrolledAgent,
  enrollAgent,
  foreignClientCert,
  heartbeatBody,
  startTestAgentApi,
  tlsRequest,
} from "./agent-test-client.ts";

let fleet: TestFleet;
let a: EnrolledAgent;
let b: EnrolledAgent;
const db = () => fleet.runtime.database.db;
const call = (method: string, path: string, opts: Parameters<typeof tlsRequest>[4] = {}) => {
  const api = fleet.runtime.agentApi!;
  return tlsRequest(api.url, api.caPem, method, `/agent/v1${path}`, opts);
};
const eventCount = async () =>
  (await db().select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, fleet.runtime.accountId)))[0]!
    .c;
const instance = async (id: string) => (await db().select().from(node_instances).where(eq(node_instances.id, id)))[0]!;

async function newTask(instanceId: string) {
  const res = await fleet.api("POST", "/api/v1/tasks", {
    body: { subject_type: "node_instance", subject_id: instanceId, command: "collect_facts" },
  });
  if (res.status !== 202) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return res.body.data.task.id as string;
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  await startTestAgentApi(fleet);
  a = await enrollAgent(fleet);
  b = await enrollAgent(fleet);
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

describe("enrollment and authentication", () => {
  it("enrolls over TLS without a client certificate and returns the agent config", async () => {
    const row = await db().select().from(node_instances).where(eq(node_instances.id, a.instanceId));
    expect(row[0]!.status).toBe("provisioning");
    expect(a.client.cert).toContain("BEGIN CERTIFICATE");
    // A second enrollment with a malformed body names the field and writes nothing.
    const before = await eventCount();
    const bad = await call("POST", "/enroll", { body: { bootstrap_token: "x", csr_pem: "nope", identity: {} } });
    expect(bad.status).toBe(400);
    expect(bad.headers["content-type"]).toContain("application/problem+json");
    expect(bad.body.code).toBe("invalid_input");
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain("csr_pem");
    expect(await eventCount()).toBe(before);
  });

  it("refuses every other route without a client certificate (401)", async () => {
    const res = await call("POST", "/heartbeat", { body: heartbeatBody() });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: "unauthenticated", reason: "certificate_required" });
    const get = await call("GET", `/tasks/${randomUUID()}`);
    expect(get.status).toBe(401);
  });

  it("refuses a certificate from another CA (401) and writes nothing", async () => {
    const before = await instance(a.instanceId);
    const foreign = await foreignClientCert(a.instanceId);
    const res = await call("POST", "/heartbeat", { body: heartbeatBody(), client: foreign });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("unauthenticated");
    expect((await instance(a.instanceId)).last_heartbeat_at).toEqual(before.last_heartbeat_at);
  });

  it("refuses a revoked certificate (401)", async () => {
    const c = await enrollAgent(fleet);
    const now = new Date();
    await revokeCertificate(
      db(),
      {
        principal: systemPrincipal(fleet.runtime.accountId, ["fleet:admin"]),
        source: "system",
        correlationId: null,
        now,
      },
      { certificateId: c.certificateId, reason: "test", now },
    );
    const res = await call("POST", "/heartbeat", { body: heartbeatBody(), client: c.client });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: "unauthenticated", reason: "certificate_rejected" });
    expect((await instance(c.instanceId)).last_heartbeat_at).toBeNull();
  });
});

describe("heartbeat", () => {
  it("answers 200, makes last_heartbeat_at visible at once and moves provisioning → running", async () => {
    const moduleId = randomUUID();
    const digest = `sha256:${"ab".repeat(32)}`;
    const started = Date.now();
    const res = await call("POST", "/heartbeat", {
      client: a.client,
      body: heartbeatBody({
        module_digests: { [moduleId]: digest },
        mount_mode: "extracted",
        capabilities: {
          erofs: true,
          overlayfs: true,
          fsverity: false,
          fsverity_tool: false,
          composefs: false,
          fuse: false,
          mounts_permitted: false,
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      next_heartbeat_seconds: 30,
      tasks_pending: 0,
      renewed_leases: [],
      lost_leases: [],
      actions: [],
    });
    expect(typeof res.body.assignments_revision).toBe("string");
    // A 200 means durable: the row is already there, well within the 1 s visibility bound.
    const row = await instance(a.instanceId);
    expect(row.last_heartbeat_at).not.toBeNull();
    expect(row.last_heartbeat_at!.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(row.status).toBe("running");
    expect(row.mount_mode).toBe("extracted");
    expect(row.capabilities).toEqual(["erofs", "overlayfs"]);
    expect(row.running_module_digests).toEqual({ [moduleId]: digest });
  });

  it("echoes the caller's x-request-id, and mints one when none is given", async () => {
    const given = await call("POST", "/heartbeat", {
      client: a.client,
      body: heartbeatBody(),
      headers: { "x-request-id": "beat-42" },
    });
    expect(given.status).toBe(200);
    expect(given.headers["x-request-id"]).toBe("beat-42");
    const minted = await call("POST", "/heartbeat", { client: a.client, body: heartbeatBody() });
    expect(minted.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await call("POST", "/heartbeat", {
      client: a.client,
      body: heartbeatBody({ colour: "red" }),
      headers: { "x-request-id": "bad-beat" },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers["x-request-id"]).toBe("bad-beat");
  });

  it("rejects an unknown or mistyped field with 400 naming it, and changes nothing", async () => {
    const before = await instance(a.instanceId);
    const unknown = await call("POST", "/heartbeat", { client: a.client, body: heartbeatBody({ colour: "red" }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe("invalid_input");
    expect(JSON.stringify(unknown.body.errors)).toContain("colour");
    const typed = await call("POST", "/heartbeat", { client: a.client, body: heartbeatBody({ uptime_seconds: "x" }) });
    expect(typed.status).toBe(400);
    expect(typed.body.errors.map((e: { path: string }) => e.path)).toContain("uptime_seconds");
    const version = await call("POST", "/heartbeat", { client: a.client, body: heartbeatBody({ schema_version: 2 }) });
    expect(version.status).toBe(400);
    expect(version.body.errors.map((e: { path: string }) => e.path)).toContain("schema_version");
    expect((await instance(a.instanceId)).last_heartbeat_at).toEqual(before.last_heartbeat_at);
  });

  it("coalesces a burst of concurrent heartbeats and answers every one", async () => {
    const beats = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("POST", "/heartbeat", { client: a.client, body: heartbeatBody({ seq: i + 2 }) }),
      ),
    );
    expect(beats.map((r) => r.status)).toEqual(Array(20).fill(200));
  });

  it("answers each of 40 back-to-back beats only once it is durable", async () => {
    // Latency is the benchmark's business (bench/src/agent.bench.ts); this checks that a reply means
    // the beat is already visible: the row carries a time taken after the request was sent.
    for (let i = 0; i < 40; i++) {
      const sent = Date.now();
      const res = await call("POST", "/heartbeat", { client: a.client, body: heartbeatBody({ seq: 1000 + i }) });
      expect(res.status).toBe(200);
      const [row] = await db()
        .select({ at: node_instances.last_heartbeat_at })
        .from(node_instances)
        .where(eq(node_instances.id, a.instanceId));
      expect(row?.at?.getTime()).toBeGreaterThanOrEqual(sent);
      expect(row?.at?.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it("answers 409 instance_terminated for a terminated instance", async () => {
    const c = await enrollAgent(fleet);
    await db().update(node_instances).set({ status: "terminated" }).where(eq(node_instances.id, c.instanceId));
    const res = await call("POST", "/heartbeat", { client: c.client, body: heartbeatBody() });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", reason: "instance_terminated" });
  });
});

describe("task lease protocol", () => {
  it("leases, starts and completes a collect_facts task", async () => {
    const id = await newTask(a.instanceId);
    const hb = await call("POST", "/heartbeat", { client: a.client, body: heartbeatBody({ seq: 100 }) });
    expect(hb.body.tasks_pending).toBe(1);
    const leased = await call("POST", "/tasks/lease", {
      client: a.client,
      body: { max: 4, commands: ["collect_facts"], wait_seconds: 0 },
    });
    expect(leased.status).toBe(200);
    expect(leased.body.tasks).toHaveLength(1);
    const t = leased.body.tasks[0];
    expect(t).toMatchObject({ id, command: "collect_facts", payload: {}, attempt: 1, lease_ttl_seconds: 120 });
    // A lost reply is harmless: leasing again re-offers the same, unstarted lease.
    const again = await call("POST", "/tasks/lease", {
      client: a.client,
      body: { max: 4, commands: ["collect_facts"] },
    });
    expect(again.body.tasks.map((x: { lease_id: string }) => x.lease_id)).toEqual([t.lease_id]);

    const started = await call("POST", `/tasks/${id}/start`, { client: a.client, body: { lease_id: t.lease_id } });
    expect(started.status).toBe(200);
    expect(started.body.status).toBe("running");
    const renewed = await call("POST", `/tasks/${id}/renew`, {
      client: a.client,
      body: { lease_id: t.lease_id, progress: 50 },
    });
    expect(renewed.status).toBe(200);
    const completionId = randomUUID();
    const badResult = await call("POST", `/tasks/${id}/complete`, {
      client: a.client,
      body: { lease_id: t.lease_id, completion_id: completionId, result: { hostname: 3 } },
    });
    expect(badResult.status).toBe(400);
    expect(JSON.stringify(badResult.body.errors)).toContain("result");
    const done = await call("POST", `/tasks/${id}/complete`, {
      client: a.client,
      body: { lease_id: t.lease_id, completion_id: completionId, result: FACTS },
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ status: "succeeded" });
    const got = await call("GET", `/tasks/${id}`, { client: a.client });
    expect(got.body).toMatchObject({ id, status: "succeeded", attempt: 1 });
    const [row] = await db().select().from(tasks).where(eq(tasks.id, id));
    expect(row!.lease_holder).toBe(a.instanceId);
    expect(row!.result).toEqual(FACTS);
  });

  it("hides another instance's task: 404 on get, start and complete, and nothing changes", async () => {
    const id = await newTask(a.instanceId);
    const leased = await call("POST", "/tasks/lease", {
      client: a.client,
      body: { max: 1, commands: ["collect_facts"] },
    });
    const leaseId = leased.body.tasks[0].lease_id as string;
    // b cannot lease it either.
    const bLease = await call("POST", "/tasks/lease", {
      client: b.client,
      body: { max: 4, commands: ["collect_facts"] },
    });
    expect(bLease.body.tasks).toEqual([]);
    const get = await call("GET", `/tasks/${id}`, { client: b.client });
    expect(get.status).toBe(404);
    expect(get.body.code).toBe("not_found");
    const start = await call("POST", `/tasks/${id}/start`, { client: b.client, body: { lease_id: leaseId } });
    expect(start.status).toBe(404);
    const complete = await call("POST", `/tasks/${id}/complete`, {
      client: b.client,
      body: { lease_id: leaseId, completion_id: randomUUID(), result: FACTS },
    });
    expect(complete.status).toBe(404);
    const [row] = await db().select().from(tasks).where(eq(tasks.id, id));
    expect(row!.status).toBe("leased");
    expect(row!.started_at).toBeNull();
  });

  it("long-polls until a task appears", async () => {
    const polling = call("POST", "/tasks/lease", {
      client: b.client,
      body: { max: 1, commands: ["collect_facts"], wait_seconds: 5 },
    });
    await new Promise((r) => setTimeout(r, 300));
    const id = await newTask(b.instanceId);
    const res = await polling;
    expect(res.status).toBe(200);
    expect(res.body.tasks.map((t: { id: string }) => t.id)).toEqual([id]);
  });

  it("validates lease bounds with 400 naming the field", async () => {
    const res = await call("POST", "/tasks/lease", {
      client: a.client,
      body: { max: 17, commands: ["collect_facts"] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain("max");
  });
});
