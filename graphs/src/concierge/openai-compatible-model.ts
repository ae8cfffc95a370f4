// A LangChain chat model for any OpenAI-compatible chat-completions server (OpenAI itself, Ollama,
// vLLM, llama.cpp) spoken over Node's own fetch, so the concierge needs no provider SDK. Every call
// streams (`stream: true`, server-sent events); `_generate` collects the same stream, so there is
// one request path. A server that ignores `stream` and answers one JSON completion is read too.
// What the server sends is parsed with zod; tool calls arrive as deltas per index and are assembled
// into tool_call_chunks (streaming) or strictly parsed tool_calls (generate).
import { randomUUID } from "node:crypto";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput, ToolDefinition } from "@langchain/core/language_models/base";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  type MessageContent,
  SystemMessage,
  type ToolCallChunk,
  ToolMessage,
} from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { z } from "zod";
import { parseToolCalls } from "./strict-tool-calls.ts";

export interface OpenAICompatibleChatModelOptions extends BaseChatModelParams {
  /** The API base, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  model: string;
  /** Sent as a bearer token when set; local servers need none. */
  apiKey?: string;
  /** How long the server may stay silent, before its response starts and between stream chunks (120 s). */
  timeoutMs?: number;
}

export interface OpenAICompatibleCallOptions extends BaseChatModelCallOptions {
  /** Set by bindTools: OpenAI-format function tools, sent as they are. */
  tools?: ToolDefinition[];
}

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_ERROR_CHARS = 500;

// ---- what the server sends: a stream event (`delta`) or a whole completion (`message`) ----

const ToolCallPart = z.object({
  index: z.number().int().nonnegative().optional(),
  id: z.string().nullish(),
  function: z
    .object({
      name: z.string().nullish(),
      // A few servers send the arguments as an object rather than a JSON string.
      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
    })
    .nullish(),
});
const MessagePart = z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallPart).nullish() });
const Completion = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({ delta: MessagePart.nullish(), message: MessagePart.nullish(), finish_reason: z.string().nullish() }),
    )
    .nullish(),
  usage: z
    .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number().optional() })
    .nullish(),
  error: z.unknown().optional(),
});

// ---- what we send ----

type ContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string; detail?: string } };
interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}
type WireMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | ContentPart[] }
  | { role: "assistant"; content: string; tool_calls?: WireToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

const textOf = (content: MessageContent): string =>
  typeof content === "string"
    ? content
    : content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");

function userContent(content: MessageContent): string | ContentPart[] {
  if (typeof content === "string") return content;
  return content.map((part): ContentPart => {
    if (part.type === "text" && typeof part.text === "string") return { type: "text", text: part.text };
    if (part.type === "image_url") {
      const image = part.image_url as string | { url: string; detail?: string };
      return { type: "image_url", image_url: typeof image === "string" ? { url: image } : image };
    }
    throw new Error(`OpenAICompatibleChatModel: cannot send a "${part.type}" content part`);
  });
}

function wireCall(id: string | undefined, name: string, args: string): WireToolCall {
  if (!id) throw new Error(`OpenAICompatibleChatModel: the tool call to ${name} has no id to answer it by`);
  return { id, type: "function", function: { name, arguments: args } };
}

/** LangChain messages as chat-completions messages. */
function toWireMessages(messages: readonly BaseMessage[]): WireMessage[] {
  return messages.map((m): WireMessage => {
    if (SystemMessage.isInstance(m)) return { role: "system", content: textOf(m.content) };
    if (HumanMessage.isInstance(m)) return { role: "user", content: userContent(m.content) };
    if (ToolMessage.isInstance(m)) return { role: "tool", tool_call_id: m.tool_call_id, content: textOf(m.content) };
    if (AIMessage.isInstance(m)) {
      const calls = [
        ...(m.tool_calls ?? []).map((c) => wireCall(c.id, c.name, JSON.stringify(c.args))),
        // Calls whose arguments did not parse were answered too; the server needs them to match.
        ...(m.invalid_tool_calls ?? []).map((c) => wireCall(c.id, c.name ?? "", c.args ?? "")),
      ];
      return { role: "assistant", content: textOf(m.content), ...(calls.length > 0 ? { tool_calls: calls } : {}) };
    }
    throw new Error(`OpenAICompatibleChatModel: cannot send a "${m.type}" message`);
  });
}

function toolChoiceOf(choice: NonNullable<BaseChatModelCallOptions["tool_choice"]>): unknown {
  if (typeof choice !== "string") return choice;
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  if (choice === "any") return "required";
  return { type: "function", function: { name: choice } };
}

/** The server's own words from an error body: `error.message`, `error`, `message` or `detail`, else the text. */
function serverMessage(text: string): string {
  let said: unknown;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error as { message?: unknown } | string | undefined;
    said = typeof error === "string" ? error : (error?.message ?? body.message ?? body.detail);
  } catch {
    said = undefined;
  }
  const message = typeof said === "string" && said ? said : text.trim() || "(empty body)";
  return message.slice(0, MAX_ERROR_CHARS);
}

/** The data of each server-sent event, in order (comments and other fields skipped). */
async function* sseData(body: AsyncIterable<Uint8Array> | null, onBytes: () => void): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  const lineOf = function* (line: string) {
    if (line === "") {
      if (data.length > 0) yield data.join("\n");
      data = [];
    } else if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  };
  for await (const bytes of body ?? []) {
    onBytes();
    buffer += decoder.decode(bytes, { stream: true });
    // A CR at the end may be the first half of a CRLF: keep it for the next read.
    const lines = buffer.split(/\r\n|\n|\r(?!$)/);
    buffer = lines.pop() ?? "";
    for (const line of lines) yield* lineOf(line);
  }
  buffer += decoder.decode();
  for (const line of [...buffer.split(/\r\n|\n|\r/), ""]) yield* lineOf(line);
}

const errorCode = (err: unknown): string | undefined => {
  const cause = (err as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === "string" ? code : undefined;
};

export class OpenAICompatibleChatModel extends BaseChatModel<OpenAICompatibleCallOptions, AIMessageChunk> {
  static override lc_name() {
    return "OpenAICompatibleChatModel";
  }

  readonly baseURL: string;
  readonly model: string;
  readonly timeoutMs: number;
  private readonly apiKey: string | undefined;

  constructor(options: OpenAICompatibleChatModelOptions) {
    const { baseURL, model, apiKey, timeoutMs, ...params } = options;
    // The key stays out of the LangChain fields that tracing serializes.
    super(params);
    this.baseURL = baseURL.replace(/\/+$/, "");
    this.model = model;
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  _llmType(): string {
    return "openai-compatible";
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<OpenAICompatibleCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, OpenAICompatibleCallOptions> {
    return this.withConfig({ tools: tools.map((t) => convertToOpenAITool(t)), ...kwargs });
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let all: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      all = all ? all.concat(chunk) : chunk;
    }
    const streamed = all?.message as AIMessageChunk | undefined;
    const { calls, invalid } = parseToolCalls(streamed?.tool_call_chunks ?? []);
    const message = new AIMessage({
      content: streamed?.content ?? "",
      tool_calls: calls,
      invalid_tool_calls: invalid,
      response_metadata: streamed?.response_metadata ?? {},
      ...(streamed?.id ? { id: streamed.id } : {}),
      ...(streamed?.usage_metadata ? { usage_metadata: streamed.usage_metadata } : {}),
    });
    return { generations: [{ message, text: textOf(message.content) }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const url = `${this.baseURL}/chat/completions`;
    const body = {
      model: this.model,
      messages: toWireMessages(messages),
      // The concierge picks tools and reads results; the same request should get the same answer.
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      ...(options.tools?.length ? { tools: options.tools } : {}),
      ...(options.tool_choice !== undefined ? { tool_choice: toolChoiceOf(options.tool_choice) } : {}),
      ...(options.stop?.length ? { stop: options.stop } : {}),
    };
    const silence = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const heard = () => {
      clearTimeout(timer);
      timer = setTimeout(() => silence.abort(), this.timeoutMs);
    };
    const signal = options.signal ? AbortSignal.any([options.signal, silence.signal]) : silence.signal;
    const failed = (err: unknown, doing: string): Error => {
      // The caller stopped the turn: that is its own error, not the server's.
      if (options.signal?.aborted) return err instanceof Error ? err : new Error(String(err));
      if (silence.signal.aborted) {
        return new Error(`the model server at ${this.baseURL} sent nothing for ${this.timeoutMs / 1000} s`, {
          cause: err,
        });
      }
      const code = errorCode(err);
      const why = code === "ECONNREFUSED" ? "connection refused" : (code ?? (err as Error).message);
      return new Error(`${doing} the model server at ${this.baseURL}: ${why}`, { cause: err });
    };

    heard();
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "text/event-stream",
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
          body: JSON.stringify(body),
          signal,
        });
      } catch (err) {
        throw failed(err, "cannot reach");
      }
      if (!res.ok) {
        const text = await res.text().catch(() => "");
        throw new Error(`the model server at ${this.baseURL} answered HTTP ${res.status}: ${serverMessage(text)}`);
      }
      const events = (res.headers.get("content-type") ?? "").includes("application/json")
        ? this.wholeCompletion(res)
        : sseData(res.body, heard);
      const seen = new Map<number, { id: string; named: boolean }>();
      const reading = events[Symbol.asyncIterator]();
      try {
        for (;;) {
          let next: IteratorResult<string>;
          try {
            next = await reading.next();
          } catch (err) {
            throw failed(err, "lost the stream from");
          }
          if (next.done || next.value.trim() === "[DONE]") return;
          const chunk = this.chunkOf(next.value, seen);
          if (!chunk) continue;
          yield chunk;
          if (chunk.text) {
            await runManager?.handleLLMNewToken(chunk.text, undefined, undefined, undefined, undefined, { chunk });
          }
        }
      } finally {
        await reading.return?.(undefined);
      }
    } finally {
      clearTimeout(timer);
      // Ends the request when the reader stops early (a stop, a break): the server stops generating.
      silence.abort();
    }
  }

  private async *wholeCompletion(res: Response): AsyncGenerator<string> {
    yield await res.text();
  }

  /** One server event as a chunk: its text, its tool-call deltas, and at the end the finish and usage. */
  private chunkOf(data: string, seen: Map<number, { id: string; named: boolean }>): ChatGenerationChunk | undefined {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new Error(`the model server at ${this.baseURL} sent an event that is not JSON: ${data.slice(0, 200)}`);
    }
    const parsed = Completion.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(
        `the model server at ${this.baseURL} sent an unreadable event (${issue.path.join(".")}: ${issue.message}): ${data.slice(0, 200)}`,
      );
    }
    const event = parsed.data;
    if (event.error !== undefined && event.error !== null) {
      throw new Error(`the model server at ${this.baseURL} failed: ${serverMessage(data)}`);
    }
    const choice = event.choices?.[0];
    const part = choice?.delta ?? choice?.message;
    const text = part?.content ?? "";
    const toolCallChunks: ToolCallChunk[] = (part?.tool_calls ?? []).map((d, position) => {
      const index = d.index ?? position;
      // The id and name come once per call (the first delta of its index); later deltas add arguments.
      let known = seen.get(index);
      const first = !known;
      known ??= { id: d.id || `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`, named: false };
      seen.set(index, known);
      const name = !known.named && d.function?.name ? d.function.name : undefined;
      if (name) known.named = true;
      const args = d.function?.arguments;
      return {
        type: "tool_call_chunk",
        index,
        ...(first ? { id: known.id } : {}),
        ...(name ? { name } : {}),
        args: typeof args === "string" ? args : args ? JSON.stringify(args) : "",
      };
    });
    const finish = choice?.finish_reason;
    const usage = event.usage;
    if (!text && toolCallChunks.length === 0 && !finish && !usage) return undefined;
    const message = new AIMessageChunk({
      content: text,
      ...(event.id ? { id: event.id } : {}),
      ...(toolCallChunks.length > 0 ? { tool_call_chunks: toolCallChunks } : {}),
      // Metadata strings concatenate when chunks merge, so they come once: with the finish.
      ...(finish ? { response_metadata: { finish_reason: finish, model_name: event.model ?? this.model } } : {}),
      ...(usage
        ? {
            usage_metadata: {
              input_tokens: usage.prompt_tokens,
              output_tokens: usage.completion_tokens,
              total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
            },
          }
        : {}),
    });
    return new ChatGenerationChunk({ text, message });
  }
}
