// The round trip a turn makes (pure): graph events → UI chunks → the assistant message as the AI SDK
// assembles it → the model's context rebuilt from it, which is the same steps the graph had: the
// model's text and calls, each call's result or structured error.
import { allOperations, toolName } from "@nodepilot/core";
import { type ConciergeEvent, conciergeContext } from "@nodepilot/graphs";
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { contextTurns, errorOfText } from "./model-context.ts";
import { TurnChunks } from "./ui-chunks.ts";

async function assemble(events: ConciergeEvent[]): Promise<UIMessage> {
  const chunks: UIMessageChunk[] = [{ type: "start", messageId: "m1", messageMetadata: { model: "offline" } }];
  let n = 0;
  const turn = new TurnChunks(
    (c) => chunks.push(c),
    (tool) => allOperations.find((op) => toolName(op.name) === tool),
    () => `t${n++}`,
  );
  for (const e of events) turn.event(e);
  turn.end();
  chunks.push({ type: "finish" });
  const stream = new ReadableStream<UIMessageChunk>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const m of readUIMessageStream({ stream })) last = m;
  return last!;
}

const list = { id: "c1", name: "instance_list", args: { silent: true } };
const reboot = { id: "c2", name: "instance_reboot", args: { id: "i1" } };

describe("modelContext", () => {
  it("rebuilds each step: text and calls, then their results", async () => {
    const assistant = await assemble([
      { type: "step", step: 1 },
      { type: "text", delta: "Looking" },
      { type: "text", delta: " up." },
      { type: "tool_call", call: list },
      { type: "tool_call", call: reboot },
      { type: "tool_result", call: list, outcome: { ok: true, output: { items: [{ name: "gpu-7-a" }] } } },
      {
        type: "tool_result",
        call: reboot,
        outcome: {
          ok: false,
          error: { code: "forbidden", message: "requires scope fleet:write", reason: "missing_scope" },
        },
      },
      { type: "step", step: 2 },
      { type: "text", delta: "Done." },
    ]);
    const turns = contextTurns([{ id: "u1", role: "user", parts: [{ type: "text", text: "hi" }] }, assistant]);
    expect(turns).toEqual([
      { role: "user", text: "hi" },
      {
        role: "assistant",
        steps: [
          {
            text: "Looking up.",
            calls: [
              { call: list, outcome: { ok: true, output: { items: [{ name: "gpu-7-a" }] } } },
              {
                call: reboot,
                outcome: {
                  ok: false,
                  error: { code: "forbidden", message: "requires scope fleet:write", reason: "missing_scope" },
                },
              },
            ],
          },
          { text: "Done.", calls: [] },
        ],
      },
    ]);
    type Seen = { getType(): string; content: unknown; tool_calls?: { id?: string }[]; status?: string };
    const context = conciergeContext("system", turns) as unknown as Seen[];
    expect(context.map((m) => m.getType())).toEqual(["system", "human", "ai", "tool", "tool", "ai"]);
    expect(context[2]!.tool_calls?.map((c) => c.id)).toEqual(["c1", "c2"]);
    expect(JSON.parse(String(context[3]!.content))).toEqual({ items: [{ name: "gpu-7-a" }] });
    expect(context[4]!.status).toBe("error");
    expect(JSON.parse(String(context[4]!.content))).toEqual({
      error: { code: "forbidden", message: "requires scope fleet:write", reason: "missing_scope" },
    });
  });

  it("reads an error back from the text it showed", () => {
    expect(errorOfText("not_found: node x was not found")).toEqual({
      code: "not_found",
      message: "node x was not found",
    });
    expect(errorOfText("boom")).toEqual({ code: "internal", message: "boom" });
  });
});
