// The composition of /mcp for one process: the tool index walked from the catalog, the call
// pipeline's dependencies, and the Streamable HTTP endpoint with its Host/Origin allow-lists.
import type { Catalog, Services, TokenAuthenticator } from "@nodepilot/core";
import {
  AuditBuffer,
  buildToolIndex,
  createSessionServer,
  DEFAULT_RATE_LIMITS,
  McpHttpEndpoint,
  RateLimiter,
  type RateLimits,
} from "@nodepilot/mcp-server";
import type { Config } from "../config.ts";

export interface McpSurface {
  endpoint: McpHttpEndpoint;
  audit: AuditBuffer;
  close(): Promise<void>;
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
  config: Pick<
    Config,
    "HOST" | "PORT" | "NODEPILOT_MCP_ALLOWED_HOSTS" | "NODEPILOT_MCP_ALLOWED_ORIGINS" | "NODEPILOT_PUBLIC_URL"
  >;
  rateLimits?: RateLimits;
}): McpSurface {
  const { HOST, PORT } = o.config;
  const loopback = ["localhost", "127.0.0.1", "[::1]"];
  const allowedHosts = list(o.config.NODEPILOT_MCP_ALLOWED_HOSTS) ?? [...new Set([HOST, ...loopback])];
  const allowedOrigins =
    list(o.config.NODEPILOT_MCP_ALLOWED_ORIGINS) ?? [...new Set([HOST, ...loopback])].map((h) => `http://${h}:${PORT}`);
  const audit = new AuditBuffer(o.services.database, o.services.logger);
  const deps = {
    services: o.services,
    auth: o.auth,
    tools: buildToolIndex(o.catalog),
    limiter: new RateLimiter(o.rateLimits ?? DEFAULT_RATE_LIMITS),
    audit,
    publicUrl: (o.config.NODEPILOT_PUBLIC_URL ?? `http://${HOST}:${PORT}`).replace(/\/+$/, ""),
  };
  const endpoint = new McpHttpEndpoint({
    auth: o.auth,
    serverFor: (token) => createSessionServer(deps, { token }),
    allowedHosts,
    allowedOrigins,
  });
  endpoint.start();
  return {
    endpoint,
    audit,
    async close() {
      await endpoint.close();
      await audit.flush();
    },
  };
}
