// Every exported read operation of the catalog, called as an MCP tool through the SDK's own client
// over Streamable HTTP against a fleet seeded with one of everything (spec/mcp.md §1, §5). The cases
// are walked from the catalog, so a new read operation is a new case here: it passes only once the
// seed and the argument table below give it real arguments.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { allOperations } from "@nodepilot/core";
import { isExported } from "@nodepilot/mcp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type McpClients, mcpClients } from "../testing/mcp-client.ts";
import { type SeededFleet, seedFleet } from "../testing/seed-fleet.ts";

const readOperations = allOperations.filter((op) => isExported(op) && op.effect === "read").map((op) => op.name);

let fleet: TestFleet;
let seed: SeededFleet;
let mcp: McpClients;
let client: Client;
let tools: Map<string, Tool>;

/** The resource whose seeded object an `id` names, where it is not the operation's own resource. */
const ID_OWNER: Record<string, keyof SeededFleet> = { template_module: "template" };

/** Values for every other property a read takes, by property name; optional ones are passed too. */
const byProperty = (s: SeededFleet): Record<string, unknown> => ({
  node_id: s.node,
  instance_id: s.instance,
  correlation_id: s.correlation_id,
  module_ids: [s.module],
  action_category: "instance.recover",
  actor_type: "agent",
  sensor: "instance_silent",
});

function argumentsFor(operation: string, inputSchema: Tool["inputSchema"]): Record<string, unknown> {
  const values = byProperty(seed);
  const args: Record<string, unknown> = {};
  for (const property of Object.keys(inputSchema.properties ?? {})) {
    if (property === "id") {
      const resource = operation.slice(0, operation.indexOf("."));
      const owner = ID_OWNER[resource] ?? resource;
      if (!Object.hasOwn(seed, owner)) throw new Error(`${operation}: the seed has no ${owner} for its id`);
      args.id = seed[owner as keyof SeededFleet];
    } else if (property in values) {
      args[property] = values[property];
    }
  }
  const missing = (inputSchema.required ?? []).filter((p) => args[p] === undefined);
  if (missing.length) throw new Error(`${operation}: no seeded value for required ${missing.join(", ")}`);
  return args;
}

beforeAll(async () => {
  // Jobs run the autonomy tick the seed asks for; runners stay off so nothing else moves the seed.
  fleet = await createTestFleet({ startRunners: false, startJobs: true });
  seed = await seedFleet(fleet);
  mcp = mcpClients(fleet);
  client = await mcp.connect(fleet.tokens.admin, { name: "nodepilot-read-tools" });
  // Listing also arms the client's output-schema validation of every later callTool.
  const listed = (await client.listTools()).tools;
  tools = new Map(listed.map((t) => [String(t._meta?.["nodepilot/operation"]), t]));
}, 120_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("every read tool against a seeded fleet", () => {
  it("walks the runtime's own catalog: the same read operations, each listed read-only", () => {
    const served = fleet.runtime.catalog.operations.filter((op) => isExported(op) && op.effect === "read");
    expect(served.map((op) => op.name).sort()).toEqual([...readOperations].sort());
    expect(readOperations.length).toBeGreaterThan(50);
    for (const name of readOperations) expect(tools.get(name)?.annotations?.readOnlyHint, name).toBe(true);
  });

  it.each(readOperations)("%s answers its output schema with the seeded objects", async (operation) => {
    const tool = tools.get(operation);
    if (!tool) throw new Error(`${operation} is not in tools/list for an all-scopes token`);
    const args = argumentsFor(operation, tool.inputSchema);
    const result = await client.callTool({ name: tool.name, arguments: args });
    const text = (result.content as { text?: string }[])[0]?.text;
    expect(result.isError, `${operation}(${JSON.stringify(args)}): ${text}`).not.toBe(true);
    const out = result.structuredContent as Record<string, unknown> & { id?: unknown; items?: unknown[] };
    expect(out, operation).toBeDefined();
    // A get returns the very object asked for (bare, or under its resource: task.get gives {task, events});
    // a list shows the seeded ones.
    if (operation.endsWith(".get") && "id" in args) {
      const resource = operation.slice(0, operation.indexOf("."));
      expect(out.id ?? (out[resource] as { id?: unknown } | undefined)?.id).toBe(args.id);
    }
    if (Array.isArray(out.items)) expect(out.items.length, `${operation} listed nothing`).toBeGreaterThan(0);
  });
});
