// Which POSTs to /mcp get one JSON body and which stream (spec/mcp.md §7), against the real app:
// a single request that cannot need a stream (a read tool without a progressToken, tools/list,
// ping) is answered as `application/json` with the session named; writes (which may elicit), calls
// with a progressToken, task_get long-polls and batches keep SSE. The session's checks apply to
// both, the SDK's client takes either, and a JSON reply that will never come (session closed,
// request cancelled) still ends its HTTP request.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolResultSchema,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { McpHttpEndpoint } from "@nodepilot/mcp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type McpClients, mcpClients } from "../testing/mcp-client.ts";

let fleet: TestFleet;
let nodeId: string;
let session: string;
let mcp: McpClients;

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fleet.runtime.app.fetch(
    new Request("http://127.0.0.1:8080/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${fleet.tokens.admin}`,
        ...(session ? { "mcp-session-id": session, "mcp-protocol-version": LATEST_PROTOCOL_VERSION } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    }),
  );

const call = (id: number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

/** The JSON-RPC messages of a reply, whichever form it took (an SSE priming event carries no data). */
async function messagesOf(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  if (res.headers.get("content-type")?.startsWith("application/json")) return [JSON.parse(text)];
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line.length > "data: ".length)
    .map((line) => JSON.parse(line.slice("data: ".length)));
}

const mediaType = (res: Response) => res.headers.get("content-type")?.split(";")[0];

beforeAll(async () => {
  fleet = await createTestFleet();
  mcp = mcpClients(fleet);
  const template = await fleet.createTemplate("json-reply");
  const created = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "json-reply-1", node_template_id: template },
  });
  expect(created.status).toBe(201);
  nodeId = created.body.data.id;
  const init = await post({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  });
  expect(init.status).toBe(200);
  session = init.headers.get("mcp-session-id")!;
  expect(session).toBeTruthy();
  expect((await messagesOf(init))[0]).toMatchObject({ id: 0, result: { serverInfo: { name: "nodepilot" } } });
  expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
}, 60_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("a request that cannot need a stream", () => {
  it("a read tools/call is answered as application/json, naming the session, with the tool's result", async () => {
    const res = await post(call(1, "node_list", {}));
    expect(res.status).toBe(200);
    expect(mediaType(res)).toBe("application/json");
    expect(res.headers.get("mcp-session-id")).toBe(session);
    const body = (await res.json()) as { id: number; result: { isError?: boolean; structuredContent: unknown } };
    expect(body.id).toBe(1);
    expect(body.result.isError).toBeFalsy();
    const items = (body.result.structuredContent as { items: { id: string }[] }).items;
    expect(items.map((n) => n.id)).toContain(nodeId);
  });

  it("so are tools/list and ping; a bad argument is still a tool error naming the field", async () => {
    const list = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect(mediaType(list)).toBe("application/json");
    expect(((await list.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(10);
    const ping = await post({ jsonrpc: "2.0", id: 3, method: "ping" });
    expect(mediaType(ping)).toBe("application/json");
    expect(await ping.json()).toEqual({ jsonrpc: "2.0", id: 3, result: {} });
    const bad = await post(call(4, "node_get", { id: 42 }));
    expect(mediaType(bad)).toBe("application/json");
    const text = ((await bad.json()) as { result: { isError: boolean; content: { text: string }[] } }).result;
    expect(text.isError).toBe(true);
    expect(text.content[0]!.text).toContain("id");
  });

  it("keeps the session's checks: another token 403, an unknown session 404, an unknown protocol version 400, Accept without JSON 406", async () => {
    expect((await post(call(5, "node_list", {}), { authorization: `Bearer ${fleet.tokens.reader}` })).status).toBe(403);
    expect((await post(call(6, "node_list", {}), { "mcp-session-id": "nope" })).status).toBe(404);
    expect((await post(call(7, "node_list", {}), { "mcp-protocol-version": "1999-01-01" })).status).toBe(400);
    expect((await post(call(8, "node_list", {}), { accept: "text/event-stream" })).status).toBe(406);
  });
});

describe("a request that may stream", () => {
  it("a write tools/call streams SSE and still answers", async () => {
    const res = await post(call(10, "node_update", { id: nodeId, description: "via SSE" }));
    expect(res.status).toBe(200);
    expect(mediaType(res)).toBe("text/event-stream");
    const [reply] = await messagesOf(res);
    expect(reply).toMatchObject({ id: 10, result: { structuredContent: { id: nodeId, description: "via SSE" } } });
  });

  it("a read with a progressToken, a task_get long-poll and a batch stream SSE", async () => {
    const withToken = await post(call(11, "node_list", {}, { progressToken: "p-11" }));
    expect(mediaType(withToken)).toBe("text/event-stream");
    expect((await messagesOf(withToken)).at(-1)).toMatchObject({ id: 11, result: { structuredContent: {} } });

    const longPoll = await post(call(12, "task_get", { id: crypto.randomUUID(), wait_seconds: 1 }));
    expect(mediaType(longPoll)).toBe("text/event-stream");
    expect((await messagesOf(longPoll)).at(-1)).toMatchObject({ id: 12, result: { isError: true } });
    const noWait = await post(call(13, "task_get", { id: crypto.randomUUID(), wait_seconds: 0 }));
    expect(mediaType(noWait)).toBe("application/json");
    expect(await noWait.json()).toMatchObject({ id: 13, result: { isError: true } });

    const batch = await post([
      { jsonrpc: "2.0", id: 14, method: "ping" },
      { jsonrpc: "2.0", id: 15, method: "ping" },
    ]);
    expect(mediaType(batch)).toBe("text/event-stream");
    expect((await messagesOf(batch)).map((m) => m.id).sort()).toEqual([14, 15]);
  });
});

describe("the SDK client", () => {
  it("takes JSON for reads and SSE for writes and progress-tracked calls in one session", async () => {
    const seen: { method: string; type: string | undefined }[] = [];
    const client = await mcp.connect(fleet.tokens.admin, {
      name: "nodepilot-json-reply-test",
      fetch: async (url, init) => {
        const res = await mcp.fetch(url, init);
        const sent = typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }) : {};
        if (init?.method === "POST" && res.status === 200)
          seen.push({ method: sent.method ?? "?", type: mediaType(res) });
        return res;
      },
    });
    await client.listTools();
    const read = await client.callTool({ name: "node_get", arguments: { id: nodeId } });
    expect(read.structuredContent).toMatchObject({ id: nodeId });
    const write = await client.callTool({ name: "node_update", arguments: { id: nodeId, description: "by the SDK" } });
    expect(write.structuredContent).toMatchObject({ description: "by the SDK" });
    const tracked = await client.callTool({ name: "node_get", arguments: { id: nodeId } }, CallToolResultSchema, {
      onprogress: () => {},
    });
    expect(tracked.structuredContent).toMatchObject({ description: "by the SDK" });
    expect(seen).toEqual([
      { method: "initialize", type: "text/event-stream" },
      { method: "tools/list", type: "application/json" },
      { method: "tools/call", type: "application/json" },
      { method: "tools/call", type: "text/event-stream" },
      { method: "tools/call", type: "text/event-stream" },
    ]);
  });
});

describe("a JSON reply that will never come", () => {
  // A server whose tools/list never answers, behind an endpoint of our own.
  const endpoint = () =>
    new McpHttpEndpoint({
      auth: fleet.runtime.auth,
      serverFor: () => {
        const server = new Server({ name: "held", version: "1" }, { capabilities: { tools: {} } });
        server.setRequestHandler(ListToolsRequestSchema, () => new Promise<never>(() => {}));
        return server;
      },
      allowedHosts: ["127.0.0.1"],
      allowedOrigins: [],
    });
  const send = (e: McpHttpEndpoint, body: unknown, headers: Record<string, string> = {}, method = "POST") =>
    e.handle(
      new Request("http://127.0.0.1:8080/mcp", {
        method,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${fleet.tokens.admin}`,
          ...headers,
        },
        ...(method === "POST" ? { body: JSON.stringify(body) } : {}),
      }),
    );
  async function opened(e: McpHttpEndpoint): Promise<Record<string, string>> {
    const init = await send(e, {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    await init.text();
    const headers = {
      "mcp-session-id": init.headers.get("mcp-session-id")!,
      "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
    };
    expect((await send(e, { jsonrpc: "2.0", method: "notifications/initialized" }, headers)).status).toBe(202);
    return headers;
  }

  it("ends with 404 when the session is closed meanwhile, and with 202 when the client cancels", async () => {
    const e = endpoint();
    try {
      const headers = await opened(e);
      const held = send(e, { jsonrpc: "2.0", id: 1, method: "tools/list" }, headers);
      const cancelled = send(e, { jsonrpc: "2.0", id: 2, method: "tools/list" }, headers);
      const cancel = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 2, reason: "test" } };
      expect((await send(e, cancel, headers)).status).toBe(202);
      const afterCancel = await cancelled;
      expect(afterCancel.status).toBe(202);
      expect(afterCancel.headers.get("mcp-session-id")).toBe(headers["mcp-session-id"]);
      expect((await send(e, undefined, headers, "DELETE")).status).toBe(200);
      const afterClose = await held;
      expect(afterClose.status).toBe(404);
      expect(await afterClose.json()).toMatchObject({ error: { code: -32001, message: "MCP session closed" } });
    } finally {
      await e.close();
    }
  });
});
