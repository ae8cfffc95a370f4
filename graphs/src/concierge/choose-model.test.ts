// The model factory: the offline model by default; an OpenAI-compatible endpoint when configured,
// exercised against a local HTTP server answering like Ollama/vLLM/llama.cpp's chat-completions
// API (a recorded response: the LLM is the edge we do not own).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type AIMessage, HumanMessage } from "@langchain/core/messages";
import { allOperations } from "@nodepilot/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatTools } from "./chat-tools.ts";
import { chooseChatModel } from "./choose-model.ts";
import { OfflineChatModel } from "./offline-chat-model.ts";
import { OpenAICompatibleChatModel } from "./openai-compatible-model.ts";
import { memoryResolver, SMALL_FLEET } from "./testing/memory-resolver.ts";

const offline = { operations: allOperations, resolver: memoryResolver(SMALL_FLEET) };

/** A recorded chat-completions stream: one tool call, its arguments split over two deltas. */
const STREAM = [
  {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_760_000_000,
    model: "llama3.1:8b",
    choices: [
      {
        index: 0,
        delta: {
          role: "assistant",
          content: null,
          tool_calls: [
            { index: 0, id: "call_1", type: "function", function: { name: "instance_list", arguments: '{"silent"' } },
          ],
        },
        finish_reason: null,
      },
    ],
  },
  {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_760_000_000,
    model: "llama3.1:8b",
    choices: [
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ":true}" } }] }, finish_reason: null },
    ],
  },
  {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_760_000_000,
    model: "llama3.1:8b",
    choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }],
  },
]
  .map((e) => `data: ${JSON.stringify(e)}\n\n`)
  .concat("data: [DONE]\n\n")
  .join("");

const seen: { url: string; auth: string | undefined; body: Record<string, any> }[] = [];
let baseUrl = "";
const server = createServer(async (req: IncomingMessage, res) => {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  seen.push({ url: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(raw || "{}") });
  res.writeHead(200, { "content-type": "text/event-stream" }).end(STREAM);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("chooseChatModel", () => {
  it("uses the offline model when no endpoint is configured (blank values count as unset)", async () => {
    const chosen = await chooseChatModel({ OPENAI_API_KEY: "", NODEPILOT_MODEL: "ignored" }, offline);
    expect(chosen.kind).toBe("offline");
    expect(chosen.model).toBeInstanceOf(OfflineChatModel);
  });

  it.each([
    [{ OPENAI_BASE_URL: "not a url" }, /^OPENAI_BASE_URL: /],
    [{ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }, /^NODEPILOT_MODEL: required with OPENAI_BASE_URL/],
  ])("refuses a bad configuration, naming the variable (%o)", async (env, message) => {
    await expect(chooseChatModel(env, offline)).rejects.toThrow(message);
  });

  it("defaults to OpenAI's API and model with only a key", async () => {
    const chosen = await chooseChatModel({ OPENAI_API_KEY: "sk-test" }, offline);
    expect(chosen).toMatchObject({ kind: "openai-compatible", name: "gpt-4o-mini" });
    expect(chosen.baseUrl).toBeUndefined();
    expect(chosen.model).toBeInstanceOf(OpenAICompatibleChatModel);
    expect(chosen.model).toMatchObject({ baseURL: "https://api.openai.com/v1", model: "gpt-4o-mini" });
  });

  it("talks to an OpenAI-compatible server with the catalog as tools and parses its tool calls", async () => {
    const chosen = await chooseChatModel({ OPENAI_BASE_URL: baseUrl, NODEPILOT_MODEL: "llama3.1:8b" }, offline);
    expect(chosen.model).toMatchObject({ baseURL: baseUrl, model: "llama3.1:8b" });
    expect(chosen).toMatchObject({ kind: "openai-compatible", name: "llama3.1:8b", baseUrl });
    const ai = (await chosen.model.bindTools!(chatTools(allOperations)).invoke([
      new HumanMessage("which instances are silent?"),
    ])) as AIMessage;
    expect(ai.tool_calls?.map((c) => [c.name, c.args])).toEqual([["instance_list", { silent: true }]]);
    const request = seen.at(-1)!;
    expect(request.url).toBe("/v1/chat/completions");
    expect(request.auth).toBeUndefined();
    expect(request.body.model).toBe("llama3.1:8b");
    expect(request.body.temperature).toBe(0);
    expect(request.body.messages).toEqual([{ role: "user", content: "which instances are silent?" }]);
    const names = (request.body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(names).toContain("instance_reboot");
    expect(names).not.toContain("api_token_create");
    expect(names).not.toContain("task_lease");
  });

  it("sends the key as a bearer token to a server that wants one", async () => {
    const chosen = await chooseChatModel(
      { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: "sk-local", NODEPILOT_MODEL: "llama3.1:8b" },
      offline,
    );
    await chosen.model.invoke([new HumanMessage("hi")]);
    expect(seen.at(-1)!.auth).toBe("Bearer sk-local");
  });
});
