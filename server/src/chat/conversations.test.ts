// The concierge over HTTP (spec/ui.md §3) on a seeded fleet, offline model: conversations are the
// caller's own; a message streams back as an AI SDK v6 UI message stream whose text arrives in many
// deltas and whose tool call is a dynamic tool part with the operation's real output; the turn is
// stored as it was streamed; one turn at a time; a viewer's write is refused by scope; a client that
// goes away leaves a stopped reply.
import { OFFLINE_PREFACE } from "@nodepilot/graphs";
import type { UIMessage, UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type ChatFleet, eventually, parseUiStream, seedChatFleet, sendMessage } from "./test-support.ts";

let fleet: TestFleet;
let seeded: ChatFleet;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  seeded = await seedChatFleet(fleet);
}, 120_000);
afterAll(() => fleet?.close());

const create = async (token = fleet.tokens.admin, body: unknown = {}) => {
  const res = await fleet.api("POST", "/api/v1/conversations", { token, body });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; title: string | null; created_at: string; updated_at: string };
};
const ofType = <T extends UIMessageChunk["type"]>(chunks: UIMessageChunk[], type: T) =>
  chunks.filter((c): c is Extract<UIMessageChunk, { type: T }> => c.type === type);

describe("conversations", () => {
  it("creates, lists newest first, reads and deletes only the caller's own", async () => {
    const first = await create(fleet.tokens.admin, { title: "first" });
    const second = await create();
    expect(second).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const mine = await fleet.api("GET", "/api/v1/conversations");
    expect(mine.status).toBe(200);
    const ids = mine.body.data.map((c: { id: string }) => c.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));

    // Another user sees none of them and cannot read, write or delete one.
    const theirs = await fleet.api("GET", "/api/v1/conversations", { token: fleet.tokens.writer });
    expect(theirs.body.data.map((c: { id: string }) => c.id)).not.toContain(first.id);
    const read = await fleet.api("GET", `/api/v1/conversations/${first.id}`, { token: fleet.tokens.writer });
    expect(read.status).toBe(404);
    expect(read.body.code).toBe("not_found");
    expect((await sendMessage(fleet, first.id, "hello", fleet.tokens.writer)).status).toBe(404);
    expect(
      (await fleet.api("DELETE", `/api/v1/conversations/${first.id}`, { token: fleet.tokens.writer })).status,
    ).toBe(404);

    const got = await fleet.api("GET", `/api/v1/conversations/${first.id}`);
    expect(got.body.data).toEqual({ ...first, messages: [] });
    expect((await fleet.api("DELETE", `/api/v1/conversations/${first.id}`)).status).toBe(204);
    expect((await fleet.api("GET", `/api/v1/conversations/${first.id}`)).status).toBe(404);
    expect((await fleet.api("GET", "/api/v1/conversations/not-a-uuid")).status).toBe(404);
    expect((await fleet.api("GET", "/api/v1/conversations", { token: null })).status).toBe(401);
  });

  it("names the field a bad body gets wrong", async () => {
    const badTitle = await fleet.api("POST", "/api/v1/conversations", { body: { title: 7 } });
    expect(badTitle.status).toBe(400);
    expect(badTitle.body.errors[0].path).toBe("title");
    const { id } = await create();
    for (const body of [{}, { text: "" }, { text: "x".repeat(4001) }, { text: "hi", extra: 1 }]) {
      const res = await fleet.api("POST", `/api/v1/conversations/${id}/messages`, { body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.detail).toMatch(/^(text|extra)/);
    }
  });
});

describe("a turn", () => {
  it("streams the answer in many deltas with the tool call as a dynamic part, and stores it as streamed", async () => {
    const { id } = await create();
    const reply = await sendMessage(fleet, id, "  which instances are silent?  ");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toContain("text/event-stream");
    const { chunks } = reply;
    expect(chunks[0]).toEqual({ type: "start", messageId: expect.any(String), messageMetadata: { model: "offline" } });
    expect(chunks.at(-1)).toMatchObject({ type: "finish" });

    const call = ofType(chunks, "tool-input-available");
    expect(call).toEqual([
      expect.objectContaining({
        toolName: "instance_list",
        input: { silent: true },
        dynamic: true,
        title: expect.any(String),
      }),
    ]);
    const output = ofType(chunks, "tool-output-available");
    expect(output).toHaveLength(1);
    expect(output[0]!.toolCallId).toBe(call[0]!.toolCallId);
    expect(output[0]!.dynamic).toBe(true);
    const rows = (output[0]!.output as { items: { id: string; name: string }[] }).items;
    expect(rows.map((r) => r.name).sort()).toEqual(["edge-2-a", "gpu-7-a"]);
    expect(rows.map((r) => r.id).sort()).toEqual([seeded.instances["edge-2-a"], seeded.instances["gpu-7-a"]].sort());

    const deltas = ofType(chunks, "text-delta");
    expect(deltas.length).toBeGreaterThan(5);
    const text = deltas.map((d) => d.delta).join("");
    expect(text.startsWith(OFFLINE_PREFACE)).toBe(true);
    expect(text).toMatch(/\| gpu-7-a \|/);
    expect(ofType(chunks, "text-start")).toHaveLength(1);
    expect(ofType(chunks, "text-end")).toHaveLength(1);

    const got = await fleet.api("GET", `/api/v1/conversations/${id}`);
    expect(got.body.data.title).toBe("which instances are silent?");
    const messages = got.body.data.messages as UIMessage[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[0]!.parts).toEqual([{ type: "text", text: "  which instances are silent?  " }]);
    const assistant = messages[1]!;
    expect(assistant.id).toBe((chunks[0] as { messageId: string }).messageId);
    expect(assistant.metadata).toEqual({ model: "offline" });
    const tool = assistant.parts.find((p) => p.type === "dynamic-tool");
    expect(tool).toMatchObject({
      toolName: "instance_list",
      toolCallId: call[0]!.toolCallId,
      state: "output-available",
      input: { silent: true },
      output: output[0]!.output,
      toolMetadata: { operation: "instance.list", effect: "read" },
    });
    expect(assistant.parts.filter((p) => p.type === "step-start")).toHaveLength(2);
    expect(assistant.parts.find((p) => p.type === "text")).toEqual({ type: "text", text, state: "done" });
  }, 30_000);

  it("continues from the stored conversation: a later turn acts on an earlier result", async () => {
    const { id } = await create();
    await sendMessage(fleet, id, "which instances are silent?");
    const next = await sendMessage(fleet, id, "reboot the first one");
    const call = ofType(next.chunks, "tool-input-available")[0]!;
    expect(call.toolName).toBe("instance_reboot");
    const first = [seeded.instances["edge-2-a"], seeded.instances["gpu-7-a"]];
    expect(first).toContain((call.input as { id: string }).id);
    const done = ofType(next.chunks, "tool-output-available")[0]!.output as { instance: { status: string } };
    expect(done.instance.status).toBe("rebooting");
  }, 30_000);

  it("refuses a second message while a turn runs, and takes one once it ended", async () => {
    const { id } = await create();
    const running = await fleet.runtime.app.request(`/api/v1/conversations/${id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${fleet.tokens.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "which instances are silent?" }),
    });
    const second = await fleet.api("POST", `/api/v1/conversations/${id}/messages`, { body: { text: "list nodes" } });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: "conflict", reason: "turn_in_progress" });
    expect(parseUiStream(await running.text()).at(-1)).toMatchObject({ type: "finish" });
    expect((await sendMessage(fleet, id, "list nodes")).status).toBe(200);
  }, 30_000);

  it("answers a viewer's write with a forbidden tool error naming the scope, changing nothing", async () => {
    const { id } = await create(fleet.tokens.reader);
    const reply = await sendMessage(fleet, id, "reboot edge-1-a", fleet.tokens.reader);
    expect(reply.status).toBe(200);
    const call = ofType(reply.chunks, "tool-input-available")[0]!;
    expect(call).toMatchObject({ toolName: "instance_reboot", input: { id: seeded.instances["edge-1-a"] } });
    const error = ofType(reply.chunks, "tool-output-error")[0]!;
    expect(error.toolCallId).toBe(call.toolCallId);
    expect(error.errorText).toMatch(/^forbidden: instance\.reboot requires scope fleet:write/);
    expect(error.toolMetadata).toMatchObject({ error: { code: "forbidden", reason: "missing_scope" } });
    const text = ofType(reply.chunks, "text-delta")
      .map((d) => d.delta)
      .join("");
    expect(text).toContain("failed with `forbidden`");
    const instance = await fleet.api("GET", `/api/v1/node_instances/${seeded.instances["edge-1-a"]}`);
    expect(instance.body.data.status).toBe("running");
  }, 30_000);

  it("stores what was produced, marked stopped, when the client goes away", async () => {
    const { id } = await create();
    const gone = new AbortController();
    const res = await fleet.runtime.app.request(`/api/v1/conversations/${id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${fleet.tokens.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "which instances are silent?" }),
      signal: gone.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    gone.abort();
    await reader.cancel();
    const messages = await eventually("the stopped turn", async () => {
      const got = await fleet.api("GET", `/api/v1/conversations/${id}`);
      return got.body.data.messages.length === 2 ? (got.body.data.messages as UIMessage[]) : undefined;
    });
    expect(messages[0]!.parts).toEqual([{ type: "text", text: "which instances are silent?" }]);
    expect(messages[1]!.metadata).toEqual({ model: "offline", stopped: true });
    // The conversation is free for the next turn.
    expect((await sendMessage(fleet, id, "list nodes")).status).toBe(200);
  }, 30_000);
});
