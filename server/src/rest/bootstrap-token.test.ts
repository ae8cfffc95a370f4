// instance.issue_bootstrap_token over REST: an admin mints a token (never its plaintext), with
// scope, tenancy, validation and terminated-instance refusals that write nothing.
import { randomUUID } from "node:crypto";
import { bootstrap_tokens, fleet_events, node_instances } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let nodeId: string;

async function makeNode(f: TestFleet) {
  const templateId = await f.createTemplate(`tpl-${randomUUID().slice(0, 8)}`);
  const res = await f.api("POST", "/api/v1/nodes", {
    body: { name: `n-${randomUUID().slice(0, 8)}`, node_template_id: templateId },
  });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
}

async function insertInstance(f: TestFleet, node: string, status: "pending" | "running" | "terminated" = "pending") {
  const [row] = await f.runtime.database.db
    .insert(node_instances)
    .values({
      account_id: f.runtime.accountId,
      node_id: node,
      name: `i-${randomUUID().slice(0, 8)}`,
      variety: "local",
      status,
    })
    .returning();
  return row!.id;
}

async function counts(f: TestFleet) {
  const db = f.runtime.database.db;
  const [t] = await db
    .select({ c: count() })
    .from(bootstrap_tokens)
    .where(eq(bootstrap_tokens.account_id, f.runtime.accountId));
  const [e] = await db
    .select({ c: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, f.runtime.accountId));
  return { tokens: t!.c, events: e!.c };
}

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
  nodeId = await makeNode(fleet);
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("POST /api/v1/node_instances/:id/bootstrap_token", () => {
  it("issues a token, returning its id, expiry and the enroll path but never the plaintext", async () => {
    const instanceId = await insertInstance(fleet, nodeId);
    const before = Date.now();
    const res = await fleet.api("POST", `/api/v1/node_instances/${instanceId}/bootstrap_token`, {
      body: { purpose: "reenroll", ttl_seconds: 600 },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body.data).sort()).toEqual([
      "enroll_url",
      "expires_at",
      "instance_id",
      "purpose",
      "token_id",
    ]);
    expect(res.body.data).toMatchObject({
      instance_id: instanceId,
      purpose: "reenroll",
      enroll_url: "/agent/v1/enroll",
    });
    const ttl = Date.parse(res.body.data.expires_at) - before;
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(601_000);

    const [row] = await fleet.runtime.database.db
      .select()
      .from(bootstrap_tokens)
      .where(eq(bootstrap_tokens.id, res.body.data.token_id));
    expect(row).toMatchObject({
      node_id: nodeId,
      node_instance_id: instanceId,
      intended_subject: instanceId,
      purpose: "reenroll",
      consumed_at: null,
      revoked_at: null,
      failed_attempts: 0,
    });
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const events = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.node_instance_id, instanceId));
    expect(events.map((e) => e.kind)).toEqual(["instance.bootstrap_token_issued"]);
    expect(events[0]!.payload).toEqual({
      token_id: row!.id,
      purpose: "reenroll",
      expires_at: res.body.data.expires_at,
    });
  });

  it("defaults to purpose enroll and a one-hour lifetime", async () => {
    const instanceId = await insertInstance(fleet, nodeId, "running");
    const before = Date.now();
    const res = await fleet.api("POST", `/api/v1/node_instances/${instanceId}/bootstrap_token`, { body: {} });
    expect(res.status).toBe(201);
    expect(res.body.data.purpose).toBe("enroll");
    expect(Math.round((Date.parse(res.body.data.expires_at) - before) / 1000)).toBeGreaterThanOrEqual(3599);
    expect(Math.round((Date.parse(res.body.data.expires_at) - before) / 1000)).toBeLessThanOrEqual(3601);
  });

  const refused: [string, () => Promise<{ path: string; token?: string; body?: unknown }>, number, string, string?][] =
    [
      [
        "a writer (needs fleet:admin)",
        async () => ({ path: await insertInstance(fleet, nodeId), token: fleet.tokens.writer, body: {} }),
        403,
        "forbidden",
      ],
      [
        "a ttl over one hour",
        async () => ({ path: await insertInstance(fleet, nodeId), body: { ttl_seconds: 3601 } }),
        400,
        "invalid_input",
        "ttl_seconds",
      ],
      [
        "purpose claim (claims come from unclaimed_device.claim)",
        async () => ({ path: await insertInstance(fleet, nodeId), body: { purpose: "claim" } }),
        400,
        "invalid_input",
        "purpose",
      ],
      [
        "an unknown field",
        async () => ({ path: await insertInstance(fleet, nodeId), body: { plaintext: true } }),
        400,
        "invalid_input",
        "plaintext",
      ],
      ["an unknown instance", async () => ({ path: randomUUID(), body: {} }), 404, "not_found"],
      [
        "another account's instance",
        async () => ({ path: await insertInstance(other, await makeNode(other)), body: {} }),
        404,
        "not_found",
      ],
    ];
  it.each(refused)("refuses %s, writing nothing", async (_, setup, status, code, field) => {
    const s = await setup();
    const before = await counts(fleet);
    const res = await fleet.api("POST", `/api/v1/node_instances/${s.path}/bootstrap_token`, {
      body: s.body,
      ...(s.token ? { token: s.token } : {}),
    });
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    if (field) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await counts(fleet)).toEqual(before);
  });

  it("refuses a terminated instance as conflict/instance_terminated, writing nothing", async () => {
    const instanceId = await insertInstance(fleet, nodeId, "terminated");
    const before = await counts(fleet);
    const res = await fleet.api("POST", `/api/v1/node_instances/${instanceId}/bootstrap_token`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", reason: "instance_terminated" });
    expect(await counts(fleet)).toEqual(before);
  });
});
