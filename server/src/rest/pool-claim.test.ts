// pool.acquire and pool.release over REST: atomic oldest-first claims (also under concurrency), the
// recorded claimer, selectors, release permissions and dispositions, and no partial writes.
import { fleet_events, instance_pool_members, node_instances } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let templateId: string;
let secondWriter: string;
const days = (n: number) => new Date(Date.now() + n * 86400_000).toISOString();

async function eventCount() {
  const [e] = await fleet.runtime.database.db
    .select({ c: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, fleet.runtime.accountId));
  return e!.c;
}

/** A pool whose members all went ready (as their first heartbeats would make them), oldest first. */
async function readyPool(name: string, size: number, extra: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/instance_pools", {
    body: { name, node_template_id: templateId, target_size: size, max_size: Math.max(size, 1), ...extra },
  });
  expect(res.status).toBe(201);
  const db = fleet.runtime.database.db;
  const members = await db
    .select()
    .from(instance_pool_members)
    .where(eq(instance_pool_members.instance_pool_id, res.body.data.id));
  // Distinct warming starts so "oldest first" is observable: member n started n minutes ago.
  const ordered = members.sort((a, b) => a.id.localeCompare(b.id));
  for (const [i, m] of ordered.entries()) {
    await db
      .update(instance_pool_members)
      .set({
        state: "ready",
        ready_at: new Date(),
        warming_started_at: new Date(Date.now() - (ordered.length - i) * 60_000),
      })
      .where(eq(instance_pool_members.id, m.id));
  }
  return { pool: res.body.data, memberIds: ordered.map((m) => m.id) };
}

beforeAll(async () => {
  // These tests pin member and instance states themselves; the runner's provider work (and the
  // terminations that remove members) is covered by pool-runner.test.ts.
  fleet = await createTestFleet({ poolSize: 8, startRunners: false });
  templateId = await fleet.createTemplate("claim-base");
  const user = await fleet.api("POST", "/api/v1/users", {
    body: { email: "second@example.com", display_name: "Second", role: "operator" },
  });
  const token = await fleet.api("POST", "/api/v1/api_tokens", {
    body: { name: "second-writer", scopes: ["fleet:write"], expires_at: days(1), user_id: user.body.data.id },
  });
  secondWriter = token.body.data.token;
});
afterAll(async () => {
  await fleet?.close();
});

describe("pool.acquire", () => {
  it("claims the oldest ready member, records the claimer and the TTL, then runs dry", async () => {
    const { pool, memberIds } = await readyPool("claim-a", 2, { metadata: { claimed_ttl_seconds: 900 } });
    const first = await fleet.api("POST", "/api/v1/instance_pools/acquire", {
      token: fleet.tokens.writer,
      body: { pool_name: "claim-a" },
    });
    expect(first.status).toBe(200);
    expect(first.body.data.pool_id).toBe(pool.id);
    expect(first.body.data.member).toMatchObject({ id: memberIds[0], state: "claimed", claimed_by_type: "user" });
    expect(first.body.data.member.claimed_by_id).not.toBe(fleet.runtime.ownerUserId);
    const expires = Date.parse(first.body.data.member.claim_expires_at) - Date.parse(first.body.data.member.claimed_at);
    expect(expires).toBe(900_000);
    expect(first.body.data.instance.id).toBe(first.body.data.member.node_instance_id);

    const second = await fleet.api("POST", "/api/v1/instance_pools/acquire", {
      body: { pool_id: pool.id, claim_ttl_seconds: 120 },
    });
    expect(second.body.data.member).toMatchObject({ id: memberIds[1], claimed_by_id: fleet.runtime.ownerUserId });
    expect(Date.parse(second.body.data.member.claim_expires_at) - Date.parse(second.body.data.member.claimed_at)).toBe(
      120_000,
    );

    const before = await eventCount();
    const dry = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { pool_id: pool.id } });
    expect(dry.status).toBe(409);
    expect(dry.body).toMatchObject({ code: "conflict", reason: "no_ready_members" });
    expect(await eventCount()).toBe(before);
    const got = await fleet.api("GET", `/api/v1/instance_pools/${pool.id}`);
    expect(got.body.data.counts).toMatchObject({ claimed: 2, ready: 0 });
    expect(got.body.data.deficit).toBe(2);
  });

  it("gives exactly two of six concurrent acquires the two ready members", async () => {
    const { memberIds } = await readyPool("claim-race", 2);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { pool_name: "claim-race" } }),
      ),
    );
    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status !== 200);
    expect(won).toHaveLength(2);
    expect(won.map((r) => r.body.data.member.id).sort()).toEqual([...memberIds].sort());
    expect(lost.every((r) => r.status === 409 && r.body.reason === "no_ready_members")).toBe(true);
    const claimedEvents = await fleet.runtime.database.db
      .select({ c: count() })
      .from(fleet_events)
      .where(
        and(eq(fleet_events.kind, "pool.member_claimed"), eq(fleet_events.instance_pool_id, won[0]!.body.data.pool_id)),
      );
    expect(claimedEvents[0]!.c).toBe(2);
  });

  it("selects by lifecycle class, skips draining pools and serves paused ones", async () => {
    const { pool } = await readyPool("claim-spot", 2, { lifecycle_class: "spot" });
    expect((await fleet.api("POST", `/api/v1/instance_pools/${pool.id}/pause`)).status).toBe(200);
    const spot = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { lifecycle_class: "spot" } });
    expect(spot.status).toBe(200);
    expect(spot.body.data.pool_id).toBe(pool.id);
    expect((await fleet.api("POST", `/api/v1/instance_pools/${pool.id}/drain`)).status).toBe(200);
    const none = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { lifecycle_class: "spot" } });
    expect(none.status).toBe(409);
    expect(none.body.reason).toBe("no_ready_members");
  });

  it("needs exactly one selector, names unknown pools, and refuses readers", async () => {
    for (const body of [{}, { pool_name: "claim-a", lifecycle_class: "spot" }]) {
      const res = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["pool_name"]));
    }
    expect((await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { pool_name: "nope" } })).status).toBe(
      404,
    );
    expect(
      (
        await fleet.api("POST", "/api/v1/instance_pools/acquire", {
          body: { pool_id: "01890000-0000-7000-8000-000000000000" },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fleet.api("POST", "/api/v1/instance_pools/acquire", {
          body: { claim_ttl_seconds: 5, pool_name: "claim-a" },
        })
      ).body.errors[0].path,
    ).toBe("claim_ttl_seconds");
    const reader = await fleet.api("POST", "/api/v1/instance_pools/acquire", {
      token: fleet.tokens.reader,
      body: { pool_name: "claim-a" },
    });
    expect(reader.status).toBe(403);
  });
});

describe("pool.release", () => {
  it("lets only the claimer or fleet:admin release, and recycles by terminating the machine", async () => {
    await readyPool("rel-a", 2);
    const claim = await fleet.api("POST", "/api/v1/instance_pools/acquire", {
      token: fleet.tokens.writer,
      body: { pool_name: "rel-a" },
    });
    const member = claim.body.data.member;
    const before = await eventCount();
    const stranger = await fleet.api("POST", "/api/v1/instance_pools/release", {
      token: secondWriter,
      body: { member_id: member.id },
    });
    expect(stranger.status).toBe(403);
    expect(stranger.body.reason).toBe("not_claimer");
    expect(await eventCount()).toBe(before);

    const released = await fleet.api("POST", "/api/v1/instance_pools/release", {
      token: fleet.tokens.writer,
      body: { instance_id: member.node_instance_id },
    });
    expect(released.status).toBe(200);
    expect(released.body.data.member).toMatchObject({
      id: member.id,
      state: "draining",
      instance_status: "terminating",
      claim_expires_at: null,
    });
    expect(released.body.data.task_id).toMatch(/^[0-9a-f-]{36}$/);
    const twice = await fleet.api("POST", "/api/v1/instance_pools/release", {
      token: fleet.tokens.writer,
      body: { member_id: member.id },
    });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ reason: "invalid_transition", current_state: "draining" });

    const other = await fleet.api("POST", "/api/v1/instance_pools/acquire", {
      token: secondWriter,
      body: { pool_name: "rel-a" },
    });
    const byAdmin = await fleet.api("POST", "/api/v1/instance_pools/release", {
      body: { member_id: other.body.data.member.id },
    });
    expect(byAdmin.status).toBe(200);
  });

  it("reuses only when the pool allows it and the instance is running with a fresh heartbeat", async () => {
    const { memberIds } = await readyPool("rel-reuse", 1, { metadata: { reuse_without_reset: true } });
    await readyPool("rel-noreuse", 1);
    const a = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { pool_name: "rel-reuse" } });
    const b = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { pool_name: "rel-noreuse" } });

    const notAllowed = await fleet.api("POST", "/api/v1/instance_pools/release", {
      body: { member_id: b.body.data.member.id, disposition: "reuse" },
    });
    expect(notAllowed.status).toBe(409);
    expect(notAllowed.body.reason).toBe("reuse_not_allowed");
    const stale = await fleet.api("POST", "/api/v1/instance_pools/release", {
      body: { member_id: a.body.data.member.id, disposition: "reuse" },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("reuse_not_allowed");

    await fleet.runtime.database.db
      .update(node_instances)
      .set({ status: "running", last_heartbeat_at: new Date() })
      .where(eq(node_instances.id, a.body.data.member.node_instance_id));
    const reused = await fleet.api("POST", "/api/v1/instance_pools/release", {
      body: { member_id: a.body.data.member.id, disposition: "reuse" },
    });
    expect(reused.status).toBe(200);
    expect(reused.body.data).toMatchObject({
      task_id: null,
      member: { id: memberIds[0], state: "ready", claimed_by_id: null },
    });
    const again = await fleet.api("POST", "/api/v1/instance_pools/acquire", { body: { pool_name: "rel-reuse" } });
    expect(again.body.data.member.id).toBe(memberIds[0]);
  });

  it("refuses releasing an unclaimed member, needs exactly one of member_id or instance_id, and 404s unknown ids", async () => {
    const { memberIds } = await readyPool("rel-bad", 1);
    const ready = await fleet.api("POST", "/api/v1/instance_pools/release", { body: { member_id: memberIds[0] } });
    expect(ready.status).toBe(409);
    expect(ready.body).toMatchObject({ reason: "invalid_transition", current_state: "ready" });
    expect((await fleet.api("POST", "/api/v1/instance_pools/release", { body: {} })).status).toBe(400);
    const bad = await fleet.api("POST", "/api/v1/instance_pools/release", {
      body: { member_id: memberIds[0], disposition: "keep" },
    });
    expect(bad.body.errors[0].path).toBe("disposition");
    const unknown = await fleet.api("POST", "/api/v1/instance_pools/release", {
      body: { instance_id: "01890000-0000-7000-8000-000000000000" },
    });
    expect(unknown.status).toBe(404);
  });
});
