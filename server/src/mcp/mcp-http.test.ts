// MCP over Streamable HTTP through the SDK's own client against the real app (spec/mcp.md): the
// tool list is the catalog one-to-one (every read tool runs in mcp-read-tools.test.ts), scopes are
// checked at tools/call, bad arguments name the field, and a destructive call waits for a
// different person's approval — changing nothing until then — and runs once approved.
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { isExported } from "@nodepilot/mcp-server";
import { nodes } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type McpClients, mcpClients, toolError } from "../testing/mcp-client.ts";

let fleet: TestFleet;
let mcp: McpClients;

let nodeId: string;

beforeAll(async () => {
  fleet = await createTestFleet({ startJobs: true });
  mcp = mcpClients(fleet);
  const template = await fleet.createTemplate("mcp-edge");
  const created = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "mcp-node-1", node_template_id: template },
  });
  expect(created.status).toBe(201);
  nodeId = created.body.data.id;
}, 60_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("tools from the catalog", () => {
  it("lists exactly the exported catalog operations for an all-scopes token, with stable names and hints", async () => {
    const client = await mcp.connect(fleet.tokens.admin);
    const { tools } = await client.listTools();
    const expected = fleet.runtime.catalog.operations.filter(isExported).map((op) => op.name);
    expect(tools.map((t) => t._meta?.["nodepilot/operation"]).sort()).toEqual([...expected].sort());
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(t.name).toBe(String(t._meta?.["nodepilot/operation"]).replaceAll(".", "_"));
      expect(t.inputSchema.type).toBe("object");
      expect(t.outputSchema?.type).toBe("object");
      expect(typeof t.annotations?.readOnlyHint).toBe("boolean");
      expect(typeof t.annotations?.destructiveHint).toBe("boolean");
    }
    const terminate = tools.find((t) => t.name === "instance_terminate")!;
    expect(terminate.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(tools.find((t) => t.name === "instance_list")!.annotations).toMatchObject({
      readOnlyHint: true,
      idempotentHint: true,
    });
    // Secrets never reach a model: api_token.create is REST/CLI only.
    expect(tools.some((t) => t.name === "api_token_create")).toBe(false);
  });

  it("lists only what a read-only token may call", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(20);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });
});

describe("tools/call checks", () => {
  it("refuses a tool outside the token's scopes at call time, even if the client never listed it", async () => {
    const client = await mcp.connect(fleet.tokens.reader);
    const result = await client.callTool({ name: "node_update", arguments: { id: nodeId, description: "x" } });
    const e = toolError(result);
    expect(e).toMatchObject({ code: "forbidden", reason: "missing_scope", required_scope: "fleet:write" });
    const [row] = await fleet.runtime.database.db.select().from(nodes).where(eq(nodes.id, nodeId));
    expect(row!.description).not.toBe("x");
  });

  it("answers invalid arguments with an isError result naming the field", async () => {
    const client = await mcp.connect(fleet.tokens.admin);
    const result = await client.callTool({ name: "instance_list", arguments: { limit: "many" } });
    const e = toolError(result);
    expect(e.code).toBe("invalid_input");
    expect((e.errors as { path: string }[]).map((f) => f.path)).toContain("limit");
    const unknown = await client.callTool({ name: "node_get", arguments: { id: nodeId, bogus: 1 } });
    expect(toolError(unknown).code).toBe("invalid_input");
  });

  it("gives a JSON-RPC error for a tool that does not exist", async () => {
    const client = await mcp.connect(fleet.tokens.admin);
    await expect(
      client.request({ method: "tools/call", params: { name: "no_such_tool", arguments: {} } }, CallToolResultSchema),
    ).rejects.toMatchObject({ code: -32602 });
  });
});

describe("the autonomy gate at tools/call", () => {
  it("holds a destructive call as a pending approval, changes nothing, and runs it once a different person approves", async () => {
    const client = await mcp.connect(fleet.tokens.admin);
    const result = await client.callTool({ name: "node_delete", arguments: { id: nodeId } });
    expect(result.isError).toBeFalsy();
    const pending = result.structuredContent as Record<string, string>;
    expect(pending).toMatchObject({ status: "pending_approval", operation: "node.delete" });
    expect(pending.action_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(pending.approve_url).toContain(`/approval_requests/${pending.approval_request_id}/approve`);
    const db = fleet.runtime.database.db;
    expect(await db.select().from(nodes).where(eq(nodes.id, nodeId))).toHaveLength(1);

    // Asking again while it waits finds the same request.
    const again = await client.callTool({ name: "node_delete", arguments: { id: nodeId } });
    expect((again.structuredContent as Record<string, string>).approval_request_id).toBe(pending.approval_request_id);

    // The requester cannot approve their own call (four-eyes).
    const self = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`, {
      body: { payload_hash: pending.action_digest },
    });
    expect(self.status).toBe(403);
    expect(await db.select().from(nodes).where(eq(nodes.id, nodeId))).toHaveLength(1);

    const approved = await fleet.api(
      "POST",
      `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`,
      {
        token: fleet.tokens.writer,
        body: { payload_hash: pending.action_digest },
      },
    );
    expect(approved.status).toBe(200);
    expect(approved.body.data.status).toBe("approved");

    // The client follows its request; the approved call runs as the token that asked.
    let request: Record<string, unknown> = {};
    for (let i = 0; i < 200 && !request.executed_at; i++) {
      const got = await client.callTool({
        name: "approval_request_get",
        arguments: { id: pending.approval_request_id },
      });
      request = got.structuredContent as Record<string, unknown>;
      if (!request.executed_at) await new Promise((r) => setTimeout(r, 100));
    }
    expect(request).toMatchObject({ execution_status: "applied" });
    expect(await db.select().from(nodes).where(eq(nodes.id, nodeId))).toHaveLength(0);
  }, 60_000);

  it("lets a write proceed by default and blocks it under a block policy for AI clients", async () => {
    const client = await mcp.connect(fleet.tokens.admin);
    const template = await fleet.createTemplate("mcp-gate");
    const made = await client.callTool({
      name: "node_create",
      arguments: { name: "mcp-node-2", node_template_id: template },
    });
    expect(made.isError).toBeFalsy();
    const id = (made.structuredContent as { id: string }).id;
    const policy = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: { scope: "global", action_category: "node.update", actor_type: "user", policy: "block" },
    });
    expect(policy.status).toBe(201);
    const blocked = await client.callTool({ name: "node_update", arguments: { id, description: "blocked" } });
    expect(toolError(blocked)).toMatchObject({
      code: "forbidden",
      reason: "blocked_by_policy",
      policy_id: policy.body.data.id,
    });
    // A human over REST is not an AI client: the same change goes through.
    const human = await fleet.api("PATCH", `/api/v1/nodes/${id}`, { body: { description: "by hand" } });
    expect(human.status).toBe(200);
  });
});

describe("Streamable HTTP", () => {
  const post = (headers: Record<string, string>, body: unknown = { jsonrpc: "2.0", id: 1, method: "ping" }) =>
    fleet.runtime.app.fetch(
      new Request("http://127.0.0.1:8080/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(body),
      }),
    );
  const init = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  };

  it("needs a bearer token (401 with WWW-Authenticate) and refuses foreign hosts and origins (403)", async () => {
    const none = await post({}, init);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const auth = { authorization: `Bearer ${fleet.tokens.admin}` };
    expect((await post({ ...auth, origin: "http://evil.example" }, init)).status).toBe(403);
    const rebound = await fleet.runtime.app.fetch(
      new Request("http://evil.example:8080/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...auth },
        body: JSON.stringify(init),
      }),
    );
    expect(rebound.status).toBe(403);
    expect((await post({ ...auth, origin: "http://127.0.0.1:8080" }, init)).status).toBe(200);
  });

  it("binds a session to the token that opened it: another token gets 403, an unknown session 404", async () => {
    const opened = await post({ authorization: `Bearer ${fleet.tokens.admin}` }, init);
    const session = opened.headers.get("mcp-session-id")!;
    expect(session).toBeTruthy();
    const other = await post({ authorization: `Bearer ${fleet.tokens.reader}`, "mcp-session-id": session });
    expect(other.status).toBe(403);
    const unknown = await post({ authorization: `Bearer ${fleet.tokens.admin}`, "mcp-session-id": "nope" });
    expect(unknown.status).toBe(404);
  });

  it("refuses a body over 1 MB with 413", async () => {
    const big = { ...init, params: { ...init.params, clientInfo: { name: "x".repeat(1_100_000), version: "1" } } };
    expect((await post({ authorization: `Bearer ${fleet.tokens.admin}` }, big)).status).toBe(413);
  });
});
