// Approval decisions from MCP clients go through the connected person (spec/mcp.md §5 "Gate"),
// through the SDK's client over Streamable HTTP against the real runtime: a different user whose
// client can elicit is asked with the exact action, digest, blast radius and expiry, and only their
// answer decides (approve → approved and the action runs once; decline → still pending; reject →
// rejected); the requester is refused by four-eyes before anything is asked, and a client that
// cannot elicit is told where a person decides instead. Nothing changes without the person.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ElicitRequest, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { approval_requests, fleet_events, nodes } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type McpClients, mcpClients, toolError } from "../testing/mcp-client.ts";

let fleet: TestFleet;
let templateId: string;
let mcp: McpClients;

/** A client for `token`; with `answer`, it declares elicitation and answers each request with it. */
async function connect(token: string, answer?: (req: ElicitRequest) => ElicitResult) {
  const asked: ElicitRequest[] = [];
  const client = await mcp.connect(token, {
    name: "nodepilot-elicitation-test",
    onElicit:
      answer &&
      ((req) => {
        asked.push(req);
        return answer(req);
      }),
    // Every result below is then validated against its tool's output schema.
    listTools: true,
  });
  return { client, asked };
}

const db = () => fleet.runtime.database.db;

async function newNode(name: string): Promise<string> {
  const made = await fleet.api("POST", "/api/v1/nodes", { body: { name, node_template_id: templateId } });
  expect(made.status).toBe(201);
  return made.body.data.id;
}

/** An AI client of the admin (the requester) asks to delete the node: a pending approval. */
async function pendingDelete(requester: Client, nodeId: string) {
  const result = await requester.callTool({ name: "node_delete", arguments: { id: nodeId } });
  const pending = result.structuredContent as { status: string; approval_request_id: string; action_digest: string };
  expect(pending.status).toBe("pending_approval");
  return pending;
}

async function requestRow(id: string) {
  const [row] = await db().select().from(approval_requests).where(eq(approval_requests.id, id));
  return row!;
}

const nodeExists = async (id: string) => (await db().select().from(nodes).where(eq(nodes.id, id))).length === 1;

beforeAll(async () => {
  fleet = await createTestFleet({ startJobs: true });
  mcp = mcpClients(fleet);
  templateId = await fleet.createTemplate("mcp-elicitation");
}, 60_000);

afterAll(async () => {
  await mcp?.closeAll();
  await fleet?.close();
});

describe("approval decisions from an MCP client", () => {
  it("ask a different person who can elicit; their approval runs the action once", async () => {
    const nodeId = await newNode("elicit-approve");
    const { client: requester } = await connect(fleet.tokens.admin);
    const pending = await pendingDelete(requester, nodeId);

    const { client: approver, asked } = await connect(fleet.tokens.writer, () => ({
      action: "accept",
      content: { decision: "approve", reason: "checked the node is empty" },
    }));
    const result = await approver.callTool({
      name: "approval_request_approve",
      arguments: { id: pending.approval_request_id, payload_hash: pending.action_digest },
    });
    expect(result.isError).toBeFalsy();
    const decided = result.structuredContent as {
      status: string;
      decisions: { verdict: string; comment: string; payload_hash_seen: string }[];
    };
    expect(decided.status).toBe("approved");
    expect(decided.decisions).toEqual([
      expect.objectContaining({
        verdict: "approve",
        comment: "checked the node is empty",
        payload_hash_seen: pending.action_digest,
      }),
    ]);

    // The person saw the exact action, its digest, what it reaches and the expiry, and chose from approve/reject.
    expect(asked).toHaveLength(1);
    const params = asked[0]!.params as { message: string; requestedSchema: { properties: Record<string, unknown> } };
    expect(params.message).toContain("node.delete");
    expect(params.message).toContain(nodeId);
    expect(params.message).toContain(pending.action_digest);
    expect(params.message).toContain("Blast radius:");
    expect(params.message).toContain(
      `Expires: ${(await requestRow(pending.approval_request_id)).expires_at.toISOString()}`,
    );
    expect(params.requestedSchema.properties.decision).toMatchObject({ enum: ["approve", "reject"] });

    // The approved call runs as the token that asked, once.
    let row = await requestRow(pending.approval_request_id);
    for (let i = 0; i < 200 && !row.executed_at; i++) {
      await new Promise((r) => setTimeout(r, 100));
      row = await requestRow(pending.approval_request_id);
    }
    expect(row.execution_status).toBe("applied");
    expect(await nodeExists(nodeId)).toBe(false);
    const deleted = await db()
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.subject_id, nodeId), eq(fleet_events.kind, "node.deleted")));
    expect(deleted).toHaveLength(1);
    // Checking eligibility first (a rolled-back rehearsal) left no decision or event of its own.
    const approvedEvents = await db()
      .select()
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.subject_id, pending.approval_request_id),
          eq(fleet_events.kind, "autonomy.approval_approved"),
        ),
      );
    expect(approvedEvents).toHaveLength(1);
  }, 60_000);

  it("change nothing when the person declines, and reject when they choose to", async () => {
    const nodeId = await newNode("elicit-decline");
    const { client: requester } = await connect(fleet.tokens.admin);
    const pending = await pendingDelete(requester, nodeId);
    const call = {
      name: "approval_request_approve",
      arguments: { id: pending.approval_request_id, payload_hash: pending.action_digest },
    };

    const { client: decliner, asked } = await connect(fleet.tokens.writer, () => ({ action: "decline" }));
    const declined = await decliner.callTool(call);
    expect(declined.isError).toBeFalsy();
    expect((declined.structuredContent as { status: string }).status).toBe("pending");
    expect((declined.content as { text: string }[])[0]!.text).toContain("declined; nothing changed");
    expect(asked).toHaveLength(1);
    expect(await requestRow(pending.approval_request_id)).toMatchObject({ status: "pending", decided_at: null });
    expect(await nodeExists(nodeId)).toBe(true);

    // The person's decision is what runs, even when the model asked to approve.
    const { client: rejecter } = await connect(fleet.tokens.writer, () => ({
      action: "accept",
      content: { decision: "reject", reason: "not during the release" },
    }));
    const rejected = await rejecter.callTool(call);
    expect((rejected.structuredContent as { status: string }).status).toBe("rejected");
    expect(await requestRow(pending.approval_request_id)).toMatchObject({
      status: "rejected",
      rejection_reason: "not during the release",
    });
    expect(await nodeExists(nodeId)).toBe(true);
  }, 60_000);

  it("refuse the requester by four-eyes without asking, and never elicit for the requester's own pending call", async () => {
    const nodeId = await newNode("elicit-self");
    const { client: requester, asked } = await connect(fleet.tokens.admin, () => ({
      action: "accept",
      content: { decision: "approve" },
    }));
    const pending = await pendingDelete(requester, nodeId);
    expect(asked).toHaveLength(0);

    const self = await requester.callTool({
      name: "approval_request_approve",
      arguments: { id: pending.approval_request_id, payload_hash: pending.action_digest },
    });
    expect(toolError(self)).toMatchObject({
      code: "forbidden",
      reason: "four_eyes",
    });
    expect(asked).toHaveLength(0);
    expect((await requestRow(pending.approval_request_id)).status).toBe("pending");
    expect(await nodeExists(nodeId)).toBe(true);
  }, 60_000);

  it("tell a client that cannot elicit that a person must decide, and where", async () => {
    const nodeId = await newNode("elicit-none");
    const { client: requester } = await connect(fleet.tokens.admin);
    const pending = await pendingDelete(requester, nodeId);
    const { client: plain } = await connect(fleet.tokens.writer);
    for (const name of ["approval_request_approve", "approval_request_reject"]) {
      const result = await plain.callTool({
        name,
        arguments: {
          id: pending.approval_request_id,
          payload_hash: pending.action_digest,
          ...(name.endsWith("reject") ? { reason: "the model thinks so" } : {}),
        },
      });
      const e = toolError(result);
      expect(e).toMatchObject({
        code: "forbidden",
        reason: "human_confirmation_required",
        approval_request_id: pending.approval_request_id,
        action_digest: pending.action_digest,
      });
      expect(e.approve_url).toContain(`/api/v1/autonomy/approval_requests/${pending.approval_request_id}/approve`);
    }
    expect((await requestRow(pending.approval_request_id)).status).toBe("pending");
    expect(await nodeExists(nodeId)).toBe(true);
  }, 60_000);
});
