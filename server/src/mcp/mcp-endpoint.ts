// The composition of /mcp for one process: the tool index walked from the catalog, the call
// pipeline's dependencies, and the Streamable HTTP endpoint with its Host/Origin allow-lists.
// Built on the first /mcp request: the SDK and 122 JSON Schemas cost about a second of start-up,
// and `nodepilot start` must answer /healthz within 10 s.
import type { Catalog, Services, TokenAuthenticator } from "@nodepilot/core";
import type { AuditBuffer, McpHttpEndpoint, RateLimits, SessionExtras } from "@nodepilot/mcp-server";
import type { Config } from "../config.ts";
import type { EventHub } from "../events/event-hub.ts";
import { eventFeedOf } from "./event-feed.ts";

export interface McpSurface {
  handle(req: Request): Promise<Response>;
  close(): Promise<void>;
}

interface Built {
  endpoint: McpHttpEndpoint;
  audit: AuditBuffer;
}

const list = (raw: string | undefined) =>
  raw
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export function buildMcpSurface(o: {
  services: Services;
  catalog: Catalog;
  auth: TokenAuthenticator;
  events: EventHub;
  config: Pick<
    Config,
    "HOST" | "PORT" | "NODEPILOT_MCP_ALLOWED_HOSTS" | "NODEPILOT_MCP_ALLOWED_ORIGINS" | "NODEPILOT_PUBLIC_URL"
  >;
  rateLimits?: RateLimits;
  /** Test seam: fixtures served beside the catalog in every session (the conformance suite's). */
  sessionExtras?: SessionExtras;
}): McpSurface {
  const { HOST, PORT } = o.config;
  const loopback = ["localhost", "127.0.0.1", "[::1]"];
  const allowedHosts = list(o.config.NODEPILOT_MCP_ALLOWED_HOSTS) ?? [...new Set([HOST, ...loopback])];
  const allowedOrigins =
    list(o.config.NODEPILOT_MCP_ALLOWED_ORIGINS) ?? [...new Set([HOST, ...loopback])].map((h) => `http://${h}:${PORT}`);
  let built: Promise<Built> | undefined;
  let closed = false;
  const load = () =>
    (built ??= import("@nodepilot/mcp-server").then((m) => {
      const audit = new m.AuditBuffer(o.services.database, o.services.logger);
      const deps = {
        services: o.services,
        auth: o.auth,
        tools: m.buildToolIndex(o.catalog),
        limiter: new m.RateLimiter(o.rateLimits ?? m.DEFAULT_RATE_LIMITS),
        audit,
        events: eventFeedOf(o.events),
        publicUrl: (o.config.NODEPILOT_PUBLIC_URL ?? `http://${HOST}:${PORT}`).replace(/\/+$/, ""),
      };
      const endpoint = new m.McpHttpEndpoint({
        auth: o.auth,
        serverFor: (token) => m.createSessionServer(deps, { token }, o.sessionExtras),
        tools: deps.tools,
        allowedHosts,
        allowedOrigins,
      });
      endpoint.start();
      return { endpoint, audit };
    }));
  return {
    async handle(req) {
      if (closed) return new Response("shutting down", { status: 503 });
      return (await load()).endpoint.handle(req);
    },
    async close() {
      closed = true;
      if (!built) return;
      const b = await built;
      await b.endpoint.close();
      await b.audit.flush();
    },
  };
}
