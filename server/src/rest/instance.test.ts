// Instance lifecycle over REST with the real control-plane runner and the local provider: provision
// starts a real process, heartbeats settle provisioning and reboots, stop/start/power-cycle drive the
// process, terminate removes it and cancels queued work, and refused requests write nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EventOrigin } from "@nodepilot/core";
import { completeTask, leaseTasks, recordHeartbeat, startTask, systemPrincipal } from "@nodepilot/core";
import type { ProviderCallContext } from "@nodepilot/core/providers";
import { fleet_events, node_instances, node_platforms, node_templates, tasks } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let templateId: string;
let nodeId: string;

const db = () => fleet.runtime.database.db;
const origin = (): EventOrigin => ({
  principal: systemPrincipal(fleet.runtime.accountId, []),
  source: "agent",
  correlationId: null,
  now: new Date(),
});
const providerCtx = (): ProviderCallContext => ({
  idempotencyToken: "test-observer",
  deadline: new Date(Date.now() + 60_000),
  signal: new AbortController().signal,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  credentials: {},
});
const local = () => fleet.runtime.services.providers.get("local");

async function counts() {
  const acct = fleet.runtime.accountId;
  const [e] = await db().select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  const [t] = await db().select({ c: count() }).from(tasks).where(eq(tasks.account_id, acct));
  const [i] = await db().select({ c: count() }).from(node_instances).where(eq(node_instances.account_id, acct));
  return { events: e!.c, tasks: t!.c, instances: i!.c };
}

async function instanceRow(id: string) {
  const [row] = await db().select().from(node_instances).where(eq(node_instances.id, id));
  return row!;
}

/** Long-polls the task until it is final (the runner does the work in the background). */
async function settled(taskId: string) {
  for (let i = 0; i < 3; i++) {
    const res = await fleet.api("GET", `/api/v1/tasks/${taskId}?wait_seconds=40`);
    expect(res.status).toBe(200);
    if (["succeeded", "failed", "cancelled", "expired"].includes(res.body.data.task.status)) return res.body.data.task;
  }
  throw new Error(`task ${taskId} did not settle`);
}

/** A pid recorded in the sandbox that is alive and not a zombie. */
function processAlive(cloudId: string): boolean {
  const dir = join(fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", cloudId);
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dir, "child.pid"), "utf8").trim(), 10);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function provision(body: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/node_instances", { body: { node_id: nodeId, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data as { instance: { id: string; status: string }; task: { id: string; command: string } };
}

/** Provision through HTTP, let the runner create the machine, then beat once: a running instance. */
async function runningInstance() {
  const { instance, task } = await provision();
  expect((await settled(task.id)).status).toBe("succeeded");
  const out = await recordHeartbeat(db(), origin(), {
    instanceId: instance.id,
    bootId: "boot-1",
    agentVersion: "0.1.0",
    now: new Date(),
  });
  expect(out.instance.status).toBe("running");
  return instance.id;
}

async function terminate(id: string) {
  const res = await fleet.api("POST", `/api/v1/node_instances/${id}/terminate`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return settled(res.body.data.task.id);
}

beforeAll(async () => {
  fleet = await createTestFleet({ localWorkload: "idle" });
  const [platform] = await db()
    .select()
    .from(node_platforms)
    .where(eq(node_platforms.account_id, fleet.runtime.accountId));
  const [t] = await db()
    .insert(node_templates)
    .values({ account_id: fleet.runtime.accountId, name: "inst-base", node_platform_id: platform!.id })
    .returning();
  templateId = t!.id;
  const node = await fleet.api("POST", "/api/v1/nodes", { body: { name: "inst-node", node_template_id: templateId } });
  expect(node.status).toBe(201);
  nodeId = node.body.data.id;
});

afterAll(async () => {
  // Every machine a test made is a real process: terminate whatever is left before closing.
  if (fleet) {
    const live = await db().select().from(node_instances).where(eq(node_instances.account_id, fleet.runtime.accountId));
    for (const i of live) {
      if (i.cloud_instance_id)
        await local()
          .terminateInstance(i.cloud_instance_id, {}, providerCtx())
          .catch(() => {});
    }
    await fleet.close();
  }
});

describe("instance lifecycle with the control-plane runner", () => {
  it("provisions a real local process; the first heartbeat makes it running", async () => {
    const { instance, task } = await provision({ name: "first" });
    expect(instance.status).toBe("pending");
    expect(task.command).toBe("provision");

    const done = await settled(task.id);
    expect(done.status).toBe("succeeded");
    expect(done.result.status).toBe("running");
    const provisioned = (await fleet.api("GET", `/api/v1/node_instances/${instance.id}`)).body.data;
    // Provider running is not enough: only the agent's first heartbeat proves the machine is up.
    expect(provisioned.status).toBe("provisioning");
    expect(provisioned.variety).toBe("local");
    expect(provisioned.cloud_instance_id).toBe(done.result.cloud_instance_id);
    expect(await local().syncStatus(provisioned.cloud_instance_id, providerCtx())).toBe("running");
    expect(processAlive(provisioned.cloud_instance_id)).toBe(true);

    const versionBefore = provisioned.version;
    const first = await recordHeartbeat(db(), origin(), { instanceId: instance.id, bootId: "boot-1", now: new Date() });
    expect(first).toMatchObject({ first: true, transitionedTo: "running" });
    const eventsAfterFirst = (await counts()).events;
    // A plain heartbeat changes no state: observed columns only, no version bump, no event.
    const plain = await recordHeartbeat(db(), origin(), {
      instanceId: instance.id,
      bootId: "boot-1",
      agentVersion: "0.2.0",
      now: new Date(),
    });
    expect(plain.transitionedTo).toBeNull();
    const row = await instanceRow(instance.id);
    expect(row).toMatchObject({
      status: "running",
      agent_version: "0.2.0",
      boot_id: "boot-1",
      version: versionBefore + 1,
    });
    expect((await counts()).events).toBe(eventsAfterFirst);

    const kinds = await db()
      .select({ kind: fleet_events.kind, payload: fleet_events.payload })
      .from(fleet_events)
      .where(and(eq(fleet_events.node_instance_id, instance.id), eq(fleet_events.kind, "instance.transitioned")))
      .orderBy(fleet_events.seq);
    expect(kinds.map((k) => [k.payload.from, k.payload.to])).toEqual([
      ["pending", "provisioning"],
      ["provisioning", "running"],
    ]);
    await terminate(instance.id);
  });

  it("stops and starts the real process; power-cycling boots it again", async () => {
    const id = await runningInstance();
    const cloudId = (await instanceRow(id)).cloud_instance_id!;

    const stop = await fleet.api("POST", `/api/v1/node_instances/${id}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body.data.instance.status).toBe("stopping");
    expect(stop.body.data.task).toMatchObject({ command: "stop", executor: "control_plane" });
    expect((await settled(stop.body.data.task.id)).status).toBe("succeeded");
    expect((await instanceRow(id)).status).toBe("stopped");
    expect(await local().syncStatus(cloudId, providerCtx())).toBe("stopped");
    expect(processAlive(cloudId)).toBe(false);

    const start = await fleet.api("POST", `/api/v1/node_instances/${id}/start`);
    expect(start.status).toBe(202);
    expect(start.body.data.instance.status).toBe("starting");
    expect((await settled(start.body.data.task.id)).status).toBe("succeeded");
    expect((await instanceRow(id)).status).toBe("running");
    expect(processAlive(cloudId)).toBe(true);

    const bootBefore = readFileSync(
      join(fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", cloudId, "boot_id"),
      "utf8",
    );
    const hard = await fleet.api("POST", `/api/v1/node_instances/${id}/reboot`, {
      body: { hard: true, reason: "hung" },
    });
    expect(hard.status).toBe(202);
    expect(hard.body.data.instance.status).toBe("rebooting");
    expect(hard.body.data.task.command).toBe("power_cycle");
    expect((await settled(hard.body.data.task.id)).status).toBe("succeeded");
    expect((await instanceRow(id)).status).toBe("running");
    const bootAfter = readFileSync(
      join(fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", cloudId, "boot_id"),
      "utf8",
    );
    expect(bootAfter).not.toBe(bootBefore);
    expect(processAlive(cloudId)).toBe(true);
    await terminate(id);
  });

  it("a graceful reboot is an agent task that a heartbeat with a new boot id settles", async () => {
    const id = await runningInstance();
    const res = await fleet.api("POST", `/api/v1/node_instances/${id}/reboot`, { body: { reason: "kernel update" } });
    expect(res.status).toBe(202);
    expect(res.body.data.instance.status).toBe("rebooting");
    expect(res.body.data.task).toMatchObject({
      command: "reboot",
      executor: "agent",
      payload: { reason: "kernel update" },
    });

    // The agent leases, starts and completes it (202 deferred): the task waits for the new boot.
    const [leased] = await leaseTasks(db(), origin(), {
      executor: "agent",
      holder: id,
      limit: 1,
      subjects: [{ type: "node_instance", id }],
      now: new Date(),
    });
    expect(leased?.id).toBe(res.body.data.task.id);
    await startTask(db(), origin(), { taskId: leased!.id, leaseId: leased!.lease_id!, now: new Date() });
    const deferred = await completeTask(db(), origin(), {
      taskId: leased!.id,
      leaseId: leased!.lease_id!,
      completionId: crypto.randomUUID(),
      result: { previous_boot_id: "boot-1" },
      now: new Date(),
    });
    expect(deferred.deferred).toBe(true);

    // A late beat from the old boot proves nothing.
    const stale = await recordHeartbeat(db(), origin(), { instanceId: id, bootId: "boot-1", now: new Date() });
    expect(stale.transitionedTo).toBeNull();
    expect((await instanceRow(id)).status).toBe("rebooting");

    const fresh = await recordHeartbeat(db(), origin(), { instanceId: id, bootId: "boot-2", now: new Date() });
    expect(fresh).toMatchObject({ rebooted: true, transitionedTo: "running", settledTaskIds: [leased!.id] });
    const [task] = await db().select().from(tasks).where(eq(tasks.id, leased!.id));
    expect(task).toMatchObject({ status: "succeeded", result: { previous_boot_id: "boot-1", boot_id: "boot-2" } });
    await terminate(id);
  });

  it("a hold blocks reboot, start and terminate (and writes nothing), but not stop", async () => {
    const id = await runningInstance();
    const held = await fleet.api("POST", `/api/v1/node_instances/${id}/hold`, { body: { reason: "forensics" } });
    expect(held.status).toBe(200);
    expect(held.body.data.hold).toMatchObject({ reason: "forensics" });

    const before = await counts();
    for (const [verb, body] of [
      ["reboot", {}],
      ["reboot", { hard: true }],
      ["terminate", {}],
      ["decommission", {}],
    ] as const) {
      const res = await fleet.api("POST", `/api/v1/node_instances/${id}/${verb}`, { body });
      expect(res.status, `${verb} ${JSON.stringify(res.body)}`).toBe(409);
      expect(res.body).toMatchObject({ code: "conflict", reason: "held", current_state: "running" });
    }
    expect(await counts()).toEqual(before);
    expect((await instanceRow(id)).status).toBe("running");

    const stop = await fleet.api("POST", `/api/v1/node_instances/${id}/stop`, { body: { force: true } });
    expect(stop.status).toBe(202);
    expect((await settled(stop.body.data.task.id)).status).toBe("succeeded");
    const start = await fleet.api("POST", `/api/v1/node_instances/${id}/start`);
    expect(start.status).toBe(409);
    expect(start.body).toMatchObject({ reason: "held", current_state: "stopped" });

    const released = await fleet.api("POST", `/api/v1/node_instances/${id}/release_hold`, { body: { reason: "done" } });
    expect(released.status).toBe(200);
    expect(released.body.data.hold).toBeNull();
    await terminate(id);
  });

  it("terminate removes the process, cancels queued work and keeps the node; a terminated instance refuses start", async () => {
    const id = await runningInstance();
    const cloudId = (await instanceRow(id)).cloud_instance_id!;
    const queued = await fleet.api("POST", "/api/v1/tasks", {
      body: { subject_type: "node_instance", subject_id: id, command: "collect_facts" },
    });
    expect(queued.status).toBe(202);

    const res = await fleet.api("POST", `/api/v1/node_instances/${id}/terminate`);
    expect(res.status).toBe(202);
    expect(res.body.data.instance.status).toBe("terminating");
    const done = await settled(res.body.data.task.id);
    expect(done).toMatchObject({ status: "succeeded", result: { terminated: true, cloud_instance_id: cloudId } });

    const row = await instanceRow(id);
    expect(row.status).toBe("terminated");
    expect(processAlive(cloudId)).toBe(false);
    expect(await local().syncStatus(cloudId, providerCtx())).toBe("terminated");
    const [facts] = await db().select().from(tasks).where(eq(tasks.id, queued.body.data.task.id));
    expect(facts).toMatchObject({ status: "cancelled", cancel_reason: "subject_terminated" });
    expect((await fleet.api("GET", `/api/v1/nodes/${nodeId}`)).status).toBe(200);

    const before = await counts();
    const start = await fleet.api("POST", `/api/v1/node_instances/${id}/start`);
    expect(start.status).toBe(409);
    expect(start.headers.get("content-type")).toContain("application/problem+json");
    expect(start.body).toMatchObject({ code: "conflict", reason: "invalid_transition", current_state: "terminated" });
    const again = await fleet.api("POST", `/api/v1/node_instances/${id}/terminate`);
    expect(again.status).toBe(409);
    expect(await counts()).toEqual(before);
  });

  it("decommission cordons, drains and terminates", async () => {
    const id = await runningInstance();
    const res = await fleet.api("POST", `/api/v1/node_instances/${id}/decommission`, {
      body: { drain_timeout_seconds: 5 },
    });
    expect(res.status).toBe(202);
    expect(res.body.data.instance).toMatchObject({ status: "terminating" });
    expect(res.body.data.instance.cordoned_at).not.toBeNull();
    const done = await settled(res.body.data.task.id);
    expect(done).toMatchObject({ status: "succeeded", result: { drained: true, terminated: true } });
    expect((await instanceRow(id)).status).toBe("terminated");
  });

  it("provision is idempotent on idempotency_key and refuses the key for a different request", async () => {
    const first = await provision({ name: "idem", idempotency_key: "idem-1" });
    // The runner's own writes (lease, start, finalizer) must be done before counting.
    await settled(first.task.id);
    const before = await counts();
    const replay = await provision({ name: "idem", idempotency_key: "idem-1" });
    expect(replay.instance.id).toBe(first.instance.id);
    expect(replay.task.id).toBe(first.task.id);
    expect(await counts()).toEqual(before);
    const other = await fleet.api("POST", "/api/v1/node_instances", {
      body: { node_id: nodeId, name: "idem-other", idempotency_key: "idem-1" },
    });
    expect(other.status).toBe(409);
    expect(other.body.reason).toBe("idempotency_mismatch");
    expect(await counts()).toEqual(before);
    await terminate(first.instance.id);
  });
});
