// The offline model through LangChain's own chat-model surface, as the concierge graph will use it:
// tools bound with bindTools, tool calls on a human turn, answers after ToolMessages, the follow-up
// call a lookup enables, and only the tools that were bound.
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { allOperations, toolName } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { chatTools } from "./chat-tools.ts";
import { OFFLINE_PREFACE } from "./offline/answer.ts";
import { OfflineChatModel } from "./offline-chat-model.ts";
import { memoryResolver, SMALL_FLEET } from "./testing/memory-resolver.ts";

const id = (name: string) => SMALL_FLEET.find((e) => e.name === name)!.id;
const model = new OfflineChatModel({ operations: allOperations, resolver: memoryResolver(SMALL_FLEET) });
const bound = model.bindTools(chatTools(allOperations));

const reply = (messages: Parameters<typeof bound.invoke>[0]) => bound.invoke(messages) as Promise<AIMessage>;
const result = (call: AIMessage, body: unknown, i = 0) =>
  new ToolMessage({
    content: JSON.stringify(body),
    tool_call_id: call.tool_calls![i]!.id!,
    name: call.tool_calls![i]!.name,
  });

describe("OfflineChatModel", () => {
  it("answers a human turn with tool calls named like the MCP tools", async () => {
    const ai = await reply([new SystemMessage("ignored"), new HumanMessage("which instances are silent?")]);
    expect(ai.content).toBe("");
    expect(ai.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        name: toolName("instance.list"),
        args: { silent: true },
        type: "tool_call",
      },
    ]);
    expect(model._llmType()).toBe("nodepilot-offline");
  });

  it("writes the answer from the results, saying it is the offline model", async () => {
    const human = new HumanMessage("which instances are silent?");
    const ai = await reply([human]);
    const items = [{ id: id("gpu-7-a"), name: "gpu-7-a", status: "running" }];
    const answer = await reply([human, ai, result(ai, { items, has_more: false, next_cursor: null })]);
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(String(answer.content).startsWith(OFFLINE_PREFACE)).toBe(true);
    expect(answer.content).toContain(`| gpu-7-a | running | ${id("gpu-7-a")} |`);
  });

  it("continues a conversation: a later turn acts on an object from an earlier result", async () => {
    const first = new HumanMessage("which instances are silent?");
    const ai = await reply([first]);
    const items = [
      { id: id("edge-1-a"), name: "edge-1-a" },
      { id: id("gpu-7-a"), name: "gpu-7-a" },
    ];
    const history = [first, ai, result(ai, { items, has_more: false }), new AIMessage("two are silent")];
    const next = await reply([...history, new HumanMessage("reboot the second one")]);
    expect(next.tool_calls?.map((c) => [c.name, c.args])).toEqual([["instance_reboot", { id: id("gpu-7-a") }]]);
    // After the write's result it answers; it never repeats or adds a write.
    const done = await reply([
      ...history,
      new HumanMessage("reboot the second one"),
      next,
      result(next, {
        instance: { id: id("gpu-7-a"), name: "gpu-7-a", status: "rebooting" },
        task: { id: "t", status: "pending" },
      }),
    ]);
    expect(done.tool_calls ?? []).toEqual([]);
    expect(done.content).toContain("is rebooting");
  });

  it("reads an approval request, then approves it with the payload_hash it read", async () => {
    const request = id("instance.recover");
    const human = new HumanMessage(`approve request ${request}, looks right`);
    const lookup = await reply([human]);
    expect(lookup.tool_calls?.map((c) => [c.name, c.args])).toEqual([["approval_request_get", { id: request }]]);
    const read = result(lookup, { id: request, payload_hash: "cd".repeat(32), status: "pending" });
    const act = await reply([human, lookup, read]);
    expect(act.tool_calls?.map((c) => [c.name, c.args])).toEqual([
      ["approval_request_approve", { id: request, payload_hash: "cd".repeat(32), comment: "looks right" }],
    ]);
    const answer = await reply([
      human,
      lookup,
      read,
      act,
      result(act, { request: { id: request, status: "approved" } }),
    ]);
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(answer.content).toContain("approved");
  });

  it("reports a failed call with its error code", async () => {
    const human = new HumanMessage("show node edge-1");
    const ai = await reply([human]);
    const failed = new ToolMessage({
      content: JSON.stringify({ error: { code: "not_found", message: "node not found" } }),
      tool_call_id: ai.tool_calls![0]!.id!,
      status: "error",
    });
    const answer = await reply([human, ai, failed]);
    expect(answer.content).toContain("failed with `not_found`: node not found");
  });

  it("asks, naming the field, when the request is not enough", async () => {
    const ai = await reply([new HumanMessage("create a node called edge-9")]);
    expect(ai.tool_calls ?? []).toEqual([]);
    expect(String(ai.content)).toMatch(
      new RegExp(`^${OFFLINE_PREFACE.replace(/[.()]/g, "\\$&")} .*\`node_template_id\``),
    );
  });

  it("calls only the tools bound to it", async () => {
    const list = tool(async () => "[]", {
      name: toolName("instance.list"),
      description: "List instances",
      schema: allOperations.find((op) => op.name === "instance.list")!.input,
    });
    const narrow = model.bindTools([list]);
    const ai = (await narrow.invoke([new HumanMessage("reboot edge-1-a")])) as AIMessage;
    expect((ai.tool_calls ?? []).every((c) => c.name === "instance_list")).toBe(true);
    const unbound = (await model.invoke([new HumanMessage("which instances are silent?")])) as AIMessage;
    expect(unbound.tool_calls ?? []).toEqual([]);
    expect(unbound.content).toContain("No tools are bound");
  });

  it("streams: the answer word by word, tool calls as one chunk, the same message as invoke", async () => {
    const human = new HumanMessage("which instances are silent?");
    const chunks = [];
    for await (const chunk of await bound.stream([human])) chunks.push(chunk);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.tool_calls?.map((c) => [c.name, c.args])).toEqual([["instance_list", { silent: true }]]);
    const ai = await reply([human]);
    const items = [{ id: id("gpu-7-a"), name: "gpu-7-a", status: "running" }];
    const after = [human, ai, result(ai, { items, has_more: false })];
    const words: string[] = [];
    for await (const chunk of await bound.stream(after)) words.push(String(chunk.content));
    expect(words.length).toBeGreaterThan(10);
    expect(words.join("")).toBe(String((await reply(after)).content));
  });

  it("answers a result that arrives after its answer (an approved call ran) without planning again", async () => {
    const human = new HumanMessage("reboot gpu-7-a");
    const ai = await reply([human]);
    const pending = result(ai, { status: "pending_approval", approval_request_id: "r1", operation: "instance.reboot" });
    const answered = await reply([human, ai, pending]);
    const resumed = new AIMessage({
      content: "",
      tool_calls: [{ id: "call_resumed", name: "instance_reboot", args: ai.tool_calls![0]!.args, type: "tool_call" }],
    });
    const executed = new ToolMessage({
      content: JSON.stringify({
        status: "executed",
        execution_status: "applied",
        result: { operation: "instance.reboot" },
      }),
      tool_call_id: "call_resumed",
      name: "instance_reboot",
    });
    // Unbound, as the resume answers: it still names the operation by its title.
    const answer = (await model.invoke([human, ai, pending, answered, resumed, executed])) as AIMessage;
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(answer.content).toContain("`instance.reboot`");
    expect(answer.content).toContain("Approved and carried out.");
    expect(answer.content).not.toContain("pending_approval");
  });
});
