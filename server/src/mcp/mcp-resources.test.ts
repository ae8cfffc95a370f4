// MCP resources through the SDK's own client over Streamable HTTP against the real app (spec/mcp.md
// §5): the fixed resources and the node/instance templates are listed for what the token may read,
// each reads as its catalog operation's JSON, scopes and unknown URIs are refused as JSON-RPC errors,
// and a subscription hears `notifications/resources/updated` when a REST change commits its event —
// coalesced per URI, stopped by unsubscribe, and no longer following the account once nothing is
// subscribed or the session ends.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertInstance } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type McpClients, mcpClients } from "../testing/mcp-client.ts";

let fleet: TestFleet;
let mcp: McpClients;

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Every `notifications/resources/updated` URI heard, in order, with when it arrived. */
  updates: { uri: string; at: number }[];
  /** Resolves with the next update for `uri` (or rejects after `ms`). */
  nextUpdate(uri: string, ms?: number): Promise<void>;
}

async function connect(token: string): Promise<Session> {
  const updates: Session["updates"] = [];
  const waiters: { uri: string; resolve: () => void }[] = [];
  const client = await mcp.connect(token, {
    name: "nodepilot-resources-test",
    setup: (c) =>
      c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        updates.push({ uri: n.params.uri, at: Date.now() });
        for (const w of waiters.filter((x) => x.uri === n.params.uri)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }),
  });
  return {
    client,
    transport: client.transport as StreamableHTTPClientTransport,
    updates,
    nextUpdate(uri, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no resources/updated for ${uri} within ${ms} ms`)), ms);
        waiters.push({
          uri,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

const jsonOf = (result: { contents: { uri: string; mimeType?: string; text?: unknown }[] }) => {
  expect(result.contents).toHaveLength(1);
  expect(result.contents[0]!.mimeType).toBe("application/json");
  return JSON.parse(String(result.contents[0]!.text)) as Record<string, any>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (the hub's follower count changes after an async close). */
async function eventually(check: () => boolean, ms = 5_000) {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await sleep(20);
  expect(check()).toBe(true);
}

let nodeId: string;
let instanceId: string;
const followers = () => fleet.runtime.events.subscriberCount(fleet.runtime.accountId);

beforeAll(async () => {
  fleet = await createTestFleet({ startJobs: true });
  mcp = mcpClients(fleet);
  const template = await fleet.createTemplate("res-edge");
  const created = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "res-node-1", node_template_id: template },
  });
  expect(created.status).toBe(201);
  nodeId = created.body.data.id;
  instanceId = (await insertInstance(fleet)).instanceId;
  const snapshot = await fleet.api("POST", "/api/v1/compliance/snapshots", { body: {} });
  expect(snapshot.status, JSON.stringify(snapshot.body)).toBe(201);
}, 60_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("resources/list and resources/templates/list", () => {
  it("lists the four fleet resources and the node and instance templates, each JSON with a name, title and description", async () => {
    const { client } = await connect(fleet.tokens.admin);
    expect(client.getServerCapabilities()?.resources).toEqual({ subscribe: true, listChanged: false });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      "nodepilot://approvals/pending",
      "nodepilot://compliance/snapshot",
      "nodepilot://events/recent",
      "nodepilot://fleet/summary",
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      "nodepilot://instances/{id}",
      "nodepilot://nodes/{id}",
    ]);
    for (const r of [...resources, ...resourceTemplates]) {
      expect(r.mimeType).toBe("application/json");
      expect(r.name).toMatch(/^[a-z_]+$/);
      expect(r.title).toBeTruthy();
      expect(r.description!.length).toBeGreaterThan(20);
      expect(r._meta?.["nodepilot/operation"]).toMatch(/\./);
    }
  });

  it("lists only what the token may read: a fleet and autonomy reader sees no compliance snapshot", async () => {
    const { client } = await connect(fleet.tokens.reader);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).not.toContain("nodepilot://compliance/snapshot");
    expect(resources.map((r) => r.uri)).toContain("nodepilot://fleet/summary");
  });
});

describe("resources/read", () => {
  it("reads each resource as its catalog operation's output", async () => {
    const { client } = await connect(fleet.tokens.admin);
    const summary = jsonOf(await client.readResource({ uri: "nodepilot://fleet/summary" }));
    expect(summary.nodes.total).toBeGreaterThanOrEqual(2);
    expect(summary.instances.by_status.running).toBeGreaterThanOrEqual(1);
    expect(summary.last_event_seq).toBeGreaterThan(0);

    const events = jsonOf(await client.readResource({ uri: "nodepilot://events/recent" }));
    expect(events.items.length).toBeGreaterThan(0);
    expect(events.items.length).toBeLessThanOrEqual(50);
    const seqs = events.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    const approvals = jsonOf(await client.readResource({ uri: "nodepilot://approvals/pending" }));
    expect(Array.isArray(approvals.items)).toBe(true);
    expect(approvals.items.every((a: { status: string }) => a.status === "pending")).toBe(true);

    const compliance = jsonOf(await client.readResource({ uri: "nodepilot://compliance/snapshot" }));
    expect(compliance.items).toHaveLength(1);
    expect(compliance.items[0].document_hash).toMatch(/^[0-9a-f]{64}$/);

    const node = jsonOf(await client.readResource({ uri: `nodepilot://nodes/${nodeId}` }));
    expect(node).toMatchObject({ id: nodeId, name: "res-node-1" });
    const instance = jsonOf(await client.readResource({ uri: `nodepilot://instances/${instanceId}` }));
    expect(instance).toMatchObject({ id: instanceId, status: "running" });
  });

  it("refuses a resource outside the token's scopes with the scope it needs, as tools/call would", async () => {
    const { client } = await connect(fleet.tokens.reader);
    const err = await client.readResource({ uri: "nodepilot://compliance/snapshot" }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: -32003,
      data: {
        code: "forbidden",
        reason: "missing_scope",
        required_scope: "security:read",
        uri: "nodepilot://compliance/snapshot",
      },
    });
    expect(String((err as Error).message)).toContain("security:read");
    await expect(client.subscribeResource({ uri: "nodepilot://compliance/snapshot" })).rejects.toMatchObject({
      code: -32003,
    });
  });

  it("answers an unknown URI with InvalidParams naming it, and a missing object with resource-not-found", async () => {
    const { client } = await connect(fleet.tokens.admin);
    const unknown = await client.readResource({ uri: "nodepilot://nope/1" }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: -32602 });
    expect(String((unknown as Error).message)).toContain("nodepilot://nope/1");

    const missingId = "01890000-0000-7000-8000-0000000000ff";
    const missing = await client.readResource({ uri: `nodepilot://nodes/${missingId}` }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: -32002, data: { code: "not_found", uri: `nodepilot://nodes/${missingId}` } });
    expect(String((missing as Error).message)).toContain(missingId);

    const malformed = await client.readResource({ uri: "nodepilot://instances/not-a-uuid" }).catch((e: unknown) => e);
    expect(malformed).toMatchObject({ code: -32602, data: { code: "invalid_input" } });
    await expect(client.subscribeResource({ uri: `nodepilot://nodes/${missingId}` })).rejects.toMatchObject({
      code: -32002,
    });
  });
});

describe("resources/subscribe", () => {
  it("notifies a subscribed node when a REST change commits, and stops after unsubscribe", async () => {
    const s = await connect(fleet.tokens.admin);
    const uri = `nodepilot://nodes/${nodeId}`;
    const baseline = followers();
    await s.client.subscribeResource({ uri });
    expect(followers()).toBe(baseline + 1);

    const heard = s.nextUpdate(uri);
    const started = Date.now();
    const patched = await fleet.api("PATCH", `/api/v1/nodes/${nodeId}`, { body: { description: "first" } });
    expect(patched.status).toBe(200);
    await heard;
    console.log(`resources/updated for ${uri} ${Date.now() - started} ms after the PATCH was sent`);
    // Read after the notification: the change is there.
    expect(jsonOf(await s.client.readResource({ uri })).description).toBe("first");

    await s.client.unsubscribeResource({ uri });
    await eventually(() => followers() === baseline);
    const count = s.updates.filter((u) => u.uri === uri).length;
    await fleet.api("PATCH", `/api/v1/nodes/${nodeId}`, { body: { description: "second" } });
    await sleep(800);
    expect(s.updates.filter((u) => u.uri === uri).length).toBe(count);
  });

  it("coalesces a burst to at most one notification per URI per 250 ms, and ignores other nodes' events", async () => {
    const s = await connect(fleet.tokens.admin);
    const uri = `nodepilot://nodes/${nodeId}`;
    const template = await fleet.createTemplate("res-other");
    const otherNode = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "res-node-2", node_template_id: template },
    });
    await s.client.subscribeResource({ uri });
    await sleep(300);
    s.updates.length = 0;
    await fleet.api("PATCH", `/api/v1/nodes/${otherNode.body.data.id}`, { body: { description: "not ours" } });
    await sleep(600);
    expect(s.updates).toEqual([]);

    const burst = 12;
    const started = Date.now();
    for (let i = 0; i < burst; i++) {
      await fleet.api("PATCH", `/api/v1/nodes/${nodeId}`, { body: { description: `burst ${i}` } });
    }
    const elapsed = Date.now() - started;
    await sleep(700);
    const heard = s.updates.filter((u) => u.uri === uri);
    console.log(`${burst} node updates in ${elapsed} ms gave ${heard.length} resources/updated`);
    expect(heard.length).toBeGreaterThanOrEqual(1);
    expect(heard.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
    // The server spaces them 250 ms apart; arrival times jitter a little under load.
    for (let i = 1; i < heard.length; i++) expect(heard[i]!.at - heard[i - 1]!.at).toBeGreaterThanOrEqual(150);
    await s.client.unsubscribeResource({ uri });
  });

  it("maps events to the fleet resources: every event updates the summary and the recent events, a snapshot the compliance resource", async () => {
    const s = await connect(fleet.tokens.admin);
    for (const uri of ["nodepilot://fleet/summary", "nodepilot://events/recent", "nodepilot://compliance/snapshot"]) {
      await s.client.subscribeResource({ uri });
    }
    const summary = s.nextUpdate("nodepilot://fleet/summary");
    const recent = s.nextUpdate("nodepilot://events/recent");
    const compliance = s.nextUpdate("nodepilot://compliance/snapshot");
    const taken = await fleet.api("POST", "/api/v1/compliance/snapshots", { body: {} });
    expect(taken.status).toBe(201);
    await Promise.all([summary, recent, compliance]);
    const latest = jsonOf(await s.client.readResource({ uri: "nodepilot://compliance/snapshot" }));
    expect(latest.items[0].id).toBe(taken.body.data.id);
  });

  it("stops following the account when the session ends", async () => {
    const s = await connect(fleet.tokens.admin);
    const baseline = followers();
    await s.client.subscribeResource({ uri: `nodepilot://instances/${instanceId}` });
    expect(followers()).toBe(baseline + 1);
    // DELETE ends the session on the server (closing the client alone only drops its streams).
    await s.transport.terminateSession();
    await eventually(() => followers() === baseline);
  });
});
