// Nodepilot's built-in offline model: a LangChain chat model that needs no LLM. On a human turn it
// plans catalog tool calls from the request (offline/planner.ts) and emits them as an AIMessage
// with tool_calls, exactly as a real model would; after the tool results it may make the follow-up
// call a lookup enabled (an approval's payload_hash), then writes the answer from the results.
// Results that arrive after it answered (an approved call that ran later) are answered, never
// re-planned. Streamed, the answer arrives word by word and tool calls as one chunk.
import { randomUUID } from "node:crypto";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage, type ToolMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { type AnyOperation, toolName } from "@nodepilot/core";
import { isChatExported } from "./chat-tools.ts";
import { composeAnswer, OFFLINE_PREFACE } from "./offline/answer.ts";
import type { ToolOutcome } from "./offline/context.ts";
import { buildOpIndex, type OpIndex } from "./offline/op-index.ts";
import { type Plan, type PlannedCall, planRequest } from "./offline/planner.ts";
import type { EntityResolver } from "./offline/resolver.ts";

export interface OfflineChatModelOptions extends BaseChatModelParams {
  /** The catalog; only chat-exported operations whose tools are bound are ever called. */
  operations: readonly AnyOperation[];
  resolver: EntityResolver;
  /** Known values of free-string fields: sensor names, task commands, action categories. */
  vocabulary?: Readonly<Record<string, readonly string[]>>;
  clock?: () => Date;
}

/** Tool rounds per human turn: a lookup, the call it enabled, and one to spare. */
const MAX_ROUNDS = 3;

const toolNameOf = (tool: BindToolsInput): string | undefined => {
  const t = tool as { name?: unknown; function?: { name?: unknown } };
  if (typeof t.function?.name === "string") return t.function.name;
  return typeof t.name === "string" ? t.name : undefined;
};

const textOf = (m: BaseMessage): string =>
  typeof m.content === "string"
    ? m.content
    : m.content
        .map((part) => (typeof part === "string" ? part : part.type === "text" ? String(part.text) : ""))
        .join("");

function parseResult(m: ToolMessage): { ok: boolean; result: unknown } {
  let result: unknown = m.artifact;
  if (result === undefined) {
    const text = textOf(m);
    try {
      result = JSON.parse(text);
    } catch {
      result = text;
    }
  }
  const looksLikeError =
    typeof result === "object" && result !== null && ("error" in result || ("code" in result && "message" in result));
  return { ok: m.status !== "error" && !looksLikeError, result };
}

/** Words with the whitespace after them, so the pieces join back to the exact text. */
const wordsOf = (text: string): string[] => text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);

const sameCall = (a: PlannedCall, b: PlannedCall) =>
  a.operation === b.operation && JSON.stringify(a.arguments) === JSON.stringify(b.arguments);

export class OfflineChatModel extends BaseChatModel<BaseChatModelCallOptions, AIMessageChunk> {
  static override lc_name() {
    return "OfflineChatModel";
  }

  private readonly options: OfflineChatModelOptions;
  private readonly callable: readonly AnyOperation[];
  private readonly index: OpIndex;

  constructor(options: OfflineChatModelOptions, boundTools: readonly string[] = []) {
    super(options);
    this.options = options;
    const bound = new Set(boundTools);
    this.callable = options.operations.filter((op) => isChatExported(op) && bound.has(toolName(op.name)));
    this.index = buildOpIndex(this.callable);
  }

  _llmType(): string {
    return "nodepilot-offline";
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<BaseChatModelCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions> {
    const names = tools.map(toolNameOf).filter((n): n is string => n !== undefined);
    return new OfflineChatModel(this.options, names).withConfig(kwargs ?? {});
  }

  async _generate(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const message = await this.respond(messages);
    return { generations: [{ message, text: textOf(message) }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const message = await this.respond(messages);
    const calls = message.tool_calls ?? [];
    if (calls.length > 0) {
      yield new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({
          content: "",
          tool_call_chunks: calls.map((c, index) => ({
            type: "tool_call_chunk" as const,
            id: c.id,
            name: c.name,
            args: JSON.stringify(c.args),
            index,
          })),
        }),
      });
      return;
    }
    for (const word of wordsOf(textOf(message))) {
      const chunk = new ChatGenerationChunk({ text: word, message: new AIMessageChunk({ content: word }) });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, { chunk });
      // A macrotask between words, so a long answer streams instead of arriving in one burst.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async respond(messages: BaseMessage[]): Promise<AIMessage> {
    const lastHuman = messages.findLastIndex((m) => m.getType() === "human");
    const lastAnswer = messages.findLastIndex((m) => m.getType() === "ai" && !(m as AIMessage).tool_calls?.length);
    if (lastAnswer > lastHuman) {
      // Results after the answer (a call a person approved ran later): say what came of them.
      const anyOp = (tool: string) => this.options.operations.find((op) => toolName(op.name) === tool);
      const later = outcomesOf(messages.slice(lastAnswer + 1), (tool) => anyOp(tool)?.name ?? tool);
      if (later.length > 0) {
        const titleOf = (name: string) => this.options.operations.find((op) => op.name === name)?.title ?? name;
        return new AIMessage(composeAnswer(later, titleOf));
      }
    }
    if (lastHuman < 0) return this.say("Ask me about the fleet: nodes, instances, tasks, modules, approvals.");
    if (this.callable.length === 0) {
      return this.say("No tools are bound to me, so I cannot look anything up or act on the fleet.");
    }
    const opName = (tool: string) => this.callable.find((op) => toolName(op.name) === tool)?.name ?? tool;
    const before = outcomesOf(messages.slice(0, lastHuman), opName);
    const turn = outcomesOf(messages.slice(lastHuman), opName);
    const plan = await planRequest({
      text: textOf(messages[lastHuman]!),
      index: this.index,
      resolver: this.options.resolver,
      outcomes: [...before, ...turn],
      vocabulary: this.options.vocabulary ?? {},
      now: (this.options.clock ?? (() => new Date()))(),
    });
    if (turn.length === 0) return this.fromPlan(plan);
    // Results are in. Continue only after pure lookups, with calls not made yet; else answer.
    const rounds = messages.slice(lastHuman).filter((m) => m.getType() === "ai").length;
    const onlyReads = turn.every((o) => this.callable.find((op) => op.name === o.operation)?.effect === "read");
    if (
      plan.type === "calls" &&
      onlyReads &&
      rounds < MAX_ROUNDS &&
      !plan.calls.every((c) => turn.some((t) => sameCall(t, c)))
    ) {
      return this.fromPlan(plan);
    }
    const titleOf = (name: string) => this.callable.find((op) => op.name === name)?.title ?? name;
    return new AIMessage(composeAnswer(turn, titleOf));
  }

  private fromPlan(plan: Plan): AIMessage {
    if (plan.type === "calls") {
      return new AIMessage({
        content: "",
        tool_calls: plan.calls.map((c) => ({
          id: `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`,
          name: toolName(c.operation),
          args: c.arguments,
          type: "tool_call" as const,
        })),
      });
    }
    if (plan.type === "ask") return this.say(plan.question);
    const ideas = plan.suggestions.map((s) => `${s.title} (\`${s.name}\`)`).join(", ");
    // With nothing close, say what the bound tools cover, from their names.
    const resources = [
      ...new Set(this.callable.map((op) => op.name.slice(0, op.name.indexOf(".")).replaceAll("_", " "))),
    ];
    const scope = ideas
      ? ` The closest I have are: ${ideas}.`
      : ` I work on ${resources.slice(0, 12).join(", ")}${resources.length > 12 ? " and more" : ""}.`;
    return this.say(
      `I could not match that to a fleet operation.${scope} Name the object and what to do with it, e.g. "reboot <instance>" or "which instances are silent?".`,
    );
  }

  private say(text: string): AIMessage {
    return new AIMessage(`${OFFLINE_PREFACE} ${text}`);
  }
}

/** Executed tool calls in these messages: each AI tool call paired with its ToolMessage. */
function outcomesOf(messages: readonly BaseMessage[], operationName: (tool: string) => string): ToolOutcome[] {
  const calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  const out: ToolOutcome[] = [];
  for (const m of messages) {
    if (m.getType() === "ai") {
      for (const c of (m as AIMessage).tool_calls ?? []) if (c.id) calls.set(c.id, { name: c.name, args: c.args });
    } else if (m.getType() === "tool") {
      const t = m as ToolMessage;
      const call = calls.get(t.tool_call_id);
      const name = call?.name ?? t.name ?? "";
      out.push({ operation: operationName(name), arguments: call?.args ?? {}, ...parseResult(t) });
    }
  }
  return out;
}
