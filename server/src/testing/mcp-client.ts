// MCP clients for tests: the SDK's own Client over Streamable HTTP, sent in process to a test fleet's
// app (the same routes and /mcp endpoint as production, no socket), so the MCP suites exercise the
// real surface without each repeating the transport wiring. Also reads a tool's isError result.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type ClientCapabilities,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import type { TestFleet } from "./harness.ts";

export type Fetch = (url: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The URL the transport posts to; the in-process fetch routes it by path, the host passes the app's host check. */
const MCP_URL = "http://127.0.0.1:8080/mcp";

export interface ConnectOptions {
  /** clientInfo.name sent in initialize. */
  name?: string;
  /** Capabilities to declare; `onElicit` adds `elicitation` on its own. */
  capabilities?: ClientCapabilities;
  /** Declares elicitation and answers every elicitation/create request from the server with this. */
  onElicit?: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>;
  /** Runs before initialize: the place to register notification handlers. */
  setup?: (client: Client) => void;
  /** Where the transport sends its requests; the fleet's app in process unless given. */
  fetch?: Fetch;
  /** List tools once connected: the SDK then validates every later callTool against its tool's output schema. */
  listTools?: boolean;
}

export interface McpClients {
  /** The fleet's app as a fetch, for wrapping or for a transport of a test's own. */
  fetch: Fetch;
  /** An initialized client authenticated as `token`; closed by closeAll. */
  connect(token: string, options?: ConnectOptions): Promise<Client>;
  /** Closes every client connect opened, one after another, ignoring ones already gone. */
  closeAll(): Promise<void>;
}

export function mcpClients(fleet: Pick<TestFleet, "runtime">): McpClients {
  const open: Client[] = [];
  const fetch: Fetch = async (url, init) => fleet.runtime.app.fetch(new Request(url, init));
  return {
    fetch,
    async connect(token, options = {}) {
      const { onElicit } = options;
      const capabilities = onElicit ? { ...options.capabilities, elicitation: {} } : options.capabilities;
      const client = new Client(
        { name: options.name ?? "nodepilot-test", version: "1.0.0" },
        capabilities ? { capabilities } : {},
      );
      if (onElicit) client.setRequestHandler(ElicitRequestSchema, (request) => onElicit(request));
      options.setup?.(client);
      const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
        fetch: options.fetch ?? fetch,
      });
      await client.connect(transport);
      open.push(client);
      if (options.listTools) await client.listTools();
      return client;
    },
    async closeAll() {
      for (const client of open.splice(0)) await client.close().catch(() => {});
    },
  };
}

/**
 * The error object of an isError tool result. Nodepilot writes a one-line summary, a newline, then
 * the error as JSON (code, reason and the fields that explain it) in the first text content.
 */
export function toolError(result: Record<string, unknown>): Record<string, unknown> {
  expect(result.isError).toBe(true);
  const text = (result.content as { text: string }[])[0]!.text;
  return JSON.parse(text.slice(text.indexOf("\n") + 1)) as Record<string, unknown>;
}
