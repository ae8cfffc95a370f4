// Module delivery as a real task: a local instance runs the real on-node agent process; a module
// published and assigned through the REST API reaches it when an operator queues sync_modules —
// the agent leases the task, fetches its desired set and the blob over mTLS, verifies it and stages
// it into the instance's working directory; disabling the assignment and syncing again removes it,
// and a blob that fails verification is reported in the task result and as a fleet event.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amd64Platform, assignModule, publishModule } from "../agent-api/delivery-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

// A loaded 2-core machine: the agent starts twice through tsx (enroll, then run) before it beats.
const WAIT_MS = 60_000;

let fleet: TestFleet;
let nodeId: string;

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

async function runTask(instanceId: string, command: string) {
  const res = await fleet.api("POST", "/api/v1/tasks", {
    body: { subject_type: "node_instance", subject_id: instanceId, command, payload: {} },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return settledTask(res.body.data.task.id);
}

beforeAll(async () => {
  fleet = await createTestFleet();
  await fleet.runtime.startAgentApi(0);
  const platforms = await fleet.api("GET", "/api/v1/node_platforms");
  const template = await fleet.api("POST", "/api/v1/node_templates", {
    body: { name: "delivery-task", node_platform_id: platforms.body.data[0].id },
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  const node = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "delivery-task-1", node_template_id: template.body.data.id },
  });
  expect(node.status, JSON.stringify(node.body)).toBe(201);
  nodeId = node.body.data.id;
}, WAIT_MS);
afterAll(async () => {
  await fleet?.close();
});

describe("sync_modules as a task on a real agent", () => {
  it(
    "stages an assigned module into the instance's working directory, and removes it when unassigned",
    async () => {
      const created = await fleet.api("POST", "/api/v1/node_instances", { body: { node_id: nodeId, name: "dlv-1" } });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const instanceId: string = created.body.data.instance.id;
      expect((await settledTask(created.body.data.task.id)).status).toBe("succeeded");
      const running = await waitFor(
        "the agent to enroll and heartbeat",
        async () => (await fleet.api("GET", `/api/v1/node_instances/${instanceId}`)).body.data,
        (i) => i.status === "running",
      );
      const stateDir = join(fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", running.cloud_instance_id, "state");

      const platformId = await amd64Platform(fleet);
      const mod = await publishModule(fleet, "task-web", platformId);
      const assignmentId = await assignModule(fleet, nodeId, mod.moduleId);

      const synced = await runTask(instanceId, "sync_modules");
      expect(synced.status, JSON.stringify(synced)).toBe("succeeded");
      expect(synced.result).toEqual({ attached: [mod.moduleId], detached: [], reattached: [], failed: [] });
      const staged = join(stateDir, "modules", mod.moduleId, `${mod.digest.slice("sha256:".length)}.erofs`);
      expect(readFileSync(staged).equals(mod.bytes)).toBe(true);
      const manifest = JSON.parse(readFileSync(join(stateDir, "modules", mod.moduleId, "manifest.json"), "utf8"));
      expect(manifest.name).toBe("task-web");

      const converged = await runTask(instanceId, "apply_config");
      expect(converged.status, JSON.stringify(converged)).toBe("succeeded");
      expect(converged.result).toEqual({ converged: [mod.moduleId], not_converged: [] });

      const off = await fleet.api("POST", `/api/v1/node_module_assignments/${assignmentId}/disable`, { body: {} });
      expect(off.status, JSON.stringify(off.body)).toBe(200);
      const removed = await runTask(instanceId, "sync_modules");
      expect(removed.result).toEqual({ attached: [], detached: [mod.moduleId], reattached: [], failed: [] });
      expect(existsSync(join(stateDir, "modules", mod.moduleId))).toBe(false);

      // A refused blob is named in the report, and the agent's outbox carries module.verify_failed
      // to the platform's event log.
      const bad = await publishModule(fleet, "task-bad-root", platformId, { fsverity: "ef".repeat(32) });
      await assignModule(fleet, nodeId, bad.moduleId);
      const refused = await runTask(instanceId, "sync_modules");
      expect(refused.status, JSON.stringify(refused)).toBe("succeeded");
      expect(refused.result.failed).toEqual([
        { module_id: bad.moduleId, error_code: "fsverity_failed", message: expect.stringContaining("task-bad-root") },
      ]);
      expect(existsSync(join(stateDir, "modules", bad.moduleId))).toBe(false);
      const event = await waitFor(
        "module.verify_failed in the event log",
        async () => {
          const res = await fleet.api("GET", `/api/v1/events?node_instance_id=${instanceId}&order=asc&limit=200`);
          return (
            res.body.data as { kind: string; severity: string; source: string; payload: Record<string, unknown> }[]
          ).find((e) => e.kind === "module.verify_failed");
        },
        (e) => e !== undefined,
      );
      expect(event).toMatchObject({
        severity: "high",
        source: "agent",
        payload: { module_id: bad.moduleId, digest: bad.digest, check: "fsverity" },
      });
    },
    4 * WAIT_MS,
  );
});
