// A small simulator run against a test fleet: five agents enroll over TLS with the agent's own code,
// heartbeat over mTLS, lease and complete a task; one agent dropping every heartbeat stays stale.
import { node_certificates, node_instances, tasks } from "@nodepilot/store";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { parseFaults } from "./faults.ts";
import { enrollSimulatedFleet, runEnrolled } from "./simulator.ts";

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
});
afterAll(async () => {
  await fleet?.close();
});

describe("fleet simulator", () => {
  it("enrolls, heartbeats, completes a task, and a dropping agent goes stale", async () => {
    const sim = await enrollSimulatedFleet(fleet.runtime, {
      agents: 5,
      rate: 5,
      durationSeconds: 4,
      token: fleet.tokens.admin,
      enroll: "agent_api",
      taskWorkMs: 10,
      agentFaults: (i) => (i === 0 ? { drop_heartbeats: 1 } : undefined),
    });
    try {
      const db = fleet.runtime.database.db;
      const ids = sim.agents.map((a) => a.instanceId);
      const certs = await db.select().from(node_certificates).where(inArray(node_certificates.node_instance_id, ids));
      expect(new Set(certs.map((c) => c.node_instance_id))).toEqual(new Set(ids));
      // A task for a healthy agent, queued through the REST catalog before the agents run.
      const target = sim.agents[1]!.instanceId;
      const created = await fleet.api("POST", "/api/v1/tasks", {
        body: { subject_type: "node_instance", subject_id: target, command: "collect_facts" },
      });
      expect(created.status).toBe(202);
      const summary = await runEnrolled(sim, { durationSeconds: 4 });

      expect(summary.enrolled).toBe(5);
      expect(summary.errors).toBe(0);
      expect(summary.heartbeats_acked).toBeGreaterThan(20);
      expect(summary.heartbeats_dropped).toBeGreaterThan(5);
      expect(summary.tasks_done).toBe(1);
      const [task] = await db.select().from(tasks).where(eq(tasks.id, created.body.data.task.id));
      expect(task?.status).toBe("succeeded");
      expect(task?.result).toMatchObject({ hostname: "sim-1" });

      const rows = await db.select().from(node_instances).where(inArray(node_instances.id, ids));
      const byId = new Map(rows.map((r) => [r.id, r]));
      const stale = byId.get(sim.agents[0]!.instanceId)!;
      expect(stale.last_heartbeat_at).toBeNull();
      expect(stale.status).toBe("provisioning");
      for (const a of sim.agents.slice(1)) {
        const r = byId.get(a.instanceId)!;
        expect(r.status).toBe("running");
        expect(r.last_heartbeat_at).not.toBeNull();
        expect(Date.now() - r.last_heartbeat_at!.getTime()).toBeLessThan(10_000);
      }
    } finally {
      await sim.cleanup();
    }
  }, 60_000);
});

describe("parseFaults", () => {
  it("parses the fault list and refuses unknown names and bad probabilities", () => {
    expect(parseFaults("drop_heartbeats=0.1,fail_tasks=0.05,silent=1")).toMatchObject({
      drop_heartbeats: 0.1,
      fail_tasks: 0.05,
      silent: 1,
      hang_tasks: 0,
    });
    expect(() => parseFaults("explode=0.1")).toThrow(/not one of/);
    expect(() => parseFaults("drift=2")).toThrow(/probability/);
    expect(() => parseFaults("drift")).toThrow(/not one of/);
  });
});
