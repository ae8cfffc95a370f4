// Instance pools over REST: creation warms target_size members (node + instance + provision task
// each), field-named size errors, lifecycle transitions with their guards, scopes and tenancy.
import { fleet_events, instance_pool_members, instance_pools, nodes, tasks } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let templateId: string;

async function rowCounts(f: TestFleet) {
  const db = f.runtime.database.db;
  const acct = f.runtime.accountId;
  const [p] = await db.select({ c: count() }).from(instance_pools).where(eq(instance_pools.account_id, acct));
  const [n] = await db.select({ c: count() }).from(nodes).where(eq(nodes.account_id, acct));
  const [t] = await db.select({ c: count() }).from(tasks).where(eq(tasks.account_id, acct));
  const [e] = await db.select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, acct));
  return { pools: p!.c, nodes: n!.c, tasks: t!.c, events: e!.c };
}

/** Members leave warming/draining only through agents and workers; tests set the outcome directly. */
async function setMemberStates(poolId: string, state: "ready" | "removed") {
  await fleet.runtime.database.db
    .update(instance_pool_members)
    .set({ state, ...(state === "ready" ? { ready_at: new Date() } : {}) })
    .where(eq(instance_pool_members.instance_pool_id, poolId));
}

beforeAll(async () => {
  // These tests pin member and instance states themselves; the runner's provider work (and the
  // terminations that remove members) is covered by pool-runner.test.ts.
  fleet = await createTestFleet({ startRunners: false });
  other = await createTestFleet({ startRunners: false });
  templateId = await fleet.createTemplate("pool-base");
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("pool.create, get and list", () => {
  it("creates the pool and warms target_size members, each with a node, an instance and a provision task", async () => {
    const before = await rowCounts(fleet);
    const res = await fleet.api("POST", "/api/v1/instance_pools", {
      token: fleet.tokens.writer,
      body: {
        name: "ci",
        node_template_id: templateId,
        target_size: 2,
        max_size: 4,
        metadata: { claimed_ttl_seconds: 600 },
      },
    });
    expect(res.status).toBe(201);
    const pool = res.body.data;
    expect(pool).toMatchObject({
      name: "ci",
      status: "active",
      target_size: 2,
      min_size: 0,
      max_size: 4,
      lifecycle_class: "ephemeral",
      counts: { warming: 2, ready: 0, claimed: 0, draining: 0, errored: 0, removed: 0 },
      deficit: 0,
      surplus: -2,
      members_truncated: false,
    });
    expect(pool.metadata).toEqual({
      warming_timeout_seconds: 900,
      claimed_ttl_seconds: 600,
      reuse_without_reset: false,
      errored_terminate_max_attempts: 5,
    });
    expect(pool.last_replenished_at).toBeTruthy();
    expect(pool.members).toHaveLength(2);
    expect(
      pool.members.every(
        (m: { state: string; instance_status: string }) => m.state === "warming" && m.instance_status === "pending",
      ),
    ).toBe(true);
    expect(pool.provision_task_ids).toHaveLength(2);

    const db = fleet.runtime.database.db;
    const memberNodes = await db
      .select({ name: nodes.name })
      .from(nodes)
      .where(eq(nodes.account_id, fleet.runtime.accountId));
    expect(memberNodes.map((n) => n.name).sort()).toEqual(["ci-1", "ci-2"]);
    const provision = await db.select().from(tasks).where(eq(tasks.account_id, fleet.runtime.accountId));
    expect(provision.map((t) => t.command)).toEqual(["provision", "provision"]);
    expect(provision.map((t) => t.id).sort()).toEqual([...pool.provision_task_ids].sort());
    const after = await rowCounts(fleet);
    expect(after.pools).toBe(before.pools + 1);
    expect(after.nodes).toBe(before.nodes + 2);
    const poolEvents = await db
      .select({ kind: fleet_events.kind })
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.instance_pool_id, pool.id)));
    expect(poolEvents.map((e) => e.kind).sort()).toEqual(["pool.created", "pool.member_added", "pool.member_added"]);

    const got = await fleet.api("GET", `/api/v1/instance_pools/${pool.id}`, { token: fleet.tokens.reader });
    expect(got.status).toBe(200);
    expect(got.body.data.members.map((m: { id: string }) => m.id).sort()).toEqual(
      pool.members.map((m: { id: string }) => m.id).sort(),
    );
    const list = await fleet.api("GET", "/api/v1/instance_pools?name_contains=ci");
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([pool.id]);
    expect(list.body.data[0].counts.warming).toBe(2);
    expect(list.body.data[0]).not.toHaveProperty("members");
  });

  it("names the size field that breaks max ≥ target ≥ min ≥ 0 and writes nothing", async () => {
    const before = await rowCounts(fleet);
    const cases: [Record<string, unknown>, string][] = [
      [{ target_size: 5, max_size: 3 }, "target_size"],
      [{ target_size: 1, min_size: 2 }, "min_size"],
      [{ min_size: -1 }, "min_size"],
      [{ max_size: 101 }, "max_size"],
      [{ target_size: 1.5 }, "target_size"],
      [{ name: "x".repeat(57) }, "name"],
      [{ name: "Bad Name" }, "name"],
      [{ metadata: { warming_timeout_seconds: 0 } }, "metadata.warming_timeout_seconds"],
      [{ metadata: { surprise: true } }, "metadata.surprise"],
      [{ lifecycle_class: "reserved" }, "lifecycle_class"],
      [{ node_template_id: "nope" }, "node_template_id"],
    ];
    for (const [extra, field] of cases) {
      const res = await fleet.api("POST", "/api/v1/instance_pools", {
        body: { name: "bad", node_template_id: templateId, ...extra },
      });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await rowCounts(fleet)).toEqual(before);
  });

  it("answers 404 for unknown templates and foreign pools, 409 for a duplicate name, writing nothing", async () => {
    const before = await rowCounts(fleet);
    const missing = await fleet.api("POST", "/api/v1/instance_pools", {
      body: { name: "ghost", node_template_id: "01890000-0000-7000-8000-000000000000" },
    });
    expect(missing.status).toBe(404);
    const region = await fleet.api("POST", "/api/v1/instance_pools", {
      body: {
        name: "ghost",
        node_template_id: templateId,
        target_size: 0,
        provider_region_id: "01890000-0000-7000-8000-000000000000",
      },
    });
    expect(region.status).toBe(404);
    const dup = await fleet.api("POST", "/api/v1/instance_pools", {
      body: { name: "ci", node_template_id: templateId, target_size: 0 },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
    expect(await rowCounts(fleet)).toEqual(before);
    const [ours] = (await fleet.api("GET", "/api/v1/instance_pools")).body.data;
    expect((await other.api("GET", `/api/v1/instance_pools/${ours.id}`)).status).toBe(404);
    expect((await other.api("POST", `/api/v1/instance_pools/${ours.id}/pause`)).status).toBe(404);
  });

  it("refuses a pool create from a reader and admin-only lifecycle steps from a writer", async () => {
    const before = await rowCounts(fleet);
    const res = await fleet.api("POST", "/api/v1/instance_pools", {
      token: fleet.tokens.reader,
      body: { name: "nope", node_template_id: templateId },
    });
    expect(res.status).toBe(403);
    expect(res.body.required_scope).toBe("fleet:write");
    const [ours] = (await fleet.api("GET", "/api/v1/instance_pools")).body.data;
    for (const verb of ["drain", "archive"]) {
      const r = await fleet.api("POST", `/api/v1/instance_pools/${ours.id}/${verb}`, { token: fleet.tokens.writer });
      expect(r.status, verb).toBe(403);
      expect(r.body.required_scope).toBe("fleet:admin");
    }
    expect(
      (await fleet.api("DELETE", `/api/v1/instance_pools/${ours.id}`, { token: fleet.tokens.writer })).status,
    ).toBe(403);
    expect(await rowCounts(fleet)).toEqual(before);
  });
});

describe("pool.update", () => {
  it("checks sizes against the merged result, merges metadata and refuses stale versions", async () => {
    const created = await fleet.api("POST", "/api/v1/instance_pools", {
      body: { name: "upd", node_template_id: templateId, target_size: 0, max_size: 3 },
    });
    const id = created.body.data.id;
    const tooBig = await fleet.api("PATCH", `/api/v1/instance_pools/${id}`, { body: { target_size: 4 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.errors[0].path).toBe("target_size");
    const ok = await fleet.api("PATCH", `/api/v1/instance_pools/${id}`, {
      body: { target_size: 4, max_size: 6, metadata: { reuse_without_reset: true }, version: 1 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ target_size: 4, max_size: 6, version: 2, deficit: 4 });
    expect(ok.body.data.metadata).toMatchObject({ reuse_without_reset: true, warming_timeout_seconds: 900 });
    const stale = await fleet.api("PATCH", `/api/v1/instance_pools/${id}`, { body: { target_size: 1, version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("stale_version");
    const unknown = await fleet.api("PATCH", `/api/v1/instance_pools/${id}`, { body: { metadata: { colour: "red" } } });
    expect(unknown.body.errors[0].path).toBe("metadata.colour");
    expect((await fleet.api("GET", `/api/v1/instance_pools/${id}`)).body.data.version).toBe(2);
  });
});

describe("pool lifecycle", () => {
  it("pauses, resumes, drains, archives and deletes with the machine's guards", async () => {
    const created = await fleet.api("POST", "/api/v1/instance_pools", {
      body: { name: "life", node_template_id: templateId, target_size: 2 },
    });
    const id = created.body.data.id;
    const [first] = created.body.data.members;
    // One member ready, one still warming: drain treats both, a claimed one would be kept.
    await fleet.runtime.database.db
      .update(instance_pool_members)
      .set({ state: "ready" })
      .where(eq(instance_pool_members.id, first.id));

    const paused = await fleet.api("POST", `/api/v1/instance_pools/${id}/pause`, { token: fleet.tokens.writer });
    expect(paused.status).toBe(200);
    expect(paused.body.data.status).toBe("paused");
    const again = await fleet.api("POST", `/api/v1/instance_pools/${id}/pause`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "conflict", reason: "invalid_transition", current_state: "paused" });
    expect((await fleet.api("POST", `/api/v1/instance_pools/${id}/resume`)).body.data.status).toBe("active");
    const archiveActive = await fleet.api("POST", `/api/v1/instance_pools/${id}/archive`);
    expect(archiveActive.status).toBe(409);
    expect(archiveActive.body.current_state).toBe("active");

    const drained = await fleet.api("POST", `/api/v1/instance_pools/${id}/drain`);
    expect(drained.status).toBe(200);
    expect(drained.body.data.status).toBe("draining");
    expect(drained.body.data.terminate_task_ids).toHaveLength(2);
    expect(drained.body.data.counts).toMatchObject({ draining: 1, warming: 1 });
    expect(
      drained.body.data.members.every((m: { instance_status: string }) => m.instance_status === "terminating"),
    ).toBe(true);

    const before = await rowCounts(fleet);
    const archiveBusy = await fleet.api("POST", `/api/v1/instance_pools/${id}/archive`);
    expect(archiveBusy.status).toBe(409);
    expect(archiveBusy.body.reason).toBe("in_use");
    const deleteBusy = await fleet.api("DELETE", `/api/v1/instance_pools/${id}`);
    expect(deleteBusy.status).toBe(409);
    expect(deleteBusy.body.reason).toBe("in_use");
    expect(await rowCounts(fleet)).toEqual(before);

    await setMemberStates(id, "removed");
    const archived = await fleet.api("POST", `/api/v1/instance_pools/${id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.data.status).toBe("archived");
    expect((await fleet.api("POST", `/api/v1/instance_pools/${id}/resume`)).body.reason).toBe("invalid_transition");
    expect((await fleet.api("PATCH", `/api/v1/instance_pools/${id}`, { body: { target_size: 0 } })).status).toBe(409);
    const del = await fleet.api("DELETE", `/api/v1/instance_pools/${id}`);
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({ id, deleted: true });
    expect((await fleet.api("GET", `/api/v1/instance_pools/${id}`)).status).toBe(404);
    const kinds = await fleet.runtime.database.db
      .select({ kind: fleet_events.kind })
      .from(fleet_events)
      .where(and(eq(fleet_events.instance_pool_id, id), eq(fleet_events.subject_type, "instance_pool")))
      .orderBy(fleet_events.seq);
    expect(kinds.map((k) => k.kind)).toEqual([
      "pool.created",
      "pool.transitioned",
      "pool.transitioned",
      "pool.transitioned",
      "pool.transitioned",
      "pool.deleted",
    ]);
  });
});
