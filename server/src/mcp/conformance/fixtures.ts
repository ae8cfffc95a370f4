// Test-only: what the MCP conformance suite's server scenarios call by name, served beside the
// catalog through the runtime's `mcpSessionExtras` seam, so they never exist in product code.
import type { SessionExtras } from "@nodepilot/mcp-server";

type ExtraPrompt = NonNullable<SessionExtras["prompts"]>[number];

/** server-sse-polling: the tool closes its call's SSE stream before answering (SEP-1699); the client reconnects with Last-Event-ID and the result is replayed from the session's event store. */
const testReconnection: NonNullable<SessionExtras["tools"]>[number] = {
  definition: {
    name: "test_reconnection",
    description: "Conformance fixture: closes this call's SSE stream mid-call, then answers.",
    inputSchema: { type: "object", properties: {} },
  },
  async call(_args, extra) {
    // Absent when the client's protocol version predates resumable streams (< 2025-11-25).
    extra.closeSSEStream?.();
    return { content: [{ type: "text", text: "Reconnection test completed successfully" }] };
  },
};

const CITIES = ["paris", "park", "party", "test", "testing"];

/** completion-complete completes `arg1` of this prompt; prompts-list wants every prompt described. */
const testPromptWithArguments: ExtraPrompt = {
  name: "test_prompt_with_arguments",
  title: "Conformance prompt with arguments",
  description: "Conformance fixture: a prompt with two string arguments.",
  arguments: [
    {
      name: "arg1",
      description: "First test argument",
      required: true,
      complete: async (value) => {
        const values = CITIES.filter((c) => c.startsWith(value));
        return { values, total: values.length, hasMore: false };
      },
    },
    { name: "arg2", description: "Second test argument", required: true },
  ],
  render: (args) => [
    {
      role: "user",
      content: { type: "text", text: `Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'` },
    },
  ],
};

export const conformanceFixtures: SessionExtras = { tools: [testReconnection], prompts: [testPromptWithArguments] };
