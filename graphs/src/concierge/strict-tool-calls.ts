// Tool calls from streamed chunks, parsed strictly. LangChain's chunk merge parses partial JSON
// leniently, so a reply cut off inside a call's arguments ({"id": "gpu-7) would come out as a
// complete-looking call; here arguments that are not a whole JSON object make an invalid call, and a
// reply the server ended for length makes every call in it invalid: a call is run as sent or not at all.
import type { InvalidToolCall, ToolCall, ToolCallChunk } from "@langchain/core/messages";

export interface StrictToolCalls {
  calls: ToolCall[];
  invalid: InvalidToolCall[];
}

/** Strictly parsed calls: arguments that are not a JSON object make an invalid call, never a guess. */
export function parseToolCalls(chunks: readonly ToolCallChunk[]): StrictToolCalls {
  const calls: ToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  for (const c of chunks) {
    const raw = c.args?.trim() ? c.args : "{}";
    try {
      const args: unknown = JSON.parse(raw);
      if (typeof args !== "object" || args === null || Array.isArray(args)) throw new Error("not a JSON object");
      calls.push({ id: c.id, name: c.name ?? "", args: args as Record<string, unknown>, type: "tool_call" });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      invalid.push({ id: c.id, name: c.name, args: c.args, error, type: "invalid_tool_call" });
    }
  }
  return { calls, invalid };
}

/** finish_reason values that mean the reply was cut off before the model finished it. */
const CUT_OFF = new Set(["length", "max_tokens"]);

/** A streamed reply's calls: strict when it carries chunks, every one invalid when it was cut off. */
export function streamedToolCalls(reply: {
  tool_calls?: ToolCall[];
  invalid_tool_calls?: InvalidToolCall[];
  tool_call_chunks?: ToolCallChunk[];
  response_metadata?: Record<string, unknown>;
}): StrictToolCalls {
  const parsed = reply.tool_call_chunks?.length
    ? parseToolCalls(reply.tool_call_chunks)
    : { calls: reply.tool_calls ?? [], invalid: reply.invalid_tool_calls ?? [] };
  const finish = reply.response_metadata?.finish_reason;
  if (typeof finish !== "string" || !CUT_OFF.has(finish)) return parsed;
  const error = `the reply was cut off (finish_reason ${finish}) before the call was complete`;
  return {
    calls: [],
    invalid: [
      ...parsed.calls.map((c) => ({
        id: c.id,
        name: c.name,
        args: JSON.stringify(c.args),
        error,
        type: "invalid_tool_call" as const,
      })),
      ...parsed.invalid.map((c) => ({ ...c, error })),
    ],
  };
}
