// Instance operations over REST, without real machines: validation naming the field, scopes,
// tenancy (404 for unknown and foreign ids), list filters, cordon and hold controls, and the runner's
// failure paths (a provider refusal errors the instance; a machine gone at the provider terminates it).
import { randomUUID } from "node:crypto";
import {
  fleet_events,
  instance_types,
  node_instances,
  node_platforms,
  node_templates,
  provider_connections,
  provider_regions,
  providers,
  region_instance_types,
  tasks,
} from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let nodeId: string;
let templateId: string;

type Status = (typeof node_instances.$inferSelect)["status"];

async function counts(f: TestFleet) {
  const db = f.runtime.database.db;
  const acct = f.runtime.accountId;
  const [e] = await db.select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  const [t] = await db.select({ c: count() }).from(tasks).where(eq(tasks.account_id, acct));
  const [i] = await db.select({ c: count() }).from(node_instances).where(eq(node_instances.account_id, acct));
  return { events: e!.c, tasks: t!.c, instances: i!.c };
}

async function localPlacement(f: TestFleet) {
  const db = f.runtime.database.db;
  const [row] = await db
    .select({ connectionId: provider_connections.id, regionId: provider_regions.id })
    .from(provider_regions)
    .innerJoin(provider_connections, eq(provider_connections.id, provider_regions.provider_connection_id))
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(and(eq(providers.account_id, f.runtime.accountId), eq(providers.provider_type, "local")));
  return row!;
}

async function makeNode(f: TestFleet, name: string) {
  const db = f.runtime.database.db;
  const [platform] = await db.select().from(node_platforms).where(eq(node_platforms.account_id, f.runtime.accountId));
  const [t] = await db
    .insert(node_templates)
    .values({ account_id: f.runtime.accountId, name: `${name}-tpl`, node_platform_id: platform!.id })
    .returning();
  const res = await f.api("POST", "/api/v1/nodes", { body: { name, node_template_id: t!.id } });
  expect(res.status).toBe(201);
  return { nodeId: res.body.data.id as string, templateId: t!.id };
}

/** An instance row written straight to the store, on the local connection, in the given state. */
async function insertInstance(
  f: TestFleet,
  node: string,
  status: Status,
  extra: Partial<typeof node_instances.$inferInsert> = {},
) {
  const place = await localPlacement(f);
  const [row] = await f.runtime.database.db
    .insert(node_instances)
    .values({
      account_id: f.runtime.accountId,
      node_id: node,
      name: `i-${randomUUID().slice(0, 8)}`,
      variety: "local",
      status,
      provider_connection_id: place.connectionId,
      provider_region_id: place.regionId,
      ...extra,
    })
    .returning();
  return row!;
}

async function waitForStatus(id: string, want: Status, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await fleet.runtime.database.db.select().from(node_instances).where(eq(node_instances.id, id));
    if (row?.status === want) return row;
    if (Date.now() > until) throw new Error(`instance ${id} is ${row?.status}, not ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  fleet = await createTestFleet({ localWorkload: "idle" });
  other = await createTestFleet({ localWorkload: "idle" });
  ({ nodeId, templateId } = await makeNode(fleet, "api-node"));
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("instance operations: validation, scopes and tenancy", () => {
  it("rejects invalid input with 400 naming the field and writes nothing", async () => {
    const running = await insertInstance(fleet, nodeId, "running");
    const before = await counts(fleet);
    const cases: [string, string, unknown, string][] = [
      ["POST", "/api/v1/node_instances", {}, "node_id"],
      ["POST", "/api/v1/node_instances", { node_id: "nope" }, "node_id"],
      ["POST", "/api/v1/node_instances", { node_id: nodeId, surprise: 1 }, "surprise"],
      ["POST", "/api/v1/node_instances", { node_id: nodeId, name: "Bad Name" }, "name"],
      ["POST", "/api/v1/node_instances", { node_id: nodeId, architecture: "sparc" }, "architecture"],
      ["POST", `/api/v1/node_instances/${running.id}/stop`, { force: "yes" }, "force"],
      ["POST", `/api/v1/node_instances/${running.id}/hold`, {}, "reason"],
      [
        "POST",
        `/api/v1/node_instances/${running.id}/decommission`,
        { drain_timeout_seconds: -1 },
        "drain_timeout_seconds",
      ],
      ["POST", "/api/v1/node_instances/not-a-uuid/start", {}, "id"],
      ["GET", "/api/v1/node_instances?status=bogus", undefined, "status.0"],
      ["GET", "/api/v1/node_instances?limit=0", undefined, "limit"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await fleet.api(method, path, body === undefined ? {} : { body });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await counts(fleet)).toEqual(before);
  });

  it("refuses provisioning to a reader and terminating to a writer with 403, writing nothing", async () => {
    const running = await insertInstance(fleet, nodeId, "running");
    const before = await counts(fleet);
    const prov = await fleet.api("POST", "/api/v1/node_instances", {
      token: fleet.tokens.reader,
      body: { node_id: nodeId },
    });
    expect(prov.status).toBe(403);
    expect(prov.body).toMatchObject({ code: "forbidden", reason: "missing_scope", required_scope: "fleet:write" });
    const term = await fleet.api("POST", `/api/v1/node_instances/${running.id}/terminate`, {
      token: fleet.tokens.writer,
    });
    expect(term.status).toBe(403);
    expect(term.body.required_scope).toBe("fleet:admin");
    expect(
      (await fleet.api("GET", `/api/v1/node_instances/${running.id}`, { token: fleet.tokens.reader })).status,
    ).toBe(200);
    expect(await counts(fleet)).toEqual(before);
  });

  it("answers 404 for unknown ids and for another account's instance, node or region", async () => {
    const theirs = await makeNode(other, "their-node");
    const foreign = await insertInstance(other, theirs.nodeId, "running");
    const theirPlace = await localPlacement(other);
    const before = await counts(fleet);
    const foreignBefore = await counts(other);
    for (const id of [randomUUID(), foreign.id]) {
      expect((await fleet.api("GET", `/api/v1/node_instances/${id}`)).status).toBe(404);
      for (const verb of [
        "start",
        "stop",
        "reboot",
        "terminate",
        "decommission",
        "cordon",
        "uncordon",
        "release_hold",
      ]) {
        const res = await fleet.api("POST", `/api/v1/node_instances/${id}/${verb}`);
        expect(res.status, verb).toBe(404);
        expect(res.body.code).toBe("not_found");
      }
      const hold = await fleet.api("POST", `/api/v1/node_instances/${id}/hold`, { body: { reason: "x" } });
      expect(hold.status).toBe(404);
    }
    expect((await fleet.api("POST", "/api/v1/node_instances", { body: { node_id: theirs.nodeId } })).status).toBe(404);
    const region = await fleet.api("POST", "/api/v1/node_instances", {
      body: { node_id: nodeId, provider_region_id: theirPlace.regionId },
    });
    expect(region.status).toBe(404);
    expect(await counts(fleet)).toEqual(before);
    expect(await counts(other)).toEqual(foreignBefore);
    expect((await other.api("GET", `/api/v1/node_instances/${foreign.id}`)).body.data.status).toBe("running");
  });

  it("refuses an impossible transition with 409 invalid_transition and the current state", async () => {
    const pending = await insertInstance(fleet, nodeId, "pending");
    const before = await counts(fleet);
    for (const verb of ["start", "stop", "reboot"]) {
      const res = await fleet.api("POST", `/api/v1/node_instances/${pending.id}/${verb}`);
      expect(res.status, verb).toBe(409);
      expect(res.body).toMatchObject({ code: "conflict", reason: "invalid_transition", current_state: "pending" });
      expect(res.body.allowed_events).toContain("terminate");
    }
    expect(await counts(fleet)).toEqual(before);
  });
});

describe("instance reads", () => {
  it("lists with node, template, status and silent filters and a cursor", async () => {
    const { nodeId: listNode, templateId: listTemplate } = await makeNode(fleet, "list-node");
    const fresh = await insertInstance(fleet, listNode, "running", { last_heartbeat_at: new Date() });
    const quiet = await insertInstance(fleet, listNode, "running", {
      last_heartbeat_at: new Date(Date.now() - 600_000),
    });
    const never = await insertInstance(fleet, listNode, "starting");
    const stopped = await insertInstance(fleet, listNode, "stopped");
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((i) => i.id);

    const byNode = await fleet.api("GET", `/api/v1/node_instances?node_id=${listNode}`, { token: fleet.tokens.reader });
    expect(byNode.status).toBe(200);
    expect(ids(byNode)).toEqual([fresh.id, quiet.id, never.id, stopped.id]);
    expect(byNode.body.data[0]).not.toHaveProperty("account_id");
    expect(byNode.body.data[0]).not.toHaveProperty("claim_code");
    expect(ids(await fleet.api("GET", `/api/v1/node_instances?node_template_id=${listTemplate}`))).toEqual(ids(byNode));
    expect(
      ids(await fleet.api("GET", `/api/v1/node_instances?node_template_id=${templateId}&node_id=${listNode}`)),
    ).toEqual([]);
    expect(ids(await fleet.api("GET", `/api/v1/node_instances?node_id=${listNode}&status=stopped,starting`))).toEqual([
      never.id,
      stopped.id,
    ]);
    expect(ids(await fleet.api("GET", `/api/v1/node_instances?node_id=${listNode}&silent=true`))).toEqual([
      quiet.id,
      never.id,
    ]);
    expect(ids(await fleet.api("GET", `/api/v1/node_instances?node_id=${listNode}&silent=false`))).toEqual([
      fresh.id,
      stopped.id,
    ]);

    const page1 = await fleet.api("GET", `/api/v1/node_instances?node_id=${listNode}&limit=3`);
    expect(page1.body.meta).toMatchObject({ count: 3, has_more: true });
    const page2 = await fleet.api(
      "GET",
      `/api/v1/node_instances?node_id=${listNode}&limit=3&cursor=${page1.body.meta.next_cursor}`,
    );
    expect(ids(page2)).toEqual([stopped.id]);
    expect(page2.body.meta).toMatchObject({ has_more: false, next_cursor: null });
  });
});

describe("instance controls", () => {
  it("cordon fences new agent work; uncordon lifts it; repeats change nothing", async () => {
    const inst = await insertInstance(fleet, nodeId, "running");
    const cordoned = await fleet.api("POST", `/api/v1/node_instances/${inst.id}/cordon`, {
      token: fleet.tokens.writer,
    });
    expect(cordoned.status).toBe(200);
    expect(cordoned.body.data.cordoned_at).not.toBeNull();
    const before = await counts(fleet);
    const again = await fleet.api("POST", `/api/v1/node_instances/${inst.id}/cordon`);
    expect(again.body.data.version).toBe(cordoned.body.data.version);
    const refused = await fleet.api("POST", "/api/v1/tasks", {
      body: { subject_type: "node_instance", subject_id: inst.id, command: "collect_facts" },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe("cordoned");
    expect(await counts(fleet)).toEqual(before);

    const un = await fleet.api("POST", `/api/v1/node_instances/${inst.id}/uncordon`);
    expect(un.status).toBe(200);
    expect(un.body.data.cordoned_at).toBeNull();
    const [kinds] = await fleet.runtime.database.db
      .select({ c: count() })
      .from(fleet_events)
      .where(and(eq(fleet_events.node_instance_id, inst.id)));
    expect(kinds!.c).toBe(2);
  });

  it("a second hold with another reason is refused; releasing a hold twice is harmless", async () => {
    const inst = await insertInstance(fleet, nodeId, "running");
    expect((await fleet.api("POST", `/api/v1/node_instances/${inst.id}/hold`, { body: { reason: "a" } })).status).toBe(
      200,
    );
    const before = await counts(fleet);
    const clash = await fleet.api("POST", `/api/v1/node_instances/${inst.id}/hold`, { body: { reason: "b" } });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ reason: "already_held", hold: { reason: "a" } });
    expect(await counts(fleet)).toEqual(before);
    expect((await fleet.api("POST", `/api/v1/node_instances/${inst.id}/release_hold`)).status).toBe(200);
    const twice = await fleet.api("POST", `/api/v1/node_instances/${inst.id}/release_hold`);
    expect(twice.status).toBe(200);
    expect(twice.body.data.hold).toBeNull();
  });
});

describe("runner failure paths", () => {
  it("a provider refusal fails the provision task and puts the instance in error", async () => {
    const db = fleet.runtime.database.db;
    const place = await localPlacement(fleet);
    // Listed in the catalog, unknown to the provider: createInstance refuses it (invalid request).
    const [bogus] = await db
      .insert(instance_types)
      .values({
        account_id: fleet.runtime.accountId,
        provider_connection_id: place.connectionId,
        instance_type_code: "local.gigantic",
        vcpus: 64,
        memory_mb: 1_048_576,
        architecture: (await db.select().from(instance_types).limit(1))[0]!.architecture,
      })
      .returning();
    await db.insert(region_instance_types).values({
      account_id: fleet.runtime.accountId,
      region_id: place.regionId,
      instance_type_id: bogus!.id,
    });
    const res = await fleet.api("POST", "/api/v1/node_instances", {
      body: { node_id: nodeId, instance_type_id: bogus!.id },
    });
    expect(res.status).toBe(202);
    const task = (await fleet.api("GET", `/api/v1/tasks/${res.body.data.task.id}?wait_seconds=30`)).body.data.task;
    expect(task).toMatchObject({ status: "failed", error_code: "provider_invalid_request" });
    const row = await waitForStatus(res.body.data.instance.id, "error");
    expect(row.status_reason).toBe("provider_invalid_request");
  });

  it("a machine gone at the provider terminates the instance", async () => {
    const inst = await insertInstance(fleet, nodeId, "stopped", { cloud_instance_id: "local-00000000deadbeef" });
    const res = await fleet.api("POST", `/api/v1/node_instances/${inst.id}/start`);
    expect(res.status).toBe(202);
    const task = (await fleet.api("GET", `/api/v1/tasks/${res.body.data.task.id}?wait_seconds=30`)).body.data.task;
    expect(task).toMatchObject({ status: "failed", error_code: "provider_not_found" });
    const row = await waitForStatus(inst.id, "terminated");
    expect(row.status_reason).toBe("provider_not_found");
  });
});
