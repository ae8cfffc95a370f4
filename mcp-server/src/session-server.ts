// One MCP server per session (the SDK binds a Server to one transport): tools/list shows what the
// token's scopes permit (a convenience; tools/call checks again), tools/call runs the pipeline.

import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { hasScope, type TokenAuthenticator } from "@nodepilot/core";
import { type CallDeps, callTool } from "./call-tool.ts";
import { registerCompletions } from "./completions.ts";
import { registerPrompts } from "./prompts.ts";
import { registerResources } from "./resources.ts";
import type { SessionExtras } from "./session-extras.ts";

export const SERVER_INFO = { name: "nodepilot", version: "0.1.0" };

const INSTRUCTIONS =
  "Nodepilot runs a fleet of machines. Every tool is one catalog operation (its dotted name is in _meta['nodepilot/operation']). " +
  "Reads are safe. Writes and destructive calls go through the autonomy gate: a call may come back as " +
  "{status: 'pending_approval', approval_request_id, action_digest}; a different person must approve it, and you can follow it with approval_request_get.";

export interface SessionContext {
  /** The bearer token the session was opened with; every call re-authenticates it. */
  token: string;
}

export function createSessionServer(
  deps: CallDeps & { auth: TokenAuthenticator },
  session: SessionContext,
  /** Test seam (see session-extras.ts); production passes nothing. */
  extras: SessionExtras = {},
): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: {
      tools: { listChanged: false },
      resources: { subscribe: true, listChanged: false },
      prompts: { listChanged: false },
      completions: {},
      logging: {},
    },
    instructions: INSTRUCTIONS,
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const principal = await deps.auth.authenticate(session.token);
    const tools = deps.tools.definitions.filter((d) => {
      const scope = d._meta["nodepilot/scope"] as Parameters<typeof hasScope>[2];
      return hasScope(principal.scopes, principal.role, scope);
    });
    return { tools: [...tools, ...(extras.tools ?? []).map((t) => t.definition)] };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const fixture = extras.tools?.find((t) => t.definition.name === request.params.name);
    if (fixture) return fixture.call(request.params.arguments, extra);
    return callTool(deps, {
      token: session.token,
      name: request.params.name,
      args: request.params.arguments,
      requestId: randomUUID(),
      session: { server, extra },
    });
  });
  registerResources(server, deps, session);
  registerPrompts(server, deps, session, extras.prompts);
  registerCompletions(server, deps, session, extras.prompts);
  return server;
}
