// MCP prompts and completions through the SDK's own client against the real app (spec/mcp.md §5):
// each prompt renders the seeded fleet's real state, arguments are checked and named, reads run
// under the token's scopes, and completions resolve names and ids by prefix, ranked and counted.
import { randomUUID } from "node:crypto";
import { issueToken, toolName } from "@nodepilot/core";
import { isExported, NODEPILOT_PROMPTS } from "@nodepilot/mcp-server";
import { node_instances, tasks } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type McpClients, mcpClients } from "../testing/mcp-client.ts";

let fleet: TestFleet;
let mcp: McpClients;

async function tokenWith(scopes: string[]) {
  const t = await issueToken(fleet.runtime.database.db, {
    accountId: fleet.runtime.accountId,
    userId: fleet.runtime.ownerUserId,
    name: `scoped ${randomUUID()}`,
    scopes,
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return t.plaintext;
}

const textOf = (messages: { content: { type: string; text?: string; resource?: { text?: string } } }[]) =>
  messages.map((m) => m.content.text ?? m.content.resource?.text ?? "").join("\n");

let nodeId: string;
let instanceId: string;
let twinId: string;
let moduleId: string;
let heartbeatAt: Date;
let rebootTaskId: string;

beforeAll(async () => {
  fleet = await createTestFleet({ localWorkload: "idle" });
  mcp = mcpClients(fleet);
  const db = fleet.runtime.database.db;
  const template = await fleet.createTemplate("prompt-edge");
  const node = await fleet.api("POST", "/api/v1/nodes", { body: { name: "triage-node", node_template_id: template } });
  expect(node.status).toBe(201);
  nodeId = node.body.data.id;
  heartbeatAt = new Date(Date.now() - 10 * 60_000);
  const base = { account_id: fleet.runtime.accountId, node_id: nodeId, variety: "local" as const };
  const [box, twin] = await db
    .insert(node_instances)
    .values([
      { ...base, name: "triage-box-1", status: "running", last_heartbeat_at: heartbeatAt, agent_version: "9.8.7" },
      { ...base, name: "triage-box-2", status: "stopped" },
    ])
    .returning();
  instanceId = box!.id;
  twinId = twin!.id;
  await db.insert(node_instances).values(
    Array.from({ length: 105 }, (_, i) => ({
      ...base,
      name: `bulk-${String(i).padStart(3, "0")}`,
      status: "stopped" as const,
    })),
  );
  // A reboot that failed: the task and the instance.transitioned event are the real ones.
  const reboot = await fleet.api("POST", `/api/v1/node_instances/${instanceId}/reboot`, {
    body: { reason: "kernel update" },
  });
  expect(reboot.status).toBe(202);
  rebootTaskId = reboot.body.data.task.id;
  await db
    .update(tasks)
    .set({ status: "failed", error_code: "agent_unreachable", error_message: "agent did not answer within 30 s" })
    .where(eq(tasks.id, rebootTaskId));
  await db.update(node_instances).set({ status: "running" }).where(eq(node_instances.id, instanceId));

  const mod = await fleet.api("POST", "/api/v1/node_modules", {
    body: { name: "nginx-edge", file_spec: ["/etc/nginx/***"], package_spec: ["nginx"] },
  });
  expect(mod.status).toBe(201);
  moduleId = mod.body.data.id;
  const edit = await fleet.api("PATCH", `/api/v1/node_modules/${moduleId}`, {
    body: { package_spec: ["nginx", "nginx-extras"] },
  });
  expect(edit.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("prompts", () => {
  it("lists the three operator prompts with their arguments", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    expect(client.getServerCapabilities()).toMatchObject({ prompts: { listChanged: false }, completions: {} });
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(NODEPILOT_PROMPTS.map((p) => p.name).sort());
    expect(prompts.map((p) => p.name)).toEqual(
      expect.arrayContaining(["triage_instance", "plan_module_upgrade", "review_pending_approvals"]),
    );
    const triage = prompts.find((p) => p.name === "triage_instance")!;
    expect(triage.arguments).toEqual([{ name: "instance", description: expect.any(String), required: true }]);
    const plan = prompts.find((p) => p.name === "plan_module_upgrade")!;
    expect(plan.arguments?.map((a) => [a.name, a.required])).toEqual([
      ["module", true],
      ["target_version", false],
    ]);
  });

  it("triage_instance embeds the instance's real state, found by name or id", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const byName = await client.getPrompt({ name: "triage_instance", arguments: { instance: "triage-box-1" } });
    const text = textOf(byName.messages as never);
    expect(text).toContain(`instance triage-box-1 (id ${instanceId}) on node triage-node (id ${nodeId})`);
    expect(text).toContain("status: running");
    expect(text).toContain(heartbeatAt.toISOString());
    expect(text).toContain("(SILENT)");
    expect(text).toContain("9.8.7");
    expect(text).toContain(`reboot failed (attempt`);
    expect(text).toContain("agent did not answer within 30 s");
    expect(text).toContain(`task_get {id: "${rebootTaskId}"}`);
    expect(text).toMatch(/instance\.transitioned/);
    // The model is told which tools to call; each one exists.
    const tools = new Set(fleet.runtime.catalog.operations.filter(isExported).map((op) => toolName(op.name)));
    for (const name of ["instance_get", "event_list", "task_list", "task_get", "assignment_list", "instance_reboot"]) {
      expect(text).toContain(name);
      expect(tools.has(name)).toBe(true);
    }
    const resource = byName.messages.find((m) => m.content.type === "resource")!.content as {
      resource: { uri: string; mimeType: string; text: string };
    };
    expect(resource.resource.uri).toBe(`nodepilot://instances/${instanceId}`);
    const state = JSON.parse(resource.resource.text);
    expect(state.instance).toMatchObject({
      id: instanceId,
      status: "running",
      last_heartbeat_at: heartbeatAt.toISOString(),
    });
    expect(state.node).toMatchObject({ id: nodeId, name: "triage-node" });
    expect(state.recent_tasks[0]).toMatchObject({ id: rebootTaskId, status: "failed" });

    const byId = await client.getPrompt({ name: "triage_instance", arguments: { instance: twinId } });
    expect(textOf(byId.messages as never)).toContain("instance triage-box-2");
    expect(textOf(byId.messages as never)).toContain("It is stopped");
  });

  it("plan_module_upgrade shows the versions, defaults the target and honours a named one", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const plan = await client.getPrompt({ name: "plan_module_upgrade", arguments: { module: "NGINX-edge" } });
    const text = textOf(plan.messages as never);
    expect(text).toContain(`module nginx-edge (id ${moduleId}) from no current version to v2`);
    expect(text).toMatch(/- v2 id [0-9a-f-]+, created .*: draft; TARGET/);
    expect(text).toMatch(/- v1 id [0-9a-f-]+, created .*: draft;/);
    expect(text).toContain("trust policy MISSING");
    expect(text).toContain("module_version_publish");
    const named = await client.getPrompt({
      name: "plan_module_upgrade",
      arguments: { module: moduleId, target_version: "v1" },
    });
    expect(textOf(named.messages as never)).toContain("from no current version to v1");
    await expect(
      client.getPrompt({ name: "plan_module_upgrade", arguments: { module: "nginx-edge", target_version: "7" } }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("target_version") });
  });

  it("review_pending_approvals embeds the pending queue, marking what the caller asked for", async () => {
    const admin = await mcp.connect(fleet.tokens.admin);
    const spare = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "spare-node", node_template_id: await fleet.createTemplate("prompt-spare") },
    });
    const held = await admin.callTool({ name: "node_delete", arguments: { id: spare.body.data.id } });
    const pending = held.structuredContent as { approval_request_id: string; action_digest: string };
    expect(pending.approval_request_id).toBeTruthy();

    const review = await admin.getPrompt({ name: "review_pending_approvals", arguments: { limit: "5" } });
    const text = textOf(review.messages as never);
    expect(text).toContain(`${pending.approval_request_id}: node.delete on node ${spare.body.data.id}`);
    expect(text).toContain(`payload_hash ${pending.action_digest}`);
    expect(text).toContain("requested by you (someone else must approve)");
    expect(text).toContain("approval_request_approve");
    const resource = review.messages.find((m) => m.content.type === "resource")!.content as {
      resource: { uri: string; text: string };
    };
    expect(resource.resource.uri).toBe("nodepilot://approvals/pending");
    expect(JSON.parse(resource.resource.text).items.map((r: { id: string }) => r.id)).toContain(
      pending.approval_request_id,
    );
    await expect(
      admin.getPrompt({ name: "review_pending_approvals", arguments: { limit: "0" } }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("limit") });
  });

  it("names only tools that exist: every `tool_name {…}` a prompt tells the model to call is exported", async () => {
    const client = await mcp.connect(fleet.tokens.admin);
    const rendered = await Promise.all([
      client.getPrompt({ name: "triage_instance", arguments: { instance: "triage-box-1" } }),
      client.getPrompt({ name: "plan_module_upgrade", arguments: { module: "nginx-edge" } }),
      client.getPrompt({ name: "review_pending_approvals" }),
    ]);
    const tools = new Set(fleet.runtime.catalog.operations.filter(isExported).map((op) => toolName(op.name)));
    const called = new Set(
      rendered.flatMap((r) =>
        [...textOf(r.messages as never).matchAll(/\b([a-z]+(?:_[a-z]+)+) \{/g)].map((m) => m[1]!),
      ),
    );
    expect(called.size).toBeGreaterThan(15);
    expect([...called].filter((name) => !tools.has(name))).toEqual([]);
  });

  it("refuses a missing, unknown or unresolvable argument and an unknown prompt with -32602 naming it", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    await expect(client.getPrompt({ name: "triage_instance", arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining("instance: required"),
    });
    await expect(
      client.getPrompt({ name: "triage_instance", arguments: { instance: "triage-box-1", bogus: "x" } }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("bogus: unknown argument") });
    await expect(
      client.getPrompt({ name: "triage_instance", arguments: { instance: "no-such-box" } }),
    ).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('instance: no instance with id or name "no-such-box"'),
    });
    await expect(client.getPrompt({ name: "no_such_prompt" })).rejects.toMatchObject({ code: -32602 });
  });

  it("reads under the token's scopes: a missing scope is an error naming it", async () => {
    const fleetOnly = await mcp.connect(await tokenWith(["fleet:read"]));
    await expect(fleetOnly.getPrompt({ name: "review_pending_approvals" })).rejects.toMatchObject({
      code: -32003,
      message: expect.stringContaining("autonomy:read"),
      data: { code: "forbidden", required_scope: "autonomy:read" },
    });
    const autonomyOnly = await mcp.connect(await tokenWith(["autonomy:read"]));
    await expect(
      autonomyOnly.getPrompt({ name: "triage_instance", arguments: { instance: "triage-box-1" } }),
    ).rejects.toMatchObject({ code: -32003, message: expect.stringContaining("fleet:read") });
  });
});

describe("completions", () => {
  const prompt = (name: string) => ({ type: "ref/prompt" as const, name });

  it("completes instance names by prefix, exact match first, with ids for an id prefix", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const { completion } = await client.complete({
      ref: prompt("triage_instance"),
      argument: { name: "instance", value: "triage-" },
    });
    expect(completion).toEqual({ values: ["triage-box-1", "triage-box-2"], total: 2, hasMore: false });
    const exact = await client.complete({
      ref: prompt("triage_instance"),
      argument: { name: "instance", value: "TRIAGE-BOX-2" },
    });
    expect(exact.completion.values).toEqual(["triage-box-2"]);
    const byId = await client.complete({
      ref: prompt("triage_instance"),
      argument: { name: "instance", value: instanceId.slice(0, 13) },
    });
    expect(byId.completion.values).toContain(instanceId);
    // Wildcards are literal: nothing is named with a %.
    const literal = await client.complete({
      ref: prompt("triage_instance"),
      argument: { name: "instance", value: "%" },
    });
    expect(literal.completion.values).toEqual([]);
  });

  it("caps values at 100 and reports the total", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const { completion } = await client.complete({
      ref: prompt("triage_instance"),
      argument: { name: "instance", value: "bulk-" },
    });
    expect(completion.values).toHaveLength(100);
    expect(completion.values[0]).toBe("bulk-000");
    expect(completion).toMatchObject({ total: 105, hasMore: true });
  });

  it("completes module names and the chosen module's versions from context", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const mods = await client.complete({
      ref: prompt("plan_module_upgrade"),
      argument: { name: "module", value: "ngi" },
    });
    expect(mods.completion.values).toEqual(["nginx-edge"]);
    const versions = await client.complete({
      ref: prompt("plan_module_upgrade"),
      argument: { name: "target_version", value: "" },
      context: { arguments: { module: "nginx-edge" } },
    });
    expect(versions.completion).toEqual({ values: ["2", "1"], total: 2, hasMore: false });
    const byId = await client.complete({
      ref: prompt("plan_module_upgrade"),
      argument: { name: "target_version", value: "1" },
      context: { arguments: { module: moduleId } },
    });
    expect(byId.completion.values).toEqual(["1"]);
    const noModule = await client.complete({
      ref: prompt("plan_module_upgrade"),
      argument: { name: "target_version", value: "" },
    });
    expect(noModule.completion.values).toEqual([]);
  });

  it("completes the id of the node and instance resource templates", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const nodesDone = await client.complete({
      ref: { type: "ref/resource", uri: "nodepilot://nodes/{id}" },
      argument: { name: "id", value: "triage-n" },
    });
    expect(nodesDone.completion.values).toEqual([nodeId]);
    const instancesDone = await client.complete({
      ref: { type: "ref/resource", uri: "nodepilot://instances/{id}" },
      argument: { name: "id", value: "triage-box-2" },
    });
    expect(instancesDone.completion.values).toEqual([twinId]);
  });

  it("answers nothing for an argument without values, -32602 for an unknown prompt, and checks scope", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const none = await client.complete({
      ref: prompt("review_pending_approvals"),
      argument: { name: "limit", value: "1" },
    });
    expect(none.completion.values).toEqual([]);
    await expect(
      client.complete({ ref: prompt("no_such_prompt"), argument: { name: "x", value: "" } }),
    ).rejects.toMatchObject({ code: -32602 });
    const autonomyOnly = await mcp.connect(await tokenWith(["autonomy:read"]));
    await expect(
      autonomyOnly.complete({ ref: prompt("triage_instance"), argument: { name: "instance", value: "tri" } }),
    ).rejects.toMatchObject({ code: -32003, message: expect.stringContaining("fleet:read") });
  });

  it("answers within interactive time (figures printed)", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const median = async (n: number, call: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await call();
        ms.push(performance.now() - t);
      }
      return ms.sort((a, b) => a - b)[Math.floor(n / 2)]!;
    };
    const complete = await median(20, () =>
      client.complete({ ref: prompt("triage_instance"), argument: { name: "instance", value: "bulk-0" } }),
    );
    const triage = await median(10, () =>
      client.getPrompt({ name: "triage_instance", arguments: { instance: "triage-box-1" } }),
    );
    console.log(
      `median over HTTP in process: completion ${complete.toFixed(1)} ms, triage_instance ${triage.toFixed(1)} ms`,
    );
    expect(complete).toBeLessThan(1000);
    expect(triage).toBeLessThan(2000);
  });

  it("stays inside the account", async () => {
    const other = await createTestFleet({ localWorkload: "idle" });
    const others = mcpClients(other);
    try {
      const client = await others.connect(other.tokens.admin);
      const { completion } = await client.complete({
        ref: prompt("triage_instance"),
        argument: { name: "instance", value: "triage-" },
      });
      expect(completion.values).toEqual([]);
      await expect(
        client.getPrompt({ name: "triage_instance", arguments: { instance: instanceId } }),
      ).rejects.toMatchObject({ code: -32602 });
    } finally {
      await others.closeAll();
      await other.close();
    }
  }, 60_000);
});
