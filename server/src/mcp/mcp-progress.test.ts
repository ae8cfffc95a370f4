// Progress for task-backed tools over Streamable HTTP (spec/mcp.md §5 "Long work"), through the
// SDK's client against the real runtime: with a progressToken, instance_reboot stays open and sends
// notifications/progress from the task's committed events (the agent's lease, start, percent and
// completion, played here through the task protocol) until the task is final, answers with the
// final task and logs it at info (unless the client's logging level hides it); without a token it
// answers at once; and the wait is bounded.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import {
  completeTask,
  type EventOrigin,
  leaseTasks,
  recordHeartbeat,
  renewTask,
  startTask,
  systemPrincipal,
} from "@nodepilot/core";
import {
  AuditBuffer,
  buildToolIndex,
  createSessionServer,
  DEFAULT_RATE_LIMITS,
  McpHttpEndpoint,
  RateLimiter,
} from "@nodepilot/mcp-server";
import { tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type Fetch, type McpClients, mcpClients } from "../testing/mcp-client.ts";
import { eventFeedOf } from "./event-feed.ts";

let fleet: TestFleet;
let instanceId: string;
let boot = 1;
let mcp: McpClients;

const db = () => fleet.runtime.database.db;
const origin = (): EventOrigin => ({
  principal: systemPrincipal(fleet.runtime.accountId, []),
  source: "agent",
  correlationId: null,
  now: new Date(),
});

/** An admin client that records the log messages it is sent; the fleet's app unless `fetch` is given. */
async function connect(fetch?: Fetch): Promise<{ client: Client; logs: LoggingMessageNotification["params"][] }> {
  const logs: LoggingMessageNotification["params"][] = [];
  const client = await mcp.connect(fleet.tokens.admin, {
    name: "nodepilot-progress-test",
    fetch,
    setup: (c) =>
      c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(n.params);
      }),
    // Every result below is then validated against its tool's output schema.
    listTools: true,
  });
  return { client, logs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The queued graceful reboot task of the instance, once the call has created it. */
async function queuedReboot(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [row] = await db()
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.subject_id, instanceId), eq(tasks.command, "reboot"), eq(tasks.status, "pending")));
    if (row) return row.id;
    await sleep(25);
  }
  throw new Error("no reboot task was queued");
}

/** Play the agent: lease, start, report 40 %, complete (deferred), then beat from the new boot. */
async function agentReboots(taskId: string): Promise<void> {
  const [leased] = await leaseTasks(db(), origin(), {
    executor: "agent",
    holder: instanceId,
    limit: 1,
    subjects: [{ type: "node_instance", id: instanceId }],
    now: new Date(),
  });
  expect(leased?.id).toBe(taskId);
  const lease = { taskId, leaseId: leased!.lease_id! };
  await startTask(db(), origin(), { ...lease, now: new Date() });
  await renewTask(db(), origin(), { ...lease, progress: 40, message: "stopping services", now: new Date() });
  const done = await completeTask(db(), origin(), {
    ...lease,
    completionId: crypto.randomUUID(),
    result: { previous_boot_id: `boot-${boot}` },
    now: new Date(),
  });
  expect(done.deferred).toBe(true);
  boot++;
  const beat = await recordHeartbeat(db(), origin(), { instanceId, bootId: `boot-${boot}`, now: new Date() });
  expect(beat.transitionedTo).toBe("running");
}

async function settled(taskId: string) {
  const res = await fleet.api("GET", `/api/v1/tasks/${taskId}?wait_seconds=40`);
  return res.body.data.task as { status: string };
}

beforeAll(async () => {
  fleet = await createTestFleet({ localWorkload: "idle" });
  mcp = mcpClients(fleet);
  const template = await fleet.createTemplate("mcp-progress");
  const node = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "progress-node", node_template_id: template },
  });
  expect(node.status).toBe(201);
  const made = await fleet.api("POST", "/api/v1/node_instances", { body: { node_id: node.body.data.id } });
  expect(made.status).toBe(202);
  instanceId = made.body.data.instance.id;
  expect((await settled(made.body.data.task.id)).status).toBe("succeeded");
  const beat = await recordHeartbeat(db(), origin(), {
    instanceId,
    bootId: `boot-${boot}`,
    agentVersion: "0.1.0",
    now: new Date(),
  });
  expect(beat.instance.status).toBe("running");
}, 60_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("task-backed tools with a progressToken", () => {
  it("hold the call open, report each task change as increasing progress, and answer with the final task", async () => {
    const { client, logs } = await connect();
    const progress: Progress[] = [];
    const started = Date.now();
    const call = client.callTool(
      { name: "instance_reboot", arguments: { id: instanceId, reason: "kernel update" } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p) },
    );
    const taskId = await queuedReboot();
    await agentReboots(taskId);
    const result = await call;
    console.log(`reboot with progress answered after ${Date.now() - started} ms, ${progress.length} notifications`);

    expect(result.isError).toBeFalsy();
    const out = result.structuredContent as { instance: { id: string }; task: { id: string; status: string } };
    expect(out.instance.id).toBe(instanceId);
    expect(out.task).toMatchObject({ id: taskId, status: "succeeded", progress: 100 });

    const messages = progress.map((p) => p.message);
    expect(messages).toEqual([
      "reboot: pending",
      "reboot: leased",
      "reboot: running",
      "reboot: running 40% (stopping services)",
      "reboot: running 40% (done on the node; waiting for it to confirm (a heartbeat))",
      "reboot: succeeded",
    ]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    expect(progress.at(-1)).toMatchObject({ progress: 100, total: 100 });

    // The final state is also logged, at info, on the session's stream.
    for (let i = 0; i < 100 && !logs.length; i++) await sleep(20);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "info",
        data: expect.objectContaining({ task_id: taskId, command: "reboot", status: "succeeded" }),
      }),
    );
  }, 60_000);

  it("follow a control-plane task to its end, and send no info log to a client that set its level to warning", async () => {
    const { client, logs } = await connect();
    await client.setLoggingLevel("warning");
    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: "instance_reboot", arguments: { id: instanceId, hard: true, reason: "hung" } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p) },
    );
    const out = result.structuredContent as { task: { command: string; status: string } };
    expect(out.task).toMatchObject({ command: "power_cycle", status: "succeeded" });
    expect(progress.at(-1)).toMatchObject({ progress: 100, message: "power_cycle: succeeded" });
    await sleep(300);
    expect(logs).toEqual([]);
  }, 60_000);

  it("answer at once without a progressToken, as before", async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: "instance_reboot", arguments: { id: instanceId } });
    const out = result.structuredContent as { task: { id: string; status: string } };
    expect(out.task.status).toBe("pending");
    await agentReboots(out.task.id);
  }, 60_000);
});

describe("the progress wait", () => {
  it("ends when the wait is over, answering with the task as it stands", async () => {
    // An endpoint of our own with a short wait (the runtime's is the spec's 45 s).
    const audit = new AuditBuffer(fleet.runtime.database, fleet.runtime.services.logger);
    const deps = {
      services: fleet.runtime.services,
      auth: fleet.runtime.auth,
      tools: buildToolIndex(fleet.runtime.catalog),
      limiter: new RateLimiter(DEFAULT_RATE_LIMITS),
      audit,
      events: eventFeedOf(fleet.runtime.events),
      publicUrl: "http://127.0.0.1:8080",
      progressWaitMs: 1500,
    };
    const endpoint = new McpHttpEndpoint({
      auth: fleet.runtime.auth,
      serverFor: (token) => createSessionServer(deps, { token }),
      allowedHosts: ["127.0.0.1"],
      allowedOrigins: [],
    });
    try {
      const { client } = await connect(async (url, init) => endpoint.handle(new Request(url, init)));
      const progress: Progress[] = [];
      const started = Date.now();
      const result = await client.callTool(
        { name: "instance_reboot", arguments: { id: instanceId, reason: "nobody leases this" } },
        CallToolResultSchema,
        { onprogress: (p) => progress.push(p) },
      );
      const elapsed = Date.now() - started;
      console.log(`a call with nothing moving answered after ${elapsed} ms (wait 1500 ms)`);
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(10_000);
      const out = result.structuredContent as { task: { id: string; status: string } };
      expect(out.task.status).toBe("pending");
      expect(progress.map((p) => p.message)).toEqual(["reboot: pending"]);
      expect((result.content as { text: string }[])[0]!.text).toContain("still pending");
      await agentReboots(out.task.id);
    } finally {
      await endpoint.close();
      await audit.flush();
    }
  }, 60_000);
});
