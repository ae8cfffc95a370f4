// The instance-lifecycle hooks against a real database (PGlite, or PostgreSQL when
// NODEPILOT_TEST_DATABASE_URL is set): first heartbeat → ready, termination → removed, one event each.
import { randomUUID } from "node:crypto";
import {
  accounts,
  type Database,
  fleet_events,
  instance_pool_members,
  instance_pools,
  node_instances,
  node_platforms,
  node_templates,
  nodes,
  openDatabase,
} from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemPrincipal } from "../auth/principal.ts";
import type { EventOrigin } from "../events/emit.ts";
import { onInstanceFirstHeartbeat, onInstanceTerminated } from "./member-hooks.ts";

let database: Database;
let accountId: string;
let poolId: string;
let nodeId: string;

const origin = (): EventOrigin => ({
  principal: systemPrincipal(accountId, []),
  source: "agent",
  correlationId: null,
  now: new Date(),
});

async function newInstance(memberState?: "warming" | "ready" | "claimed" | "removed") {
  const db = database.db;
  const [i] = await db
    .insert(node_instances)
    .values({ account_id: accountId, node_id: nodeId, name: `i-${randomUUID().slice(0, 8)}`, variety: "local" })
    .returning();
  if (memberState) {
    await db.insert(instance_pool_members).values({
      account_id: accountId,
      instance_pool_id: poolId,
      node_instance_id: i!.id,
      state: memberState,
      warming_started_at: new Date(),
      ...(memberState === "claimed"
        ? { claimed_by_type: "user" as const, claimed_by_id: "u1", claim_expires_at: new Date(Date.now() + 60_000) }
        : {}),
    });
  }
  return i!.id;
}

async function member(instanceId: string) {
  const [m] = await database.db
    .select()
    .from(instance_pool_members)
    .where(eq(instance_pool_members.node_instance_id, instanceId));
  return m;
}

async function eventsFor(instanceId: string) {
  return database.db
    .select()
    .from(fleet_events)
    .where(and(eq(fleet_events.account_id, accountId), eq(fleet_events.node_instance_id, instanceId)));
}

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: process.env.NODEPILOT_TEST_DATABASE_URL || undefined, poolSize: 2 });
  const db = database.db;
  const name = `hooks-${randomUUID()}`;
  const [a] = await db.insert(accounts).values({ name, slug: name }).returning();
  accountId = a!.id;
  const [p] = await db
    .insert(node_platforms)
    .values({ account_id: accountId, name: "generic", architectures: ["amd64"] })
    .returning();
  const [t] = await db
    .insert(node_templates)
    .values({ account_id: accountId, name: "base", node_platform_id: p!.id })
    .returning();
  const [n] = await db
    .insert(nodes)
    .values({
      account_id: accountId,
      name: "n1",
      node_template_id: t!.id,
      ssh_key_encrypted: "x",
      ssh_key_fingerprint: "x",
      ssh_public_key: "x",
      ssh_host_key_encrypted: "x",
      ssh_host_key_fingerprint: "x",
    })
    .returning();
  nodeId = n!.id;
  const [pool] = await db
    .insert(instance_pools)
    .values({ account_id: accountId, name: "p1", node_template_id: t!.id, target_size: 2 })
    .returning();
  poolId = pool!.id;
});
afterAll(async () => {
  if (database && accountId) await database.db.delete(accounts).where(eq(accounts.id, accountId));
  await database?.close();
});

describe("onInstanceFirstHeartbeat", () => {
  it("makes a warming member ready with ready_at and one pool.member_ready event", async () => {
    const id = await newInstance("warming");
    await database.db.transaction((tx) => onInstanceFirstHeartbeat(tx, origin(), id));
    const m = await member(id);
    expect(m).toMatchObject({ state: "ready", version: 2 });
    expect(m!.ready_at).toBeInstanceOf(Date);
    const events = await eventsFor(id);
    expect(events.map((e) => e.kind)).toEqual(["pool.member_ready"]);
    expect(events[0]).toMatchObject({
      instance_pool_id: poolId,
      subject_type: "instance_pool_member",
      subject_id: m!.id,
    });
    expect(events[0]!.payload).toMatchObject({ from: "warming", to: "ready" });
  });

  it("leaves members in other states and non-members alone, writing nothing", async () => {
    const claimed = await newInstance("claimed");
    const loner = await newInstance();
    await database.db.transaction(async (tx) => {
      await onInstanceFirstHeartbeat(tx, origin(), claimed);
      await onInstanceFirstHeartbeat(tx, origin(), loner);
    });
    expect((await member(claimed))!.state).toBe("claimed");
    expect(await member(loner)).toBeUndefined();
    expect(await eventsFor(claimed)).toEqual([]);
    expect(await eventsFor(loner)).toEqual([]);
  });

  it("ignores an instance of another account", async () => {
    const id = await newInstance("warming");
    const foreign: EventOrigin = { ...origin(), principal: systemPrincipal(randomUUID(), []) };
    await database.db.transaction((tx) => onInstanceFirstHeartbeat(tx, foreign, id));
    expect((await member(id))!.state).toBe("warming");
  });
});

describe("onInstanceTerminated", () => {
  it.each(["warming", "ready", "claimed"] as const)(
    "removes a %s member and clears its claim expiry",
    async (state) => {
      const id = await newInstance(state);
      await database.db.transaction((tx) => onInstanceTerminated(tx, origin(), id));
      const m = await member(id);
      expect(m).toMatchObject({ state: "removed", claim_expires_at: null });
      const events = await eventsFor(id);
      expect(events.map((e) => e.kind)).toEqual(["pool.member_removed"]);
      expect(events[0]!.payload).toMatchObject({ from: state, to: "removed" });
    },
  );

  it("is a no-op for a removed member or a non-member", async () => {
    const removed = await newInstance("removed");
    const loner = await newInstance();
    await database.db.transaction(async (tx) => {
      await onInstanceTerminated(tx, origin(), removed);
      await onInstanceTerminated(tx, origin(), loner);
    });
    expect((await member(removed))!).toMatchObject({ state: "removed", version: 1 });
    expect(await eventsFor(removed)).toEqual([]);
  });
});
