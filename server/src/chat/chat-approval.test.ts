// Gated writes from the concierge (spec/ui.md §3.4): under a require_approval policy for AI actors,
// "reboot <name>" answers pending_approval and changes nothing; another person's approval runs the
// call at once (no tick runs in this fleet) and the conversation gains the outcome as a new tool
// part with the model's words, even though the card is no longer the last message. A rejection
// resumes the thread too; a block is a tool error naming the policy; the model never decides.
import type { UIMessage, UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type ChatFleet, eventually, seedChatFleet, sendMessage } from "./test-support.ts";

let fleet: TestFleet;
let seeded: ChatFleet;
const policies: Record<string, string> = {};

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  seeded = await seedChatFleet(fleet);
  for (const [category, policy] of [
    ["instance.reboot", "require_approval"],
    ["instance.cordon", "block"],
  ] as const) {
    const res = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: { scope: "global", action_category: category, actor_type: "user", policy },
    });
    expect(res.status).toBe(201);
    policies[category] = res.body.data.id;
  }
}, 120_000);
afterAll(() => fleet?.close());

const conversation = async () =>
  (await fleet.api("POST", "/api/v1/conversations", { body: {} })).body.data.id as string;
const messagesOf = async (id: string) =>
  (await fleet.api("GET", `/api/v1/conversations/${id}`)).body.data.messages as UIMessage[];
const pendingOf = (chunks: UIMessageChunk[]) => {
  const out = chunks.find((c) => c.type === "tool-output-available");
  return (out as { output: Record<string, string> } | undefined)?.output;
};
type ToolPart = Extract<UIMessage["parts"][number], { type: "dynamic-tool" }>;

describe("a gated call from the chat", () => {
  it("waits for approval, changing nothing; approved by another user it runs at once and the thread resumes", async () => {
    const id = await conversation();
    const target = seeded.instances["gpu-7-a"]!;
    const reply = await sendMessage(fleet, id, "reboot gpu-7-a");
    const call = reply.chunks.find((c) => c.type === "tool-input-available");
    expect(call).toMatchObject({ toolName: "instance_reboot", input: { id: target }, dynamic: true });
    const pending = pendingOf(reply.chunks)!;
    expect(pending).toEqual({
      status: "pending_approval",
      approval_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      action_digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      expires_at: expect.any(String),
      operation: "instance.reboot",
      reason: expect.stringContaining(policies["instance.reboot"]!),
    });
    const before = await fleet.api("GET", `/api/v1/node_instances/${target}`);
    expect(before.body.data.status).toBe("running");
    expect((await fleet.api("GET", `/api/v1/tasks?subject_id=${target}`)).body.data).toEqual([]);
    const request = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${pending.approval_request_id}`);
    expect(request.body.data).toMatchObject({ status: "pending", plan: { requested_via: "chat" } });

    // The card is no longer the last message when the decision comes.
    await sendMessage(fleet, id, "list nodes");
    // The requester may not approve their own call; another person does.
    const self = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`, {
      body: { payload_hash: pending.action_digest },
    });
    expect(self.status).toBe(403);
    // An approver may edit how the call runs, never what it runs on: the request stays as it was.
    const retarget = await fleet.api(
      "POST",
      `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`,
      {
        token: fleet.tokens.writer,
        body: {
          payload_hash: pending.action_digest,
          params: { input: { id: seeded.instances["edge-1-a"], hard: false, reason: "requested by operator" } },
        },
      },
    );
    expect(retarget.status).toBe(400);
    expect(retarget.body).toMatchObject({ code: "invalid_input", reason: "invalid_edit" });
    expect(retarget.body.errors).toContainEqual({
      path: "params.input.id",
      message: expect.stringContaining("target"),
    });
    // An edit the operation would refuse is refused now, by the reviewer's click, not after approval.
    const invalid = await fleet.api(
      "POST",
      `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`,
      {
        token: fleet.tokens.writer,
        body: { payload_hash: pending.action_digest, params: { input: { id: target, hard: false, reason: "" } } },
      },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: "invalid_input", reason: "invalid_edit" });
    expect(invalid.body.errors).toContainEqual({ path: "params.input.reason", message: expect.any(String) });
    const unchanged = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${pending.approval_request_id}`);
    expect(unchanged.body.data).toMatchObject({ status: "pending", payload_hash: pending.action_digest });
    const approvedAt = Date.now();
    const approved = await fleet.api(
      "POST",
      `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`,
      { token: fleet.tokens.writer, body: { payload_hash: pending.action_digest } },
    );
    expect(approved.status).toBe(200);
    const executed = await eventually("the approved reboot", async () => {
      const r = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${pending.approval_request_id}`);
      return r.body.data.executed_at ? r.body.data : undefined;
    });
    expect(executed.execution_status).toBe("applied");
    expect(Date.now() - approvedAt).toBeLessThan(5000);
    expect((await fleet.api("GET", `/api/v1/node_instances/${target}`)).body.data.status).toBe("rebooting");

    const messages = await eventually("the resumed message", async () => {
      const all = await messagesOf(id);
      return all.length === 5 ? all : undefined;
    });
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "assistant"]);
    const resumed = messages[4]!;
    expect(resumed.metadata).toMatchObject({ model: "offline", approval_request_id: pending.approval_request_id });
    const part = resumed.parts.find((p): p is ToolPart => p.type === "dynamic-tool")!;
    expect(part).toMatchObject({
      toolName: "instance_reboot",
      state: "output-available",
      input: { id: target },
      output: {
        status: "executed",
        execution_status: "applied",
        result: { operation: "instance.reboot", output: { instance: { id: target, status: "rebooting" } } },
      },
    });
    const text = resumed.parts.find((p) => p.type === "text") as { text: string };
    expect(text.text).toContain("`instance.reboot`");
    expect(text.text).toContain("Approved and carried out.");
    expect(text.text).toContain("is rebooting");
    // Only once, and nothing ran twice.
    await new Promise((r) => setTimeout(r, 300));
    expect(await messagesOf(id)).toHaveLength(5);
    const tasks = (await fleet.api("GET", `/api/v1/tasks?subject_id=${target}`)).body.data as { command: string }[];
    expect(tasks.filter((t) => t.command === "reboot")).toHaveLength(1);
  }, 60_000);

  it("resumes the thread with a rejection", async () => {
    const id = await conversation();
    const pending = pendingOf((await sendMessage(fleet, id, "reboot edge-2-a")).chunks)!;
    expect(pending.status).toBe("pending_approval");
    const rejected = await fleet.api(
      "POST",
      `/api/v1/autonomy/approval_requests/${pending.approval_request_id}/reject`,
      {
        token: fleet.tokens.writer,
        body: { payload_hash: pending.action_digest, reason: "not during business hours" },
      },
    );
    expect(rejected.status).toBe(200);
    const resumed = await eventually("the resumed message", async () => (await messagesOf(id))[2]);
    const part = resumed.parts.find((p): p is ToolPart => p.type === "dynamic-tool")!;
    expect(part.output).toEqual({
      status: "rejected",
      execution_status: null,
      result: { request_status: "rejected", reason: "not during business hours" },
    });
    expect((await fleet.api("GET", `/api/v1/node_instances/${seeded.instances["edge-2-a"]}`)).body.data.status).toBe(
      "running",
    );
  }, 60_000);

  it("answers a blocked call with an error naming the policy", async () => {
    const id = await conversation();
    const reply = await sendMessage(fleet, id, "cordon edge-1-a");
    const error = reply.chunks.find((c) => c.type === "tool-output-error") as {
      errorText: string;
      toolMetadata: unknown;
    };
    expect(error.errorText).toBe(
      `forbidden: instance.cordon is blocked by policy ${policies["instance.cordon"]} for AI clients`,
    );
    expect(error.toolMetadata).toMatchObject({
      error: { code: "forbidden", reason: "blocked_by_policy", details: { policy_id: policies["instance.cordon"] } },
    });
  }, 30_000);

  it("never decides an approval itself", async () => {
    const id = await conversation();
    const pending = pendingOf((await sendMessage(fleet, id, "reboot edge-1-a")).chunks)!;
    const reply = await sendMessage(fleet, id, `approve request ${pending.approval_request_id}`, fleet.tokens.admin);
    const error = reply.chunks.find((c) => c.type === "tool-output-error") as { errorText: string } | undefined;
    expect(error?.errorText).toMatch(/^forbidden: approval_request\.approve is decided by a person/);
    const request = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${pending.approval_request_id}`);
    expect(request.body.data.status).toBe("pending");
  }, 30_000);
});
