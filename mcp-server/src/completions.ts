// completion/complete (spec/mcp.md §5 "Completions resolve ids and names"): prompt arguments
// complete through the completer their definition names (instance → names or ids, module → names,
// target_version → versions of the module in `context.arguments`), resource templates through the
// table below. An unknown prompt is InvalidParams; anything else without a completer answers no
// values, which MCP allows.
import { randomUUID } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CompleteRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type Completer, completeInstanceId, completeNodeId, NO_COMPLETION } from "./completers.ts";
import type { PromptDefinition } from "./prompt-definition.ts";
import { promptIndex, unknownPrompt } from "./prompts.ts";
import { answering, type ReadDeps, sessionReads } from "./session-reads.ts";

/** Variables of the resource templates that complete, by template URI. */
export const RESOURCE_TEMPLATE_COMPLETERS: Readonly<Record<string, Readonly<Record<string, Completer>>>> = {
  "nodepilot://nodes/{id}": { id: completeNodeId },
  "nodepilot://instances/{id}": { id: completeInstanceId },
};

/** Longer than any name or id: nothing can match, so no query runs. */
const MAX_VALUE_LENGTH = 200;

export function registerCompletions(
  server: Server,
  deps: ReadDeps,
  session: { token: string },
  extraPrompts: readonly PromptDefinition[] = [],
): void {
  const prompts = promptIndex(extraPrompts);
  server.setRequestHandler(CompleteRequestSchema, async (request) => {
    const { ref, argument, context } = request.params;
    let completer: Completer | undefined;
    if (ref.type === "ref/prompt") {
      const prompt = prompts.get(ref.name);
      if (!prompt) throw unknownPrompt(ref.name);
      completer = prompt.arguments.find((a) => a.name === argument.name)?.complete;
    } else {
      completer = RESOURCE_TEMPLATE_COMPLETERS[ref.uri]?.[argument.name];
    }
    if (!completer || argument.value.length > MAX_VALUE_LENGTH) return { completion: NO_COMPLETION };
    const complete = completer;
    return answering(deps, "completion", async () => {
      const reads = await sessionReads(deps, session, randomUUID());
      return { completion: await complete(argument.value, { reads, arguments: context?.arguments ?? {} }) };
    });
  });
}
