// Which POSTs to /mcp are answered with one `application/json` body instead of an SSE stream
// (spec/mcp.md §7): a stream costs about a millisecond a call on both ends, and only a request that
// may send something before its response needs one. Everything not recognised here streams.
import { z } from "zod";
import type { ToolIndex } from "./tool-definitions.ts";

// Only what the choice reads; the SDK validates the message itself afterwards.
const SingleRequest = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number()]),
  method: z.string(),
  params: z
    .object({
      name: z.unknown(),
      arguments: z.unknown(),
      _meta: z.object({ progressToken: z.unknown() }).optional(),
    })
    .optional(),
});
const WaitArgument = z.object({ wait_seconds: z.unknown() });

/**
 * True when `body` is one JSON-RPC request (not a batch) that cannot need a stream: not initialize
 * (it opens the session on the session's own transport), no progressToken, and for tools/call a
 * catalog read (writes may elicit a confirmation or wait for progress; a fixture or unknown tool
 * streams) that does not long-poll (task_get with wait_seconds > 0 is held up to 45 s, and its SSE
 * stream is what lets the client resume). A client whose Accept lacks application/json streams.
 */
export function answersWithJson(
  accept: string | null,
  body: unknown,
  tools: Pick<ToolIndex, "operation"> | undefined,
): body is { id: string | number } {
  if (!accept?.includes("application/json")) return false;
  const parsed = SingleRequest.safeParse(body);
  if (!parsed.success) return false;
  const { method, params } = parsed.data;
  if (method === "initialize" || params?._meta?.progressToken !== undefined) return false;
  if (method !== "tools/call") return true;
  if (!tools || typeof params?.name !== "string" || tools.operation(params.name)?.effect !== "read") return false;
  const wait = WaitArgument.safeParse(params.arguments);
  return !wait.success || wait.data.wait_seconds === undefined || wait.data.wait_seconds === 0;
}
