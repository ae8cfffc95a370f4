// The concierge graph with a scripted model and an in-memory tool runner: text streams as events,
// tool calls run through the runner in order and their results reach the model, a refusal is an
// outcome the model sees, the step cap ends a turn that never answers, and a stop cuts it short.
// The last case runs the real offline model through the graph.
import { AIMessageChunk, type BaseMessage, HumanMessage, type ToolMessage } from "@langchain/core/messages";
import { allOperations } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { chatTools } from "./chat-tools.ts";
import {
  type ConciergeEvent,
  type ConciergeModel,
  type ConciergeStreamItem,
  type ConciergeToolCall,
  streamConciergeTurn,
  type ToolCallOutcome,
} from "./graph.ts";
import { OfflineChatModel } from "./offline-chat-model.ts";
import { memoryResolver, SMALL_FLEET } from "./testing/memory-resolver.ts";

type Reply = {
  text?: string;
  calls?: { name: string; args: Record<string, unknown> }[];
  rawArgs?: string;
  /** The finish_reason the last chunk carries. */
  finish?: string;
};

/** A model that answers each call with the next scripted reply, text in two-character chunks. */
function scripted(replies: Reply[]): ConciergeModel & { seen: BaseMessage[][] } {
  const seen: BaseMessage[][] = [];
  return {
    seen,
    async stream(messages) {
      seen.push([...messages]);
      const reply = replies[seen.length - 1] ?? { text: "out of script" };
      async function* chunks() {
        const text = reply.text ?? "";
        for (let i = 0; i < text.length; i += 2) yield new AIMessageChunk({ content: text.slice(i, i + 2) });
        const calls = reply.calls ?? [];
        if (calls.length || reply.rawArgs) {
          yield new AIMessageChunk({
            content: "",
            tool_call_chunks: reply.rawArgs
              ? [{ type: "tool_call_chunk", id: "bad_1", name: "node_get", args: reply.rawArgs, index: 0 }]
              : calls.map((c, index) => ({
                  type: "tool_call_chunk" as const,
                  id: `call_${seen.length}_${index}`,
                  name: c.name,
                  args: JSON.stringify(c.args),
                  index,
                })),
            ...(reply.finish ? { response_metadata: { finish_reason: reply.finish } } : {}),
          });
        }
      }
      return chunks();
    },
  };
}

async function collect(iter: AsyncGenerator<ConciergeStreamItem>) {
  const events: ConciergeEvent[] = [];
  let done: Extract<ConciergeStreamItem, { type: "done" }> | undefined;
  for await (const item of iter) {
    if (item.type === "done") done = item;
    else events.push(item);
  }
  return { events, done: done! };
}

const recorder = (answer: (call: ConciergeToolCall) => ToolCallOutcome) => {
  const calls: ConciergeToolCall[] = [];
  return {
    calls,
    run: async (call: ConciergeToolCall) => {
      calls.push(call);
      return answer(call);
    },
  };
};

describe("buildConciergeGraph", () => {
  it("streams text, runs each tool call through the runner and lets the model answer from the results", async () => {
    const model = scripted([
      { calls: [{ name: "instance_list", args: { silent: true } }] },
      { text: "Two instances are silent." },
    ]);
    const tools = recorder(() => ({ ok: true, output: { items: [{ name: "gpu-7-a" }], has_more: false } }));
    const { events, done } = await collect(
      streamConciergeTurn({ model, runTool: tools.run }, [new HumanMessage("which instances are silent?")]),
    );
    expect(tools.calls).toEqual([{ id: "call_1_0", name: "instance_list", args: { silent: true } }]);
    expect(events.map((e) => e.type)).toEqual(["step", "tool_call", "tool_result", "step", ...Array(13).fill("text")]);
    const text = events.flatMap((e) => (e.type === "text" ? [e.delta] : [])).join("");
    expect(text).toBe("Two instances are silent.");
    // The second model call saw the tool's result, as JSON.
    const result = model.seen[1]!.at(-1) as ToolMessage;
    expect(result.getType()).toBe("tool");
    expect(JSON.parse(String(result.content))).toEqual({ items: [{ name: "gpu-7-a" }], has_more: false });
    expect(done.messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
    expect(done.stopped).toBe(false);
  });

  it("hands a refusal to the model as an error result", async () => {
    const model = scripted([{ calls: [{ name: "instance_reboot", args: { id: "x" } }] }, { text: "Not allowed." }]);
    const tools = recorder(() => ({ ok: false, error: { code: "forbidden", message: "requires scope fleet:write" } }));
    const { events, done } = await collect(streamConciergeTurn({ model, runTool: tools.run }, [new HumanMessage("r")]));
    const result = events.find((e) => e.type === "tool_result");
    expect(result).toMatchObject({ outcome: { ok: false, error: { code: "forbidden" } } });
    const tool = done.messages[2] as ToolMessage;
    expect(tool.status).toBe("error");
    expect(JSON.parse(String(tool.content))).toEqual({
      error: { code: "forbidden", message: "requires scope fleet:write" },
    });
  });

  it("answers arguments that are not JSON with invalid_input and never runs them", async () => {
    const model = scripted([{ rawArgs: "{not json" }, { text: "Sorry." }]);
    const tools = recorder(() => ({ ok: true, output: {} }));
    const { events } = await collect(streamConciergeTurn({ model, runTool: tools.run }, [new HumanMessage("x")]));
    expect(tools.calls).toEqual([]);
    expect(events.find((e) => e.type === "tool_call")).toMatchObject({
      call: { id: "bad_1" },
      invalid: expect.any(String),
    });
    expect(events.find((e) => e.type === "tool_result")).toMatchObject({
      outcome: { ok: false, error: { code: "invalid_input" } },
    });
  });

  it.each([
    ["arguments cut off mid-string", { rawArgs: '{"id": "gpu-7' }],
    ["a reply ended for length", { calls: [{ name: "node_get", args: { id: "gpu-7" } }], finish: "length" }],
  ])("never completes a cut-off call and runs it: %s", async (_, reply: Reply) => {
    const model = scripted([reply, { text: "Sorry." }]);
    const tools = recorder(() => ({ ok: true, output: {} }));
    const { events } = await collect(streamConciergeTurn({ model, runTool: tools.run }, [new HumanMessage("x")]));
    expect(tools.calls).toEqual([]);
    expect(events.find((e) => e.type === "tool_call")).toMatchObject({ invalid: expect.any(String) });
    expect(events.find((e) => e.type === "tool_result")).toMatchObject({
      outcome: { ok: false, error: { code: "invalid_input" } },
    });
  });

  it("ends a turn that never answers at the step cap, every call answered", async () => {
    const forever = Array.from({ length: 10 }, () => ({ calls: [{ name: "node_list", args: {} }] }));
    const model = scripted(forever);
    const tools = recorder(() => ({ ok: true, output: { items: [] } }));
    const { events, done } = await collect(
      streamConciergeTurn({ model, runTool: tools.run, maxSteps: 3 }, [new HumanMessage("loop")]),
    );
    expect(model.seen).toHaveLength(3);
    expect(tools.calls).toHaveLength(3);
    const last = events.at(-1);
    expect(last).toMatchObject({ type: "text", delta: expect.stringContaining("stopped after 3 rounds") });
    expect(done.messages.at(-1)!.getType()).toBe("ai");
  });

  it("stops: the text so far stays and calls not started are not run", async () => {
    const stop = new AbortController();
    const model = scripted([{ calls: [{ name: "node_list", args: {} }] }, { text: "never" }]);
    const tools = recorder(() => {
      stop.abort();
      return { ok: true, output: { items: [] } };
    });
    const { events, done } = await collect(
      streamConciergeTurn({ model, runTool: tools.run, stop: stop.signal }, [new HumanMessage("x")]),
    );
    expect(model.seen).toHaveLength(1);
    expect(events.filter((e) => e.type === "tool_result")).toHaveLength(1);
    expect(done.stopped).toBe(true);
  });

  it("runs the offline model, whose answer streams word by word", async () => {
    const offline = new OfflineChatModel({ operations: allOperations, resolver: memoryResolver(SMALL_FLEET) });
    const model = offline.bindTools(chatTools(allOperations));
    const tools = recorder(() => ({
      ok: true,
      output: { items: [{ id: SMALL_FLEET[0]!.id, name: "gpu-7-a", status: "running" }], has_more: false },
    }));
    const { events } = await collect(
      streamConciergeTurn({ model, runTool: tools.run }, [new HumanMessage("which instances are silent?")]),
    );
    expect(tools.calls.map((c) => [c.name, c.args])).toEqual([["instance_list", { silent: true }]]);
    const deltas = events.flatMap((e) => (e.type === "text" ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join("")).toContain("| gpu-7-a | running |");
  });
});
