// The approval card's contract with the real API (createTestFleet): the edit it sends for a gated
// call is what approval_request.approve accepts, the refusals come back as the card words them, and
// the blast-radius reads return what the card shows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalRequest } from "@/lib/approval-types";
import { editFields, editParams, editSubjectOf, initialDraft, readDraft } from "./action-edit";
import { decisionErrorText, REQUESTER_REFUSAL } from "./approval-model";
import { blastTargetOf, countPages, instanceRefOf } from "./blast-radius";
import { indexOperations, reversibilityOf } from "./operation-info";

// The server's test harness, loaded by path at run time: the web workspace's typecheck covers the
// UI's sources only (the server's `.ts` imports are not valid under its compiler options).
interface TestFleet {
  api(
    method: string,
    path: string,
    opts?: { token?: string | null; body?: unknown },
  ): Promise<{ status: number; body: any }>;
  tokens: { admin: string; writer: string; reader: string };
  close(): Promise<void>;
}
const SERVER = "../../../../server/src";
const load = (path: string) => import(/* @vite-ignore */ `${SERVER}/${path}`);

let fleet: TestFleet;
let seeded: { instances: Record<string, string> };

beforeAll(async () => {
  const { createTestFleet } = await load("testing/harness.ts");
  const { seedChatFleet } = await load("chat/test-support.ts");
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  seeded = await seedChatFleet(fleet);
  const policy = await fleet.api("POST", "/api/v1/autonomy/policies", {
    body: { scope: "global", action_category: "instance.reboot", actor_type: "user", policy: "require_approval" },
  });
  expect(policy.status).toBe(201);
}, 120_000);
afterAll(() => fleet?.close());

const requestPath = (id: string) => `/api/v1/autonomy/approval_requests/${id}`;

/** A web UI button's reboot, gated for approval; requested by the writer token's user. */
async function gatedReboot(name: string): Promise<ApprovalRequest> {
  const res = await fleet.api("POST", "/api/v1/actions", {
    token: fleet.tokens.writer,
    body: { operation: "instance.reboot", input: { id: seeded.instances[name] } },
  });
  expect(res.body.data.status).toBe("pending_approval");
  return (await fleet.api("GET", requestPath(res.body.data.approval_request_id))).body.data;
}

describe("the approval card against the API", () => {
  it("approves an edited call: new digest, edited input, same operation; refusals worded", async () => {
    const request = await gatedReboot("edge-1-a");
    const doc = (await fleet.api("GET", "/openapi.json", { token: null })).body;
    const info = indexOperations(doc).get("instance.reboot")!;
    expect(reversibilityOf("instance.reboot", info.effect).value).toBe("yes");
    const subject = editSubjectOf(request)!;
    expect(subject.kind).toBe("call");
    const fields = editFields(subject, request.action_payload.target, info);
    expect(fields.find((f) => f.key === "id")!.locked).not.toBeNull();
    const read = readDraft(fields, { ...initialDraft(fields), hard: true, reason: "hung; power-cycle" });
    expect(read.errors).toEqual([]);
    const params = editParams(subject, read.value);
    const url = `${requestPath(request.id)}/approve`;

    const own = await fleet.api("POST", url, {
      token: fleet.tokens.writer,
      body: { payload_hash: request.payload_hash, params },
    });
    expect(own.status).toBe(403);
    expect(decisionErrorText(own.status, own.body)).toBe(REQUESTER_REFUSAL);

    const stale = await fleet.api("POST", url, { body: { payload_hash: "0".repeat(64), params } });
    expect(stale.status).toBe(409);
    expect(decisionErrorText(stale.status, stale.body)).toMatch(/changed since you opened it/);

    const unfit = await fleet.api("POST", url, {
      body: { payload_hash: request.payload_hash, params: { input: "reboot it" } },
    });
    expect(unfit.status).toBe(400);
    expect(decisionErrorText(unfit.status, unfit.body)).toMatch(/params\.input: must stay a object/);

    const edited = await fleet.api("POST", url, { body: { payload_hash: request.payload_hash, params } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const after: ApprovalRequest = edited.body.data;
    expect(after.status).toBe("approved");
    expect(after.payload_hash).not.toBe(request.payload_hash);
    expect(after.action_payload.params).toEqual({ operation: "instance.reboot", input: read.value });
    expect(after.decisions).toEqual([
      expect.objectContaining({ verdict: "approve", payload_hash_seen: after.payload_hash }),
    ]);
  });

  it("reads an instance target's instance and node, and a node's instances, as the card does", async () => {
    const request = await gatedReboot("gpu-7-a");
    const target = blastTargetOf(request.action_payload.target);
    expect(target).toEqual({ kind: "instance", id: seeded.instances["gpu-7-a"] });
    const got = await fleet.api("GET", `/api/v1/node_instances/${target.id}`);
    const instance = instanceRefOf(got.body.data)!;
    expect(instance).toMatchObject({ id: target.id, status: expect.any(String), node_id: expect.any(String) });
    const node = await fleet.api("GET", `/api/v1/nodes/${instance.node_id}`);
    expect(node.body.data.name).toBe("gpu-7");
    const page = await fleet.api("GET", `/api/v1/node_instances?node_id=${instance.node_id}&limit=200`);
    const counted = countPages([
      { data: page.body.data.map(instanceRefOf), has_more: page.body.meta.has_more === true },
    ]);
    expect(counted).toMatchObject({ read: 1, exact: true });
    expect(counted.shown[0]).toMatchObject({ id: target.id });
  });
});
