// The MCP surface's one mapping of outcomes to tool results (DESIGN.md §3.3): success carries
// structuredContent plus a text copy; an AppError becomes `isError: true` with the same closed
// code, reason and field errors as REST, as JSON text (structuredContent is for the output schema).

import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AppError } from "@nodepilot/core";

const MAX_TEXT = 64 * 1024;

export function successResult(summary: string, value: Record<string, unknown>): CallToolResult {
  const json = JSON.stringify(value);
  return {
    content: [{ type: "text", text: `${summary}\n${json.length > MAX_TEXT ? `${json.slice(0, MAX_TEXT)}…` : json}` }],
    structuredContent: value,
  };
}

export function errorResult(e: AppError): CallToolResult {
  const body = { ...e.toJSON(), ...(e.details ?? {}) };
  return { isError: true, content: [{ type: "text", text: `${e.code}: ${e.message}\n${JSON.stringify(body)}` }] };
}
