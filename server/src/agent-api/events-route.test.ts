// POST /agent/v1/events over the real mTLS listener: accepted events appear in the REST event log
// with source agent and the caller's instance as subject, replays are duplicates that write nothing,
// batch limits and field errors are named, and no agent can write an event about another instance.
import { randomUUID } from "node:crypto";
import { AGENT_EVENTS_MAX_BATCH } from "@nodepilot/core/agent-protocol";
import { agent_event_ids, fleet_events } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { type EnrolledAgent, enrollAgent, startTestAgentApi, tlsRequest } from "./agent-test-client.ts";

let fleet: TestFleet;
let a: EnrolledAgent;
let b: EnrolledAgent;
const db = () => fleet.runtime.database.db;

const post = (agent: EnrolledAgent | undefined, body: unknown) => {
  const api = fleet.runtime.agentApi!;
  return tlsRequest(api.url, api.caPem, "POST", "/agent/v1/events", {
    body,
    ...(agent ? { client: agent.client } : {}),
  });
};
const event = (extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  kind: "module.verify_failed",
  payload: { digest: `sha256:${"cd".repeat(32)}`, check: "fsverity" },
  occurred_at: "2030-01-02T03:04:05.678Z",
  ...extra,
});
const eventCount = async () =>
  (await db().select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, fleet.runtime.accountId)))[0]!
    .c;
const errorPaths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path);

async function listed(query: string) {
  const res = await fleet.api("GET", `/api/v1/events?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Record<string, unknown>[];
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  await startTestAgentApi(fleet);
  a = await enrollAgent(fleet);
  b = await enrollAgent(fleet);
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

describe("accepting agent events", () => {
  it("writes each event with source agent, the caller as subject and the agent's id and time", async () => {
    const high = event({ severity: "high", correlation_id: "sync-42" });
    const plain = event({ kind: "module.fetch_failed", payload: { digest: "sha256:x", reason: "stalled" } });
    const res = await post(a, { events: [high, plain] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ accepted: 2, duplicates: 0 });

    const rows = await listed(`node_instance_id=${a.instanceId}&kind=module.*&after_seq=0`);
    expect(rows.map((r) => r.id)).toEqual([high.id, plain.id]);
    expect(rows[0]).toMatchObject({
      kind: "module.verify_failed",
      severity: "high",
      source: "agent",
      actor_type: "agent",
      actor_id: a.instanceId,
      subject_type: "node_instance",
      subject_id: a.instanceId,
      node_instance_id: a.instanceId,
      node_id: a.nodeId,
      correlation_id: "sync-42",
      emitted_at: "2030-01-02T03:04:05.678Z",
      payload: high.payload,
    });
    // Severity defaults to low; without a correlation id the event joins the delivering request.
    expect(rows[1]).toMatchObject({ kind: "module.fetch_failed", severity: "low", source: "agent" });
    expect(rows[1]!.correlation_id).toBe(res.headers["x-request-id"]);
    // Consecutive seqs: the batch took its place in the account's log like any other write.
    expect((rows[1]!.seq as number) - (rows[0]!.seq as number)).toBe(1);
  });

  it("links certificate events to the certificate the agent authenticated with", async () => {
    const e = event({ kind: "certificate.rotation_failing", severity: "high", payload: { lifetime_used: 0.93 } });
    expect((await post(a, { events: [e] })).body).toEqual({ accepted: 1, duplicates: 0 });
    const [row] = await listed(`kind=certificate.rotation_failing&node_instance_id=${a.instanceId}`);
    expect(row).toMatchObject({ id: e.id, certificate_id: a.certificateId, severity: "high" });
  });

  it("counts a replayed id as a duplicate and writes nothing for it, also within one batch", async () => {
    const first = event();
    expect((await post(a, { events: [first] })).body).toEqual({ accepted: 1, duplicates: 0 });
    const before = await eventCount();
    const fresh = event();
    const res = await post(a, { events: [first, fresh, fresh] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 1, duplicates: 2 });
    expect(await eventCount()).toBe(before + 1);
    const again = await post(a, { events: [first, fresh] });
    expect(again.body).toEqual({ accepted: 0, duplicates: 2 });
    expect(await eventCount()).toBe(before + 1);
    const dedup = await db().select().from(agent_event_ids).where(eq(agent_event_ids.id, fresh.id));
    expect(dedup).toHaveLength(1);
    expect(dedup[0]!.node_instance_id).toBe(a.instanceId);
  });

  it("writes an id once when two replays of it race", async () => {
    const batch = Array.from({ length: 50 }, () => event({ kind: "module.signature_audit" }));
    const before = await eventCount();
    const [x, y] = await Promise.all([post(a, { events: batch }), post(a, { events: [...batch].reverse() })]);
    expect([x.status, y.status]).toEqual([200, 200]);
    expect(x.body.accepted + y.body.accepted).toBe(50);
    expect(x.body.duplicates + y.body.duplicates).toBe(50);
    expect(await eventCount()).toBe(before + 50);
  });
});

describe("an agent speaks only for itself", () => {
  it("refuses subject or link fields in an event, naming them", async () => {
    const before = await eventCount();
    const res = await post(a, {
      events: [event({ subject_id: b.instanceId, node_instance_id: b.instanceId, source: "api" })],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_input");
    expect(errorPaths(res.body).sort()).toEqual([
      "events.0.node_instance_id",
      "events.0.source",
      "events.0.subject_id",
    ]);
    expect(await eventCount()).toBe(before);
  });

  it("files whatever the payload claims under the caller, and another agent's id stays the first's", async () => {
    const claim = event({ payload: { instance_id: b.instanceId } });
    expect((await post(a, { events: [claim] })).body).toEqual({ accepted: 1, duplicates: 0 });
    const onB = await listed(`node_instance_id=${b.instanceId}&kind=module.*`);
    expect(onB).toHaveLength(0);
    // b replaying a's event id cannot re-file it under b.
    const res = await post(b, { events: [claim, event()] });
    expect(res.body).toEqual({ accepted: 1, duplicates: 1 });
    const mine = await listed(`node_instance_id=${b.instanceId}&kind=module.*`);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).not.toBe(claim.id);
    expect(mine[0]).toMatchObject({ subject_id: b.instanceId, actor_id: b.instanceId });
  });

  it("refuses a caller without a client certificate (401)", async () => {
    const res = await post(undefined, { events: [event()] });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("unauthenticated");
  });
});

describe("batch limits and field errors", () => {
  it(`refuses more than ${AGENT_EVENTS_MAX_BATCH} events and an empty batch, naming events`, async () => {
    const before = await eventCount();
    const tooMany = Array.from({ length: AGENT_EVENTS_MAX_BATCH + 1 }, () => event({ payload: {} }));
    const res = await post(a, { events: tooMany });
    expect(res.status).toBe(400);
    expect(errorPaths(res.body)).toEqual(["events"]);
    const empty = await post(a, { events: [] });
    expect(empty.status).toBe(400);
    expect(errorPaths(empty.body)).toEqual(["events"]);
    expect(await eventCount()).toBe(before);
    // Exactly the limit is fine.
    const full = await post(a, {
      events: Array.from({ length: AGENT_EVENTS_MAX_BATCH }, () => event({ kind: "agent.events_dropped" })),
    });
    expect(full.body).toEqual({ accepted: AGENT_EVENTS_MAX_BATCH, duplicates: 0 });
  });

  it("refuses a body over 256 KB before parsing it", async () => {
    const big = Array.from({ length: 5 }, () => event({ payload: { blob: "x".repeat(60_000) } }));
    const res = await post(a, { events: big });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "invalid_input", reason: "body_too_large" });
  });

  it("refuses a kind an agent may not send, naming the field and the kind", async () => {
    const res = await post(a, { events: [event(), event({ kind: "instance.transitioned" })] });
    expect(res.status).toBe(400);
    expect(errorPaths(res.body)).toEqual(["events.1.kind"]);
    expect(res.body.errors[0].message).toContain('"instance.transitioned" is not an agent event kind');
  });

  it("names each bad field: id, severity, occurred_at, payload size", async () => {
    const res = await post(a, {
      events: [
        event({ id: "not-a-uuid" }),
        event({ severity: "urgent" }),
        event({ occurred_at: "yesterday" }),
        event({ payload: { blob: "y".repeat(70_000) } }),
      ],
    });
    expect(res.status).toBe(400);
    expect(errorPaths(res.body).sort()).toEqual([
      "events.0.id",
      "events.1.severity",
      "events.2.occurred_at",
      "events.3.payload",
    ]);
  });
});
