// Optimistic concurrency of instance transitions on the machine's PostgreSQL: two transitions of one
// instance sent in parallel run on two pooled connections; exactly one wins, the other gets 409 with
// the state the winner left, and only the winner's transition, event and task are written.
import { randomUUID } from "node:crypto";
import type { EventOrigin } from "@nodepilot/core";
import { systemPrincipal, transitionInstance } from "@nodepilot/core";
import {
  fleet_events,
  node_instances,
  node_platforms,
  node_templates,
  provider_connections,
  providers,
  tasks,
} from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, onPostgres, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let nodeId: string;
let connectionId: string;

async function runningInstance() {
  const [row] = await fleet.runtime.database.db
    .insert(node_instances)
    .values({
      account_id: fleet.runtime.accountId,
      node_id: nodeId,
      name: `race-${randomUUID().slice(0, 8)}`,
      variety: "local",
      status: "running",
      provider_connection_id: connectionId,
    })
    .returning();
  return row!.id;
}

async function written(instanceId: string) {
  const db = fleet.runtime.database.db;
  const transitions = await db
    .select({ payload: fleet_events.payload })
    .from(fleet_events)
    .where(and(eq(fleet_events.node_instance_id, instanceId), eq(fleet_events.kind, "instance.transitioned")));
  const queued = await db.select({ command: tasks.command }).from(tasks).where(eq(tasks.subject_id, instanceId));
  return { transitions: transitions.map((t) => t.payload.event as string), tasks: queued.map((t) => t.command) };
}

beforeAll(async () => {
  fleet = await createTestFleet({ poolSize: 6 });
  // The race is between the two requests; the runner acting on the winner's task is not under test.
  await fleet.runtime.controlPlane?.stop();
  const db = fleet.runtime.database.db;
  const [platform] = await db
    .select()
    .from(node_platforms)
    .where(eq(node_platforms.account_id, fleet.runtime.accountId));
  const [template] = await db
    .insert(node_templates)
    .values({ account_id: fleet.runtime.accountId, name: "race-base", node_platform_id: platform!.id })
    .returning();
  const node = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "race-node", node_template_id: template!.id },
  });
  nodeId = node.body.data.id;
  const [conn] = await db
    .select({ id: provider_connections.id })
    .from(provider_connections)
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(and(eq(providers.account_id, fleet.runtime.accountId), eq(providers.provider_type, "local")));
  connectionId = conn!.id;
});
afterAll(async () => {
  await fleet?.close();
});

describe.runIf(onPostgres())("concurrent transitions of one instance", () => {
  it("two parallel stops: exactly one wins, the loser gets 409 invalid_transition (20 rounds)", async () => {
    expect(fleet.runtime.database.kind).toBe("postgres");
    for (let round = 0; round < 20; round++) {
      const id = await runningInstance();
      const results = await Promise.all([
        fleet.api("POST", `/api/v1/node_instances/${id}/stop`),
        fleet.api("POST", `/api/v1/node_instances/${id}/stop`),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([202, 409]);
      const loser = results.find((r) => r.status === 409)!;
      expect(loser.body).toMatchObject({ code: "conflict", reason: "invalid_transition", current_state: "stopping" });
      expect(await written(id)).toEqual({ transitions: ["stop"], tasks: ["stop"] });
    }
  });

  it("stop against a hard reboot: exactly one wins, the other gets 409 (20 rounds)", async () => {
    for (let round = 0; round < 20; round++) {
      const id = await runningInstance();
      const results = await Promise.all([
        fleet.api("POST", `/api/v1/node_instances/${id}/stop`),
        fleet.api("POST", `/api/v1/node_instances/${id}/reboot`, { body: { hard: true } }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([202, 409]);
      const won = results.find((r) => r.status === 202)!.body.data.instance.status as string;
      expect(["stopping", "rebooting"]).toContain(won);
      expect(results.find((r) => r.status === 409)!.body).toMatchObject({
        code: "conflict",
        reason: "invalid_transition",
        current_state: won,
      });
      const [row] = await fleet.runtime.database.db.select().from(node_instances).where(eq(node_instances.id, id));
      expect(row).toMatchObject({ status: won, version: 2 });
      const w = await written(id);
      expect(w.transitions).toHaveLength(1);
      expect(w.tasks).toEqual([won === "stopping" ? "stop" : "power_cycle"]);
    }
  });

  it("a transition from a stale row blocks on the winner's lock, then gets 409 concurrent_update", async () => {
    const db = fleet.runtime.database.db;
    const origin = (): EventOrigin => ({
      principal: systemPrincipal(fleet.runtime.accountId, []),
      source: "system",
      correlationId: null,
      now: new Date(),
    });
    for (let round = 0; round < 20; round++) {
      const id = await runningInstance();
      const [stale] = await db.select().from(node_instances).where(eq(node_instances.id, id));
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let updated!: () => void;
      const firstUpdated = new Promise<void>((r) => {
        updated = r;
      });
      const first = db.transaction(async (tx) => {
        const out = await transitionInstance(tx, origin(), stale!, "stop");
        updated();
        await gate;
        return out;
      });
      await firstUpdated;
      // Its own connection: the UPDATE waits for the first transaction's row lock.
      const second = db.transaction((tx) => transitionInstance(tx, origin(), stale!, "terminate"));
      const outcome = second.then(
        () => "won",
        (err) => err,
      );
      await new Promise((r) => setTimeout(r, 50));
      release();
      expect((await first).status).toBe("stopping");
      expect(await outcome).toMatchObject({ code: "conflict", reason: "concurrent_update", current_state: "stopping" });
      expect((await written(id)).transitions).toEqual(["stop"]);
    }
  });
});
