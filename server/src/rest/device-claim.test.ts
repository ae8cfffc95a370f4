// The unclaimed_device operations over REST: listing never shows claim codes, a claim by the code a
// box shows binds it to an existing or new node as a physical instance (with its fleet events in the
// same transaction), refusals write nothing, and forgetting a claimed box revokes its unused token.
// Boxes are recorded through the agent listener's own poll function, as a first contact would.
import { randomBytes, randomUUID } from "node:crypto";
import { pollClaim } from "@nodepilot/core";
import { bootstrap_tokens, fleet_events, node_instances, nodes, unclaimed_devices } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let templateId: string;
let nodeId: string;
const db = () => fleet.runtime.database.db;

const newMac = () =>
  [...randomBytes(6)].map((b, i) => (i === 0 ? b & 0xfe : b).toString(16).padStart(2, "0")).join(":");

interface Box {
  mac: string;
  dmi_uuid: string;
  hostname: string;
  code: string;
}

/** A box's poll, exactly as POST /agent/v1/claim runs it. */
async function poll(f: TestFleet, b: Omit<Box, "code">) {
  return pollClaim(f.runtime.database.db, f.runtime.services.secrets, {
    accountId: f.runtime.accountId,
    request: { ...b, agent_version: "0.1.0", architecture: "arm64" },
    sourceIp: "192.0.2.10",
    now: new Date(),
    requestId: null,
  });
}

async function newBox(f: TestFleet = fleet, hostname = `box-${randomUUID().slice(0, 6)}`): Promise<Box> {
  const b = { mac: newMac(), dmi_uuid: randomUUID(), hostname };
  const reply = await poll(f, b);
  if (reply.status !== "pending") throw new Error("a new box must be pending");
  return { ...b, code: reply.claim_code };
}

const deviceId = async (b: Box) =>
  (await db().select().from(unclaimed_devices).where(eq(unclaimed_devices.discovered_mac, b.mac)))[0]!.id;

async function counts() {
  const account = fleet.runtime.accountId;
  const one = async (q: Promise<{ c: number }[]>) => (await q)[0]!.c;
  return {
    events: await one(db().select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, account))),
    instances: await one(
      db().select({ c: count() }).from(node_instances).where(eq(node_instances.account_id, account)),
    ),
    nodes: await one(db().select({ c: count() }).from(nodes).where(eq(nodes.account_id, account))),
    devices: await one(
      db().select({ c: count() }).from(unclaimed_devices).where(eq(unclaimed_devices.account_id, account)),
    ),
  };
}

const claim = (body: Record<string, unknown>, opts: { token?: string; headers?: Record<string, string> } = {}) =>
  fleet.api("POST", "/api/v1/unclaimed_devices/claim", { body, ...opts });

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  other = await createTestFleet({ startRunners: false });
  templateId = await fleet.createTemplate("claim-tpl");
  const node = await fleet.api("POST", "/api/v1/nodes", { body: { name: "edge-1", node_template_id: templateId } });
  expect(node.status).toBe(201);
  nodeId = node.body.data.id;
}, 60_000);
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("GET /api/v1/unclaimed_devices", () => {
  it("lists this account's live devices without their codes, filtered by status, MAC and hostname", async () => {
    const a = await newBox(fleet, "list-a");
    const b = await newBox(fleet, "list-b");
    const foreign = await newBox(other, "list-foreign");
    const res = await fleet.api("GET", "/api/v1/unclaimed_devices?status=pending", { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    const macs = res.body.data.map((d: { discovered_mac: string }) => d.discovered_mac);
    expect(macs).toEqual(expect.arrayContaining([a.mac, b.mac]));
    expect(macs).not.toContain(foreign.mac);
    const item = res.body.data.find((d: { discovered_mac: string }) => d.discovered_mac === a.mac);
    expect(item).toMatchObject({
      status: "pending",
      discovered_dmi_uuid: a.dmi_uuid,
      discovered_hostname: "list-a",
      architecture: "arm64",
      agent_version: "0.1.0",
      claimed_node_instance_id: null,
      token_delivered_at: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(a.code);
    expect(Object.keys(item)).not.toContain("claim_code");

    const byMac = await fleet.api("GET", `/api/v1/unclaimed_devices?mac=${b.mac.toUpperCase()}`);
    expect(byMac.body.data.map((d: { discovered_mac: string }) => d.discovered_mac)).toEqual([b.mac]);
    const byHost = await fleet.api("GET", "/api/v1/unclaimed_devices?hostname_contains=list-a");
    expect(byHost.body.data).toHaveLength(1);
    const claimedOnly = await fleet.api("GET", "/api/v1/unclaimed_devices?status=claimed");
    expect(claimedOnly.body.data.map((d: { discovered_mac: string }) => d.discovered_mac)).not.toContain(a.mac);

    const got = await fleet.api("GET", `/api/v1/unclaimed_devices/${await deviceId(a)}`);
    expect(got.status).toBe(200);
    expect(got.body.data.discovered_mac).toBe(a.mac);
    const cross = await other.api("GET", `/api/v1/unclaimed_devices/${await deviceId(a)}`);
    expect(cross.status).toBe(404);
  });

  it("leaves out devices not seen for 24 h, and they cannot be claimed", async () => {
    const stale = await newBox();
    await db()
      .update(unclaimed_devices)
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where(eq(unclaimed_devices.discovered_mac, stale.mac));
    const res = await fleet.api("GET", `/api/v1/unclaimed_devices?mac=${stale.mac}`);
    expect(res.body.data).toEqual([]);
    const c = await claim({ claim_code: stale.code, node_id: nodeId });
    expect(c.status).toBe(404);
  });
});

describe("POST /api/v1/unclaimed_devices/claim", () => {
  it("binds a box to an existing node as a physical provisioning instance, with its events", async () => {
    const b = await newBox(fleet, "rack3-07.example.net");
    const typed = `${b.code.slice(0, 4).toLowerCase()}-${b.code.slice(4).toLowerCase()}`;
    const res = await claim({ claim_code: typed, node_id: nodeId }, { token: fleet.tokens.writer });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { device, instance } = res.body.data;
    expect(device).toMatchObject({ status: "claimed", claimed_node_instance_id: instance.id });
    expect(instance).toMatchObject({
      node_id: nodeId,
      name: "rack3-07",
      variety: "physical",
      status: "provisioning",
      status_reason: "claimed",
      architecture: "arm64",
      discovered_mac: b.mac,
      discovered_dmi_uuid: b.dmi_uuid,
      discovered_hostname: "rack3-07.example.net",
    });
    expect(instance.claimed_at).not.toBeNull();
    expect(JSON.stringify(res.body)).not.toContain(b.code);

    const events = await db()
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.node_instance_id, instance.id)))
      .orderBy(fleet_events.seq);
    expect(events.map((e) => e.kind)).toEqual([
      "instance.created",
      "instance.transitioned",
      "unclaimed_device.claimed",
    ]);
    // One transaction: the account's sequence lock makes its events consecutive.
    expect(events.map((e) => e.seq - events[0]!.seq)).toEqual([0, 1, 2]);
    expect(events[2]).toMatchObject({ subject_type: "unclaimed_device", subject_id: device.id, actor_type: "user" });

    // The code is spent: a second claim conflicts and writes nothing.
    const before = await counts();
    const again = await claim({ claim_code: b.code, node_id: nodeId });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "conflict", reason: "already_claimed" });
    expect(await counts()).toEqual(before);
  });

  it("creates the node when asked, and the box's next poll receives a claim token for the instance", async () => {
    const b = await newBox();
    const res = await claim({ claim_code: b.code, node: { name: "rack4-01", node_template_id: templateId } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const instance = res.body.data.instance;
    const node = await fleet.api("GET", `/api/v1/nodes/${instance.node_id}`);
    expect(node.body.data).toMatchObject({ name: "rack4-01", node_template_id: templateId });
    const nodeEvents = await db().select().from(fleet_events).where(eq(fleet_events.node_id, instance.node_id));
    expect(nodeEvents.map((e) => e.kind)).toContain("node.created");

    const reply = await poll(fleet, b);
    expect(reply).toMatchObject({ status: "claimed", instance_id: instance.id });
    const got = await fleet.api("GET", `/api/v1/unclaimed_devices/${res.body.data.device.id}`);
    expect(got.body.data.status).toBe("claimed");
    expect(got.body.data.token_delivered_at).not.toBeNull();
  });

  it("of simultaneous claims of one code, exactly one wins", async () => {
    const b = await newBox();
    const results = await Promise.all([1, 2, 3].map(() => claim({ claim_code: b.code, node_id: nodeId })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const instances = await db().select().from(node_instances).where(eq(node_instances.discovered_mac, b.mac));
    expect(instances).toHaveLength(1);
  });

  it("replays the first answer for the same idempotency key", async () => {
    const b = await newBox();
    const headers = { "idempotency-key": `claim-${randomUUID()}` };
    const first = await claim({ claim_code: b.code, node_id: nodeId }, { headers });
    expect(first.status).toBe(201);
    const second = await claim({ claim_code: b.code, node_id: nodeId }, { headers });
    expect(second.status).toBe(201);
    expect(second.body.data.instance.id).toBe(first.body.data.instance.id);
  });

  const refused: [string, () => Promise<{ body: Record<string, unknown>; token?: string }>, number, string, string?][] =
    [
      [
        "a reader (needs fleet:write)",
        async () => ({ body: { claim_code: (await newBox()).code, node_id: nodeId }, token: fleet.tokens.reader }),
        403,
        "forbidden",
      ],
      [
        "neither node_id nor node",
        async () => ({ body: { claim_code: (await newBox()).code } }),
        400,
        "invalid_input",
        "node_id",
      ],
      [
        "both node_id and node",
        async () => ({
          body: {
            claim_code: (await newBox()).code,
            node_id: nodeId,
            node: { name: "x", node_template_id: templateId },
          },
        }),
        400,
        "invalid_input",
        "node",
      ],
      [
        "a code with a look-alike character",
        async () => ({ body: { claim_code: "ABCD0EFG", node_id: nodeId } }),
        400,
        "invalid_input",
        "claim_code",
      ],
      ["an unknown code", async () => ({ body: { claim_code: "ZZZZZZZZ", node_id: nodeId } }), 404, "not_found"],
      [
        "another account's box",
        async () => ({ body: { claim_code: (await newBox(other)).code, node_id: nodeId } }),
        404,
        "not_found",
      ],
      [
        "an unknown node",
        async () => ({ body: { claim_code: (await newBox()).code, node_id: randomUUID() } }),
        404,
        "not_found",
      ],
      [
        "a new node with an invalid name",
        async () => ({
          body: { claim_code: (await newBox()).code, node: { name: "Bad Name", node_template_id: templateId } },
        }),
        400,
        "invalid_input",
        "node.name",
      ],
      [
        "a disabled node",
        async () => {
          const n = await fleet.api("POST", "/api/v1/nodes", {
            body: { name: `off-${randomUUID().slice(0, 6)}`, node_template_id: templateId, enabled: false },
          });
          return { body: { claim_code: (await newBox()).code, node_id: n.body.data.id } };
        },
        409,
        "conflict",
      ],
    ];
  it.each(refused)("refuses %s, writing nothing", async (_, setup, status, code, field) => {
    const s = await setup();
    const before = await counts();
    const res = await claim(s.body, s.token ? { token: s.token } : {});
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.code).toBe(code);
    if (field) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await counts()).toEqual(before);
  });
});

describe("DELETE /api/v1/unclaimed_devices/:id", () => {
  it("forgets a pending box; a later poll registers it again under a new code", async () => {
    const b = await newBox();
    const id = await deviceId(b);
    const res = await fleet.api("DELETE", `/api/v1/unclaimed_devices/${id}`, { token: fleet.tokens.writer });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id, deleted: true, status: "pending", token_revoked: false });
    expect((await fleet.api("GET", `/api/v1/unclaimed_devices/${id}`)).status).toBe(404);
    const events = await db().select().from(fleet_events).where(eq(fleet_events.subject_id, id));
    expect(events.map((e) => e.kind)).toEqual(["unclaimed_device.discovered", "unclaimed_device.forgotten"]);
    const again = await poll(fleet, b);
    expect(again.status).toBe("pending");
    expect(again.status === "pending" && again.claim_code).not.toBe(b.code);
  });

  it("takes back a claim before enrollment by revoking the delivered token, keeping the instance", async () => {
    const b = await newBox();
    const c = await claim({ claim_code: b.code, node_id: nodeId });
    const instanceId = c.body.data.instance.id;
    const delivered = await poll(fleet, b);
    expect(delivered.status).toBe("claimed");
    const res = await fleet.api("DELETE", `/api/v1/unclaimed_devices/${c.body.data.device.id}`);
    expect(res.body.data).toMatchObject({ status: "claimed", token_revoked: true });
    const [token] = await db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.node_instance_id, instanceId));
    expect(token!.revoked_at).not.toBeNull();
    expect((await fleet.api("GET", `/api/v1/node_instances/${instanceId}`)).status).toBe(200);
  });

  it("404s an unknown id and another account's device", async () => {
    expect((await fleet.api("DELETE", `/api/v1/unclaimed_devices/${randomUUID()}`)).status).toBe(404);
    const foreign = await newBox(other);
    const id = (
      await other.runtime.database.db
        .select()
        .from(unclaimed_devices)
        .where(eq(unclaimed_devices.discovered_mac, foreign.mac))
    )[0]!.id;
    expect((await fleet.api("DELETE", `/api/v1/unclaimed_devices/${id}`)).status).toBe(404);
  });
});
