// POST /api/v1/actions: a web UI page button's call goes through the same gate as the concierge's
// (spec/ui.md §1.3): applied with the operation's output, pending_approval under require_approval
// (changing nothing), a block is 403 naming the policy, and scope and input are checked as ever.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type ChatFleet, seedChatFleet } from "./test-support.ts";

let fleet: TestFleet;
let seeded: ChatFleet;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  seeded = await seedChatFleet(fleet);
}, 120_000);
afterAll(() => fleet?.close());

const act = (operation: string, input: unknown, token = fleet.tokens.admin) =>
  fleet.api("POST", "/api/v1/actions", { token, body: { operation, input } });

const policy = async (category: string, level: string) => {
  const res = await fleet.api("POST", "/api/v1/autonomy/policies", {
    body: { scope: "global", action_category: category, actor_type: "user", policy: level },
  });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
};

describe("POST /api/v1/actions", () => {
  it("applies an ungated call and returns its output", async () => {
    const id = seeded.instances["edge-1-a"]!;
    const res = await act("instance.cordon", { id });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: "applied", output: { id, cordoned_at: expect.any(String) } });
  });

  it("answers pending_approval under require_approval and changes nothing", async () => {
    await policy("instance.reboot", "require_approval");
    const id = seeded.instances["edge-2-a"]!;
    const res = await act("instance.reboot", { id });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      status: "pending_approval",
      approval_request_id: expect.any(String),
      action_digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      operation: "instance.reboot",
    });
    expect((await fleet.api("GET", `/api/v1/node_instances/${id}`)).body.data.status).toBe("running");
    const request = await fleet.api("GET", `/api/v1/autonomy/approval_requests/${res.body.data.approval_request_id}`);
    expect(request.body.data.plan).toMatchObject({ requested_via: "web" });
  });

  it("refuses a blocked call with 403 naming the policy", async () => {
    const id = await policy("instance.stop", "block");
    const res = await act("instance.stop", { id: seeded.instances["gpu-7-a"] });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "forbidden", reason: "blocked_by_policy", policy_id: id });
  });

  it("checks scope, the operation and its input", async () => {
    const denied = await act("instance.cordon", { id: seeded.instances["gpu-7-a"] }, fleet.tokens.reader);
    expect(denied.status).toBe(403);
    expect(denied.body.reason).toBe("missing_scope");
    const unknown = await act("instance.explode", {});
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe("operation");
    const bad = await act("instance.cordon", { id: "nope" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("id");
    const noOp = await fleet.api("POST", "/api/v1/actions", { body: { input: {} } });
    expect(noOp.status).toBe(400);
    expect(noOp.body.errors[0].path).toBe("operation");
  });
});
