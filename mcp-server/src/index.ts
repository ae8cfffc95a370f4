// @nodepilot/mcp-server: the catalog as MCP tools, resources and prompts, over Streamable HTTP and stdio.
export { AuditBuffer } from "./audit-buffer.ts";
export { type CallDeps, callTool } from "./call-tool.ts";
export type { FleetEvent, FleetEventFeed } from "./fleet-events.ts";
export { McpHttpEndpoint, type McpHttpOptions } from "./http-endpoint.ts";
export type { PromptArgumentSpec, PromptDefinition } from "./prompt-definition.ts";
export { NODEPILOT_PROMPTS } from "./prompts.ts";
export { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from "./rate-limit.ts";
export type { ExtraTool, SessionExtras } from "./session-extras.ts";
export { createSessionServer, SERVER_INFO } from "./session-server.ts";
export { runStdioBridge, type StdioBridgeOptions } from "./stdio-bridge.ts";
export {
  buildToolIndex,
  isExported,
  PendingApprovalSchema,
  type ToolDefinition,
  type ToolIndex,
  toolDefinition,
} from "./tool-definitions.ts";
