// The autonomy loop end to end (issue 4 acceptance), against a real runtime and simulated agents
// that speak the agent API over mTLS: an instance goes silent → `fleet.instance_silent` → the
// default policy (instance.recover: require_approval) pauses the gate graph on an approval card →
// a reviewer approves over REST → the action runs (a reboot task the agent leases and completes)
// → the next tick validates it effective and stores a learning → the next similar candidate's
// score moves by the learning factor. Every step is read back from the fleet event log.
import { fleet_decisions, fleet_events, fleet_remediations, learnings, node_instances, tasks } from "@nodepilot/store";
import { and, asc, eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAutonomyRunner } from "../jobs/autonomy-tick.ts";
import type { SimAgent } from "../sim/sim-agent.ts";
import { type EnrolledSim, enrollSimulatedFleet } from "../sim/simulator.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { gateDecider, gateHooks } from "./gate-decider.ts";

let fleet: TestFleet;
let sim: EnrolledSim;
const running = new Map<SimAgent, AbortController>();

const start = (agent: SimAgent) => {
  const ctl = new AbortController();
  running.set(agent, ctl);
  void agent.run(ctl.signal).catch(() => {});
};
const stop = (agent: SimAgent) => {
  running.get(agent)?.abort();
  running.delete(agent);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  sim = await enrollSimulatedFleet(fleet.runtime, {
    agents: 2,
    rate: 2,
    durationSeconds: 1,
    token: fleet.tokens.admin,
    enroll: "agent_api",
    taskWorkMs: 10,
  });
});
afterAll(async () => {
  for (const a of [...running.keys()]) stop(a);
  await sim?.cleanup();
  await fleet?.close();
});

describe("autonomy scenario: silence → approval → execution → learning", () => {
  it("walks the loop and the learning moves the next similar candidate's score", async () => {
    const { runtime } = fleet;
    const db = runtime.database.db;
    const accountId = runtime.accountId;
    const deps = {
      services: runtime.services,
      catalog: runtime.catalog,
      learnings: runtime.learnings,
      logger: runtime.services.logger,
    };
    const runner = createAutonomyRunner(runtime.services, {
      decider: gateDecider(runtime.gate),
      hooks: gateHooks(runtime.gate, deps),
    });
    // Short windows so the test runs in real time: silent after 3 s, settle after 30 s (the minimum).
    expect(
      (
        await fleet.api("PATCH", "/api/v1/autonomy/sensors/instance_silent", {
          body: { settings: { silent_threshold_seconds: 3 } },
        })
      ).status,
    ).toBe(200);
    expect(
      (await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { settle_window_seconds: 30 } })).status,
    ).toBe(200);

    const [a, b] = sim.agents as [SimAgent, SimAgent];
    start(a);
    start(b);
    await until("both instances running", async () => {
      const rows = await db.select().from(node_instances).where(eq(node_instances.account_id, accountId));
      return rows.filter((r) => r.status === "running" && r.last_heartbeat_at).length === 2;
    });

    // 1. A goes silent.
    stop(a);
    await sleep(4500);
    const t1 = await runner.run(accountId, { trigger: "manual" });
    const events1 = await db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.correlation_id, t1.correlationId))
      .orderBy(asc(fleet_events.seq));
    const kinds1 = events1.map((e) => e.kind);
    const silent = events1.find((e) => e.kind === "fleet.instance_silent");
    expect(silent?.payload).toMatchObject({ instance_id: a.instanceId });
    expect(events1.filter((e) => e.kind === "fleet.instance_silent")).toHaveLength(1);
    expect(kinds1).toEqual(
      expect.arrayContaining([
        "autonomy.tick_started",
        "fleet.instance_silent",
        "autonomy.approval_requested",
        "autonomy.decision.pending",
        "autonomy.tick_completed",
      ]),
    );
    expect(kinds1.indexOf("fleet.instance_silent")).toBeLessThan(kinds1.indexOf("autonomy.decision.pending"));

    // 2. The decision follows the default policy and the approval card is the paused interrupt.
    const [d1] = await db
      .select()
      .from(fleet_decisions)
      .where(and(eq(fleet_decisions.account_id, accountId), eq(fleet_decisions.tick_id, t1.tickId)));
    expect(d1).toMatchObject({
      decision: "pending",
      action_category: "instance.recover",
      base_policy: "require_approval",
      gate: "require_approval",
    });
    expect(d1!.learning_influence).toMatchObject({ base_score: 4, score: 4, score_reason: null, learning_ids: [] });
    const listed = await fleet.api("GET", "/api/v1/autonomy/approval_requests?status=pending", {
      token: fleet.tokens.reader,
    });
    expect(listed.status).toBe(200);
    const request = listed.body.data.find((r: { id: string }) => r.id === d1!.approval_request_id);
    expect(request).toMatchObject({ action_category: "instance.recover", status: "pending" });
    const [stored] = await db
      .execute<{ graph_thread_id: string }>(sql`SELECT graph_thread_id FROM approval_requests WHERE id = ${request.id}`)
      .then((r) => r.rows);
    const card = await runtime.gate.card(stored!.graph_thread_id);
    expect(card).toMatchObject({
      type: "approval",
      approval_request_id: request.id,
      payload_hash: request.payload_hash,
      action: {
        action_category: "instance.recover",
        target: { type: "node_instance", id: a.instanceId },
        params: { operation: "reboot", hard: false },
      },
      policy: { base_policy: "require_approval", matched_policy_id: d1!.matched_policy_id },
      responses: ["approve", "reject", "edit"],
    });

    // 3. A reviewer approves the exact action; the approval executor resumes the thread.
    const approved = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${request.id}/approve`, {
      token: fleet.tokens.writer,
      body: { payload_hash: request.payload_hash, comment: "reboot it" },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.data.status).toBe("approved");
    const exec = await runner.runApprovals(accountId);
    expect(exec).toMatchObject({ status: "ok", counts: { approved_executed: 1 } });
    const [remediation] = await db
      .select()
      .from(fleet_remediations)
      .where(eq(fleet_remediations.approval_request_id, request.id));
    expect(remediation).toMatchObject({
      status: "applied",
      idempotency_key: `approval:${request.id}`,
      outcome: "pending",
    });
    expect(remediation!.task_ids).toHaveLength(1);
    // Resuming again acts no more: exactly one task.
    expect((await runner.runApprovals(accountId)).counts.approved_executed ?? 0).toBe(0);
    const reboots = await db
      .select()
      .from(tasks)
      .where(and(eq(tasks.subject_id, a.instanceId), eq(tasks.command, "reboot")));
    expect(reboots.map((t) => t.id)).toEqual(remediation!.task_ids);

    // 4. The agent comes back, leases the reboot, completes it and heartbeats from its new boot.
    start(a);
    await until("the reboot task succeeded and the instance is running", async () => {
      const [t] = await db.select().from(tasks).where(eq(tasks.id, remediation!.task_ids[0]!));
      const [i] = await db.select().from(node_instances).where(eq(node_instances.id, a.instanceId));
      return t?.status === "succeeded" && i?.status === "running";
    });

    // 5. After the settle window the next tick finds the condition gone: effective, and a learning.
    await until("the settle window", async () => Date.now() > remediation!.settle_until!.getTime() + 500, 40_000);
    const t2 = await runner.run(accountId, { trigger: "manual" });
    const events2 = await db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.correlation_id, t2.correlationId))
      .orderBy(asc(fleet_events.seq));
    expect(events2.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        "autonomy.signal_cleared",
        "autonomy.remediation_validated",
        "autonomy.learning_recorded",
      ]),
    );
    expect(events2.find((e) => e.kind === "autonomy.remediation_validated")?.payload).toMatchObject({
      outcome: "effective",
    });
    const [learned] = await db
      .select()
      .from(learnings)
      .where(and(eq(learnings.account_id, accountId), like(learnings.title, "%instance.recover%")));
    expect(learned).toMatchObject({
      polarity: "confirmed",
      category: "best_practice",
      source: "approval_outcome",
      action_category: "instance.recover",
    });

    // 6. B goes silent: a similar candidate, whose score the confirmed learning boosts × 1.5.
    stop(b);
    await sleep(4500);
    const t3 = await runner.run(accountId, { trigger: "manual" });
    const [d3] = await db
      .select()
      .from(fleet_decisions)
      .where(and(eq(fleet_decisions.account_id, accountId), eq(fleet_decisions.tick_id, t3.tickId)));
    expect(d3).toMatchObject({ decision: "pending", action_category: "instance.recover" });
    expect(d3!.learning_influence).toMatchObject({
      base_score: 4,
      score: 6,
      score_reason: "boosted_by_prior_confirmation",
      learning_ids: [learned!.id],
    });
    // Learnings never loosen: still a request, with the evidence on its card.
    const [silentB] = await db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.correlation_id, t3.correlationId), eq(fleet_events.kind, "fleet.instance_silent")));
    expect(silentB?.payload).toMatchObject({ instance_id: b.instanceId });
  }, 120_000);
});
