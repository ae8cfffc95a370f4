// prompts/list and prompts/get (spec/mcp.md §5): Nodepilot's operator jobs as prompts, plus any
// definitions the caller merges in (same type, e.g. a conformance fixture). Arguments are parsed
// strictly; what a prompt embeds is read as the session's principal, so a missing scope is an
// error naming it and nothing is rendered.
import { randomUUID } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { type PromptDefinition, parsePromptArguments, promptListing } from "./prompt-definition.ts";
import { planModuleUpgradePrompt } from "./prompt-plan-module-upgrade.ts";
import { reviewPendingApprovalsPrompt } from "./prompt-review-approvals.ts";
import { triageInstancePrompt } from "./prompt-triage-instance.ts";
import { answering, type ReadDeps, sessionReads } from "./session-reads.ts";

export const NODEPILOT_PROMPTS: readonly PromptDefinition[] = [
  triageInstancePrompt,
  planModuleUpgradePrompt,
  reviewPendingApprovalsPrompt,
];

/** Nodepilot's prompts and the extra ones by name; a clash is a programming error, caught at start. */
export function promptIndex(extraPrompts: readonly PromptDefinition[] = []): ReadonlyMap<string, PromptDefinition> {
  const byName = new Map<string, PromptDefinition>();
  for (const p of [...NODEPILOT_PROMPTS, ...extraPrompts]) {
    if (byName.has(p.name)) throw new Error(`prompt ${p.name} is defined twice`);
    byName.set(p.name, p);
  }
  return byName;
}

export const unknownPrompt = (name: string) =>
  new McpError(ErrorCode.InvalidParams, `unknown prompt: ${name}`, {
    code: "invalid_input",
    errors: [{ path: "name", message: "no such prompt" }],
  });

export function registerPrompts(
  server: Server,
  deps: ReadDeps,
  session: { token: string },
  extraPrompts: readonly PromptDefinition[] = [],
): void {
  const prompts = promptIndex(extraPrompts);
  const listing = [...prompts.values()].map(promptListing);
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: listing }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const prompt = prompts.get(request.params.name);
    if (!prompt) throw unknownPrompt(request.params.name);
    const args = parsePromptArguments(prompt, request.params.arguments);
    return answering(deps, `prompt ${prompt.name}`, async () => {
      const context = prompt.load
        ? await prompt.load(args, await sessionReads(deps, session, randomUUID()))
        : undefined;
      return { description: prompt.description, messages: prompt.render(args, context) };
    });
  });
}
