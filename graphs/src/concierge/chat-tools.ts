// The catalog as chat tools: the operations a chat model may call (operator principal, no
// plaintext secrets — spec/mcp.md §1) and their OpenAI-format definitions for bindTools.

import type { ToolDefinition } from "@langchain/core/language_models/base";
import { type AnyOperation, jsonSchemaOf, toolName } from "@nodepilot/core";

/** Node/worker operations and secret-returning ones never reach a model's context. */
export const isChatExported = (op: AnyOperation) => op.principal === "operator" && !op.returnsSecret;

export function chatTools(operations: readonly AnyOperation[]): ToolDefinition[] {
  return operations.filter(isChatExported).map((op) => ({
    type: "function",
    function: {
      name: toolName(op.name),
      description: op.description,
      parameters: jsonSchemaOf(op.input, "input"),
    },
  }));
}

/** The operation a tool call names (tool names are the dotted names with `_`). */
export function operationForTool(operations: readonly AnyOperation[], tool: string): AnyOperation | undefined {
  return operations.find((op) => isChatExported(op) && toolName(op.name) === tool);
}
