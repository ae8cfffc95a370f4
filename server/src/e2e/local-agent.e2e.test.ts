// End to end through the REST API: a local instance runs the real on-node agent, which enrolls with
// the bootstrap token provisioning wrote into its sandbox, heartbeats the instance to running, leases
// and executes a collect_facts task, and dies with the instance on terminate.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashBootstrapToken, sandboxPids } from "@nodepilot/core";
import { bootstrap_tokens, node_certificates, tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

// A loaded 2-core machine: the agent starts twice through tsx (enroll, then run) before it beats.
const WAIT_MS = 60_000;

let fleet: TestFleet;
let nodeId: string;

const db = () => fleet.runtime.database.db;

/** Polls `read` until `done` holds, up to WAIT_MS; the last value explains a timeout. */
async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

/** Long-polls GET /tasks/:id until the task is final (bounded by WAIT_MS overall). */
async function settledTask(id: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await fleet.api("GET", `/api/v1/tasks/${id}?wait_seconds=20`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const task = res.body.data.task;
    if (["succeeded", "failed", "cancelled", "expired"].includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status}: ${JSON.stringify(task)}`);
  }
}

const instance = async (id: string) => {
  const res = await fleet.api("GET", `/api/v1/node_instances/${id}`);
  expect(res.status).toBe(200);
  return res.body.data;
};

beforeAll(async () => {
  fleet = await createTestFleet();
  const platforms = await fleet.api("GET", "/api/v1/node_platforms");
  expect(platforms.status).toBe(200);
  const template = await fleet.api("POST", "/api/v1/node_templates", {
    body: { name: "e2e-agent", node_platform_id: platforms.body.data[0].id },
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  const node = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "e2e-agent-1", node_template_id: template.body.data.id },
  });
  expect(node.status, JSON.stringify(node.body)).toBe(201);
  nodeId = node.body.data.id;
}, WAIT_MS);

afterAll(async () => {
  // Closing the fleet kills whatever agent a failed test left behind.
  await fleet?.close();
});

describe("local provider without the agent listener", () => {
  it(
    "refuses to provision, with a clear task error, and issues no token",
    async () => {
      expect(fleet.runtime.agentApi).toBeUndefined();
      const res = await fleet.api("POST", "/api/v1/node_instances", { body: { node_id: nodeId, name: "no-listener" } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const { instance: inst, task } = res.body.data;
      const failed = await waitFor(
        "the provision attempt to fail",
        async () => (await db().select().from(tasks).where(eq(tasks.id, task.id)))[0]!,
        (t) => t.error_code !== null,
      );
      expect(failed.error_code).toBe("agent_api_unavailable");
      expect(failed.error_message).toContain("agent listener is not running");
      // Nothing moved: no token, no machine, the instance is still pending.
      const tokens = await db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.node_instance_id, inst.id));
      expect(tokens).toHaveLength(0);
      const after = await instance(inst.id);
      expect(after.status).toBe("pending");
      expect(after.cloud_instance_id).toBeNull();
      // Leave no task retrying into the listener the next test starts.
      const cancel = await fleet.api("POST", `/api/v1/tasks/${task.id}/cancel`, {
        body: { reason: "the e2e test starts the listener next" },
      });
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
      // An attempt in flight must end before the listener starts, or it would create the machine.
      expect((await settledTask(task.id)).status).toBe("cancelled");
    },
    WAIT_MS,
  );
});

describe("local instance running the real agent", () => {
  it(
    "enrolls, heartbeats to running, runs collect_facts and dies on terminate",
    async () => {
      const api = await fleet.runtime.startAgentApi(0);
      expect(api.port).toBeGreaterThan(0);

      const res = await fleet.api("POST", "/api/v1/node_instances", { body: { node_id: nodeId, name: "agent-1" } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const id: string = res.body.data.instance.id;
      expect(res.body.data.instance.status).toBe("pending");

      const provisioned = await settledTask(res.body.data.task.id);
      expect(provisioned.status, JSON.stringify(provisioned)).toBe("succeeded");
      const cloudId: string = (await instance(id)).cloud_instance_id;
      const dir = join(fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", cloudId);
      // The token went to the machine only: into its private identity.cfg, never into the task.
      const [token] = await db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.node_instance_id, id));
      expect(token).toMatchObject({ purpose: "enroll", intended_subject: id });
      const cfgPath = join(dir, "identity.cfg");
      expect(statSync(cfgPath).mode & 0o777).toBe(0o600);
      const cfg = readFileSync(cfgPath, "utf8");
      const key = /^KEY='([^']+)'$/m.exec(cfg)?.[1];
      expect(key && hashBootstrapToken(key)).toBe(token!.token_hash);
      expect(cfg).toContain(`ID='${id}'`);
      expect(cfg).toContain(`SERVER='https://127.0.0.1:${api.port}'`);
      expect(readFileSync(join(dir, "ca.pem"), "utf8")).toBe(api.caPem);
      expect(JSON.stringify(provisioned)).not.toContain(key);

      const running = await waitFor(
        "the agent to enroll and heartbeat",
        () => instance(id),
        (i) => i.status === "running",
      );
      expect(running.last_heartbeat_at).not.toBeNull();
      const certs = await db()
        .select()
        .from(node_certificates)
        .where(and(eq(node_certificates.node_instance_id, id), eq(node_certificates.status, "active")));
      expect(certs).toHaveLength(1);
      const [consumed] = await db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.id, token!.id));
      expect(consumed!.consumed_at).not.toBeNull();

      const created = await fleet.api("POST", "/api/v1/tasks", {
        body: { subject_type: "node_instance", subject_id: id, command: "collect_facts" },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const facts = await settledTask(created.body.data.task.id);
      expect(facts.status, JSON.stringify(facts)).toBe("succeeded");
      expect(facts.result).toMatchObject({
        hostname: expect.any(String),
        kernel: expect.any(String),
        memory_mb: expect.any(Number),
      });

      const events = await fleet.api("GET", `/api/v1/events?node_instance_id=${id}&order=asc&limit=200`);
      expect(events.status).toBe(200);
      const kinds: { kind: string; payload: Record<string, unknown> }[] = events.body.data;
      const at = (pred: (e: (typeof kinds)[number]) => boolean) => kinds.findIndex(pred);
      const enrolled = at((e) => e.kind === "instance.enrolled");
      const toRunning = at((e) => e.kind === "instance.transitioned" && e.payload.to === "running");
      const factsDone = at(
        (e) => e.kind === "task.transitioned" && e.payload.command === "collect_facts" && e.payload.to === "succeeded",
      );
      expect(enrolled, JSON.stringify(kinds.map((e) => e.kind))).toBeGreaterThanOrEqual(0);
      expect(toRunning).toBeGreaterThan(enrolled);
      expect(factsDone).toBeGreaterThan(toRunning);
      expect(JSON.stringify(kinds)).not.toContain(key);

      const pids = await sandboxPids(dir);
      // Supervisor, agent wrapper and the agent itself.
      expect(pids.length).toBeGreaterThanOrEqual(3);

      const terminate = await fleet.api("POST", `/api/v1/node_instances/${id}/terminate`);
      expect(terminate.status, JSON.stringify(terminate.body)).toBe(202);
      const terminated = await settledTask(terminate.body.data.task.id);
      expect(terminated.status, JSON.stringify(terminated)).toBe("succeeded");
      expect((await instance(id)).status).toBe("terminated");
      for (const pid of pids) {
        expect(() => process.kill(pid, 0), `pid ${pid} still alive`).toThrow();
      }
      expect(await sandboxPids(dir)).toEqual([]);
    },
    4 * WAIT_MS,
  );
});
