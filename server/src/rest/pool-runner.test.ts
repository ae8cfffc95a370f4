// A pool end to end with the real control-plane runner and the local provider: pool.create queues
// provisioning that the runner carries out, pool.drain queues terminations, and the instance
// terminating removes its member (through onInstanceTerminated) so the pool can be archived.

import { tasks } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let templateId: string;

async function waitFor<T>(probe: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (accept(v)) return v;
    if (Date.now() > until) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  fleet = await createTestFleet({ localWorkload: "idle" });
  templateId = await fleet.createTemplate("runner-base");
});
afterAll(async () => {
  await fleet?.close();
});

describe("pool with the control-plane runner", () => {
  it("provisions members, and a drain's terminations remove them so the pool can be archived", async () => {
    expect(fleet.runtime.controlPlane).toBeDefined();
    const created = await fleet.api("POST", "/api/v1/instance_pools", {
      body: { name: "warm", node_template_id: templateId, target_size: 1 },
    });
    expect(created.status).toBe(201);
    const poolId = created.body.data.id;
    const getPool = async () => (await fleet.api("GET", `/api/v1/instance_pools/${poolId}`)).body.data;

    // The runner carries out the provision task; the member stays warming until an agent heartbeats.
    const [taskId] = created.body.data.provision_task_ids;
    const settled = await waitFor(
      async () => (await fleet.runtime.database.db.select().from(tasks).where(eq(tasks.id, taskId)))[0],
      (t) => t !== undefined && ["succeeded", "failed", "cancelled", "expired"].includes(t.status),
    );
    expect(settled!.status, settled!.error_message ?? "").toBe("succeeded");
    const provisioned = await getPool();
    expect(provisioned.counts.warming).toBe(1);

    const drained = await fleet.api("POST", `/api/v1/instance_pools/${poolId}/drain`);
    expect(drained.status).toBe(200);
    expect(drained.body.data.terminate_task_ids).toHaveLength(1);
    const removed = await waitFor(getPool, (p) => p.counts.removed === 1);
    expect(removed.members[0]).toMatchObject({ state: "removed", instance_status: "terminated" });
    expect(removed.deficit).toBe(1);

    const events = await fleet.api("GET", `/api/v1/events?kind=pool.*&order=asc`);
    const kinds = events.body.data
      .filter((e: { instance_pool_id: string }) => e.instance_pool_id === poolId)
      .map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(["pool.created", "pool.member_added", "pool.transitioned", "pool.member_removed"]);

    const archived = await fleet.api("POST", `/api/v1/instance_pools/${poolId}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.data.status).toBe("archived");
  });
});
