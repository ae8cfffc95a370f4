// The OpenAI-compatible chat model against a real local HTTP server that answers with recorded
// OpenAI chat-completions streams (the LLM is the edge we do not own): the request it sends, the
// chunks it parses, tool calls assembled from deltas, stopping, timeouts and the server's errors.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ToolDefinition } from "@langchain/core/language_models/base";
import {
  AIMessage,
  type AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import { concat } from "@langchain/core/utils/stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ConciergeModel, type ConciergeStreamItem, streamConciergeTurn } from "./graph.ts";
import { OpenAICompatibleChatModel } from "./openai-compatible-model.ts";

type Reply = (res: ServerResponse) => void | Promise<void>;
interface Seen {
  url: string;
  auth: string | undefined;
  body: Record<string, any>;
  /** Resolves when the client has gone (it finished, stopped or timed out). */
  closed: Promise<void>;
}

const replies: Reply[] = [];
const seen: Seen[] = [];
let baseUrl = "";

const server = createServer(async (req: IncomingMessage, res) => {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  const closed = new Promise<void>((resolve) => res.on("close", () => resolve()));
  seen.push({ url: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(raw || "{}"), closed });
  const reply = replies.shift();
  if (!reply) res.writeHead(500).end("no reply scripted");
  else await reply(res);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  replies.length = 0;
  seen.length = 0;
});

const HEAD = {
  id: "chatcmpl-A1",
  object: "chat.completion.chunk",
  created: 1_760_000_000,
  model: "gpt-4o-mini-2024-07-18",
};
const event = (delta: Record<string, unknown>, finish: string | null = null) => ({
  ...HEAD,
  system_fingerprint: "fp_1",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  usage: null,
});
const usage = { ...HEAD, choices: [], usage: { prompt_tokens: 812, completion_tokens: 6, total_tokens: 818 } };

const sse = (events: unknown[]) =>
  Buffer.from(events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join(""));

/** A recorded stream, written in small pieces so events (and a multi-byte character) split across reads. */
const streamed =
  (events: unknown[], piece = 7): Reply =>
  async (res) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    const bytes = sse(events);
    for (let at = 0; at < bytes.length; at += piece) {
      res.write(bytes.subarray(at, at + piece));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    res.end();
  };

/** Starts a stream and then goes quiet, holding the connection open. */
const stalled =
  (events: unknown[]): Reply =>
  (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(sse(events));
  };

const TEXT_STREAM = [
  event({ role: "assistant", content: "", refusal: null }),
  event({ content: "None" }),
  event({ content: " are silent" }),
  event({ content: " — all good." }),
  event({}, "stop"),
  usage,
  "[DONE]",
];

const TOOL_STREAM = [
  event({
    role: "assistant",
    content: null,
    tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name: "instance_list", arguments: "" } }],
    refusal: null,
  }),
  event({ tool_calls: [{ index: 0, function: { arguments: '{"si' } }] }),
  event({ tool_calls: [{ index: 0, function: { arguments: 'lent": tr' } }] }),
  event({ tool_calls: [{ index: 0, function: { arguments: "ue}" } }] }),
  event({
    tool_calls: [{ index: 1, id: "call_def", type: "function", function: { name: "node_get", arguments: "" } }],
  }),
  event({ tool_calls: [{ index: 1, function: { arguments: '{"node_id":' } }] }),
  event({ tool_calls: [{ index: 1, function: { arguments: '"edge-1"}' } }] }),
  event({}, "tool_calls"),
  "[DONE]",
];

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "instance_list",
      description: "List instances.",
      parameters: { type: "object", properties: { silent: { type: "boolean" } }, additionalProperties: false },
    },
  },
  {
    type: "function",
    function: {
      name: "node_get",
      description: "One node.",
      parameters: { type: "object", properties: { node_id: { type: "string" } }, required: ["node_id"] },
    },
  },
];

const model = (extra: Partial<ConstructorParameters<typeof OpenAICompatibleChatModel>[0]> = {}) =>
  new OpenAICompatibleChatModel({ baseURL: baseUrl, model: "gpt-4o-mini", ...extra });

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const out: AIMessageChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe("OpenAICompatibleChatModel", () => {
  it("sends the conversation, the tools and the key, and streams the answer's text", async () => {
    replies.push(streamed(TEXT_STREAM));
    const conversation: BaseMessage[] = [
      new SystemMessage("You are Nodepilot's concierge."),
      new HumanMessage("which instances are silent?"),
      new AIMessage({
        content: "",
        tool_calls: [{ id: "call_1", name: "instance_list", args: { silent: true }, type: "tool_call" }],
      }),
      new ToolMessage({ content: '{"items":[]}', tool_call_id: "call_1", name: "instance_list" }),
      new AIMessage("None are silent."),
      new HumanMessage({
        content: [
          { type: "text", text: "and " },
          { type: "text", text: "now?" },
        ],
      }),
    ];
    const chunks = await collect(
      await model({ apiKey: "sk-test" }).bindTools(TOOLS, { tool_choice: "auto" }).stream(conversation),
    );
    expect(chunks.map((c) => c.content).filter(Boolean)).toEqual(["None", " are silent", " — all good."]);
    const reply = chunks.reduce((a, b) => concat(a, b));
    expect(reply.content).toBe("None are silent — all good.");
    expect(reply.tool_calls).toEqual([]);
    expect(reply.response_metadata).toMatchObject({ finish_reason: "stop", model_name: "gpt-4o-mini-2024-07-18" });
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 812, output_tokens: 6, total_tokens: 818 });

    const request = seen[0]!;
    expect(request.url).toBe("/v1/chat/completions");
    expect(request.auth).toBe("Bearer sk-test");
    expect(request.body).toMatchObject({ model: "gpt-4o-mini", temperature: 0, stream: true, tool_choice: "auto" });
    expect(request.body.tools).toEqual(TOOLS);
    expect(request.body.messages).toEqual([
      { role: "system", content: "You are Nodepilot's concierge." },
      { role: "user", content: "which instances are silent?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "instance_list", arguments: '{"silent":true}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"items":[]}' },
      { role: "assistant", content: "None are silent." },
      {
        role: "user",
        content: [
          { type: "text", text: "and " },
          { type: "text", text: "now?" },
        ],
      },
    ]);
  });

  it("sends no key and no tools when there are none", async () => {
    replies.push(streamed(TEXT_STREAM));
    const ai = await model().invoke([new HumanMessage("hello")]);
    expect(ai.content).toBe("None are silent — all good.");
    expect(seen[0]!.auth).toBeUndefined();
    expect(seen[0]!.body).not.toHaveProperty("tools");
  });

  it("streams tool calls as chunks per index and assembles them with parsed arguments", async () => {
    replies.push(streamed(TOOL_STREAM, 11));
    const chunks = await collect(
      await model()
        .bindTools(TOOLS)
        .stream([new HumanMessage("silent ones, and edge-1")]),
    );
    const pieces = chunks
      .flatMap((c) => c.tool_call_chunks ?? [])
      .map(({ index, id, name, args }) => ({
        index,
        id,
        name,
        args,
      }));
    expect(pieces).toEqual([
      { index: 0, id: "call_abc", name: "instance_list", args: "" },
      { index: 0, id: undefined, name: undefined, args: '{"si' },
      { index: 0, id: undefined, name: undefined, args: 'lent": tr' },
      { index: 0, id: undefined, name: undefined, args: "ue}" },
      { index: 1, id: "call_def", name: "node_get", args: "" },
      { index: 1, id: undefined, name: undefined, args: '{"node_id":' },
      { index: 1, id: undefined, name: undefined, args: '"edge-1"}' },
    ]);
    const reply = chunks.reduce((a, b) => concat(a, b));
    expect(reply.tool_calls?.map((c) => ({ id: c.id, name: c.name, args: c.args }))).toEqual([
      { id: "call_abc", name: "instance_list", args: { silent: true } },
      { id: "call_def", name: "node_get", args: { node_id: "edge-1" } },
    ]);
    expect(reply.response_metadata.finish_reason).toBe("tool_calls");
  });

  it("invoke assembles the same calls, and arguments that are not JSON make an invalid call", async () => {
    replies.push(streamed(TOOL_STREAM));
    const ai = (await model()
      .bindTools(TOOLS)
      .invoke([new HumanMessage("go")])) as AIMessage;
    expect(ai.tool_calls?.map((c) => [c.id, c.name, c.args])).toEqual([
      ["call_abc", "instance_list", { silent: true }],
      ["call_def", "node_get", { node_id: "edge-1" }],
    ]);

    replies.push(
      streamed([
        event({
          tool_calls: [{ index: 0, id: "call_x", function: { name: "instance_list", arguments: '{"silent": tr' } }],
        }),
        event({}, "tool_calls"),
        "[DONE]",
      ]),
    );
    const broken = (await model()
      .bindTools(TOOLS)
      .invoke([new HumanMessage("go")])) as AIMessage;
    expect(broken.tool_calls).toEqual([]);
    expect(broken.invalid_tool_calls).toMatchObject([{ id: "call_x", name: "instance_list", args: '{"silent": tr' }]);
    expect(broken.invalid_tool_calls?.[0]?.error).toBeTruthy();
  });

  it("gives a call without an id one of its own", async () => {
    replies.push(
      streamed([
        event({ tool_calls: [{ index: 0, function: { name: "instance_list", arguments: "{}" } }] }),
        event({}, "tool_calls"),
      ]),
    );
    const ai = (await model()
      .bindTools(TOOLS)
      .invoke([new HumanMessage("go")])) as AIMessage;
    expect(ai.tool_calls).toMatchObject([{ name: "instance_list", args: {}, id: expect.stringMatching(/^call_\w+$/) }]);
  });

  it("reads a server that ignores `stream` and answers one JSON completion", async () => {
    replies.push((res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "chatcmpl-2",
          object: "chat.completion",
          model: "llama3.1:8b",
          choices: [
            {
              index: 0,
              finish_reason: "tool_calls",
              message: {
                role: "assistant",
                content: null,
                tool_calls: [
                  { id: "call_1", type: "function", function: { name: "instance_list", arguments: '{"silent":true}' } },
                ],
              },
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
    const ai = (await model()
      .bindTools(TOOLS)
      .invoke([new HumanMessage("go")])) as AIMessage;
    expect(ai.tool_calls?.map((c) => [c.id, c.name, c.args])).toEqual([["call_1", "instance_list", { silent: true }]]);
    expect(ai.usage_metadata).toMatchObject({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
  });

  it.each([
    [
      401,
      {
        error: {
          message: "Incorrect API key provided: sk-bad.",
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      },
      "answered HTTP 401: Incorrect API key provided: sk-bad.",
    ],
    [404, { error: "model 'llama9' not found" }, "answered HTTP 404: model 'llama9' not found"],
    [
      400,
      { detail: "tools are not supported by this model" },
      "answered HTTP 400: tools are not supported by this model",
    ],
  ])("an HTTP %i names the status and the server's message", async (status, body, message) => {
    replies.push((res) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await expect(model({ apiKey: "sk-bad" }).invoke([new HumanMessage("hi")])).rejects.toThrow(
      `the model server at ${baseUrl} ${message}`,
    );
  });

  it("keeps the first 500 characters of a long error body", async () => {
    replies.push((res) => {
      res.writeHead(502, { "content-type": "text/html" }).end(`<html>${"x".repeat(2000)}</html>`);
    });
    const err = await model()
      .invoke([new HumanMessage("hi")])
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const said = (err as Error).message.split("answered HTTP 502: ")[1]!;
    expect(said).toBe(`<html>${"x".repeat(494)}`);
  });

  it("an error event in the stream fails the call with the server's message", async () => {
    replies.push(
      streamed([event({ content: "Par" }), { error: { message: "model overloaded", type: "server_error" } }]),
    );
    await expect(model().invoke([new HumanMessage("hi")])).rejects.toThrow(
      `the model server at ${baseUrl} failed: model overloaded`,
    );
  });

  it("a server that is not listening is named by its base URL", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = `http://127.0.0.1:${port}/v1`;
    await expect(model({ baseURL: nowhere }).invoke([new HumanMessage("hi")])).rejects.toThrow(
      `cannot reach the model server at ${nowhere}: connection refused`,
    );
  });

  it("stopping the call ends the request mid-stream", async () => {
    replies.push(stalled([event({ content: "Looking" })]));
    const stop = new AbortController();
    const stream = await model().stream([new HumanMessage("hi")], { signal: stop.signal });
    const reading = stream[Symbol.asyncIterator]();
    expect((await reading.next()).value?.content).toBe("Looking");
    stop.abort();
    await expect(reading.next()).rejects.toThrow(/abort/i);
    await seen[0]!.closed;
  });

  it("a server that goes quiet times out, naming the base URL and the wait", async () => {
    replies.push(stalled([event({ content: "Thinking" })]));
    await expect(model({ timeoutMs: 200 }).invoke([new HumanMessage("hi")])).rejects.toThrow(
      `the model server at ${baseUrl} sent nothing for 0.2 s`,
    );
    await seen[0]!.closed;
  });

  it("drives the concierge graph: a tool call, its result sent back, then the streamed answer", async () => {
    replies.push(streamed(TOOL_STREAM), streamed(TEXT_STREAM));
    const items: ConciergeStreamItem[] = [];
    const ran: string[] = [];
    for await (const item of streamConciergeTurn(
      {
        model: model().bindTools(TOOLS) as unknown as ConciergeModel,
        runTool: async (call) => {
          ran.push(`${call.name} ${JSON.stringify(call.args)}`);
          return { ok: true, output: { items: [] } };
        },
      },
      [new SystemMessage("You are Nodepilot's concierge."), new HumanMessage("silent ones, and edge-1")],
    )) {
      items.push(item);
    }
    expect(ran).toEqual(['instance_list {"silent":true}', 'node_get {"node_id":"edge-1"}']);
    const text = items.flatMap((i) => (i.type === "text" ? [i.delta] : [])).join("");
    expect(text).toBe("None are silent — all good.");
    const second = seen[1]!.body.messages as Record<string, unknown>[];
    expect(second.slice(2)).toEqual([
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "call_abc", type: "function", function: { name: "instance_list", arguments: '{"silent":true}' } },
          { id: "call_def", type: "function", function: { name: "node_get", arguments: '{"node_id":"edge-1"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_abc", content: '{"items":[]}' },
      { role: "tool", tool_call_id: "call_def", content: '{"items":[]}' },
    ]);
  });
});
