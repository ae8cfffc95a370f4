// A test seam: tools and prompts a harness serves beside the catalog's in every session (the MCP
// conformance suite's fixtures, server/src/mcp/conformance/). Production never sets it, so nothing
// served through it is product behaviour; extra tools skip the call pipeline (scopes, audit, gate).
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { PromptDefinition } from "./prompt-definition.ts";

export interface ExtraTool {
  definition: Tool;
  call(
    args: Record<string, unknown> | undefined,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): Promise<CallToolResult>;
}

export interface SessionExtras {
  tools?: readonly ExtraTool[];
  /** Listed, rendered and completed like the built-in prompts. */
  prompts?: readonly PromptDefinition[];
}
