// The heartbeat batch writer against the real store: many instances' beats coalesce into few
// transactions, each instance's observed columns land, first beats go through the finalizer
// (pending-like states → running), and a terminated instance is refused without sinking the batch.
import { randomUUID } from "node:crypto";
import type { Logger } from "@nodepilot/core";
import { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import { module_digest_observations, node_instances } from "@nodepilot/store";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertInstance } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { heartbeatBody } from "./agent-test-client.ts";
import { HeartbeatWriter } from "./heartbeat-writer.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let fleet: TestFleet;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
}, 60_000);
afterAll(async () => {
  await fleet?.close();
});

describe("HeartbeatWriter", () => {
  it("writes a burst of 60 instances in a few batches and settles each caller after its commit", async () => {
    const db = fleet.runtime.database.db;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await insertInstance(fleet)).instanceId);
    // Half already beat before (plain path), half are provisioning (finalizer path).
    const now = new Date();
    await db
      .update(node_instances)
      .set({ last_heartbeat_at: new Date(now.getTime() - 60_000), boot_id: "boot-a" })
      .where(inArray(node_instances.id, ids.slice(0, 30)));
    await db
      .update(node_instances)
      .set({ status: "provisioning" })
      .where(inArray(node_instances.id, ids.slice(30)));
    const terminated = (await insertInstance(fleet, { status: "terminated" })).instanceId;
    const moduleId = randomUUID();
    const writer = new HeartbeatWriter(fleet.runtime.database, quiet);
    const body = (extra: Record<string, unknown> = {}) =>
      HeartbeatRequest.parse(
        heartbeatBody({ boot_id: "boot-a", module_digests: { [moduleId]: `sha256:${"cd".repeat(32)}` }, ...extra }),
      );
    const submit = (instanceId: string) =>
      writer.submit({ accountId: fleet.runtime.accountId, instanceId, body: body(), now, requestId: null });
    const results = await Promise.allSettled([...ids.map(submit), submit(terminated), submit(ids[0]!)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(61);
    const refused = results[60] as PromiseRejectedResult;
    expect(refused.status).toBe("rejected");
    expect(refused.reason).toMatchObject({ code: "conflict", reason: "instance_terminated" });
    // 61 distinct instances in far fewer transactions than beats.
    expect(writer.stats.instances).toBe(61);
    expect(writer.stats.batches).toBeLessThanOrEqual(3);
    const rows = await db.select().from(node_instances).where(inArray(node_instances.id, ids));
    expect(rows.every((r) => r.last_heartbeat_at?.getTime() === now.getTime())).toBe(true);
    expect(rows.every((r) => r.status === "running")).toBe(true);
    const obs = await db
      .select()
      .from(module_digest_observations)
      .where(eq(module_digest_observations.node_module_id, moduleId));
    expect(obs).toHaveLength(60);
    await writer.close();
  });

  it("keeps a known image SHA when a beat omits it", async () => {
    const db = fleet.runtime.database.db;
    const { instanceId } = await insertInstance(fleet);
    await db
      .update(node_instances)
      .set({ booted_image_git_sha: "a".repeat(40), last_heartbeat_at: new Date(), boot_id: "boot-a" })
      .where(eq(node_instances.id, instanceId));
    const writer = new HeartbeatWriter(fleet.runtime.database, quiet);
    await writer.submit({
      accountId: fleet.runtime.accountId,
      instanceId,
      body: HeartbeatRequest.parse(heartbeatBody({ boot_id: "boot-a" })),
      now: new Date(),
      requestId: null,
    });
    const [row] = await db.select().from(node_instances).where(eq(node_instances.id, instanceId));
    expect(row!.booted_image_git_sha).toBe("a".repeat(40));
    await writer.close();
  });
});
