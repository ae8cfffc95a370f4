// What a tools/call handler knows about the MCP session it runs in: the session's server (client
// capabilities, elicitation, logging) and the request's own handle (its progressToken, abort
// signal, and the notifications and requests that travel on its stream).
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";

export interface CallSession {
  server: Server;
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>;
}
