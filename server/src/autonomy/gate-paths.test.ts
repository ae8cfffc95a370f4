// The autonomy gate's paths through a real runtime (spec/autonomy.md §3, §5.2), each driven by a
// hand-built signal through `runtime.gate.decide` and read back from the store and the fleet event
// log: notify_and_proceed acts once under its idempotency key; a block policy stops everything;
// a paused account sends would-be proceeds to approval; a human rejection teaches and suppresses;
// a pending request is refreshed, never duplicated, and its approval card is the exact action;
// consent budgets stop the second autonomous action; a tampered approval is stale and runs nothing.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { actionDigest, loadAutonomyAgent, loadAutonomySettings } from "@nodepilot/core";
import { GateSettings, type GateSignal, type GateTick } from "@nodepilot/graphs";
import {
  approval_requests,
  fleet_decisions,
  fleet_events,
  fleet_remediations,
  intervention_policies,
  learnings,
  pressure_signals,
  tasks,
} from "@nodepilot/store";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAutonomyRunner } from "../jobs/autonomy-tick.ts";
import { insertInstance, type Subject } from "../rest/task-fixtures.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { gateDecider, gateHooks } from "./gate-decider.ts";

let fleet: TestFleet;
let runner: ReturnType<typeof createAutonomyRunner>;

const db = () => fleet.runtime.database.db;
const accountId = () => fleet.runtime.accountId;
const gate = () => fleet.runtime.gate;
const CONDITION = { episode: 1, consecutive_failures: 0, cumulative_deferred_seconds: 0 };

/** A tick as the runner would hand it to the gate: the account's current settings, now. */
async function tick(): Promise<GateTick> {
  return {
    tick_id: null,
    correlation_id: `tick:${randomBytes(8).toString("hex")}`,
    account_id: accountId(),
    now: new Date().toISOString(),
    force_approval: null,
    settings: GateSettings.parse(await loadAutonomySettings(db(), accountId())),
  };
}

const decide = async (signal: GateSignal) => gate().decide(signal, CONDITION, await tick());

/** sensor #3's signal for one instance missing the given modules. */
const drift = (s: Subject, missing: string[]): GateSignal => ({
  kind: "fleet.module_drift",
  severity: "medium",
  sensor: "module_drift",
  fingerprint: `module_drift:${s.instanceId}`,
  payload: {
    instance_id: s.instanceId,
    node_id: s.nodeId,
    missing_count: missing.length,
    extra_count: 0,
    mismatched_count: 0,
    missing: missing.map((module_id) => ({ module_id, expected_digest: `sha256:${"c".repeat(64)}` })),
    extra: [],
    mismatched: [],
  },
  refs: { node_id: s.nodeId, node_instance_id: s.instanceId },
});

/** sensor #1's signal: a running instance silent for `seconds`. */
const silent = (s: Subject, seconds = 240, severity: GateSignal["severity"] = "medium"): GateSignal => ({
  kind: "fleet.instance_silent",
  severity,
  sensor: "instance_silent",
  fingerprint: `instance_silent:${s.instanceId}`,
  payload: {
    instance_id: s.instanceId,
    node_id: s.nodeId,
    status: "running",
    last_heartbeat_at: new Date(Date.now() - seconds * 1000).toISOString(),
    silent_seconds: seconds,
    threshold_seconds: 120,
  },
  refs: { node_id: s.nodeId, node_instance_id: s.instanceId },
});

/** sensor #6's signal: a config change not yet applied on the node's instances. */
const configDrift = (s: Subject, moduleId: string, assignmentId: string): GateSignal => ({
  kind: "fleet.config_drift",
  severity: "medium",
  sensor: "config_drift",
  fingerprint: `config_drift:${assignmentId}`,
  payload: {
    node_id: s.nodeId,
    module_id: moduleId,
    assignment_id: assignmentId,
    instance_ids: [s.instanceId],
    changed_at: new Date().toISOString(),
    last_apply_at: null,
  },
  refs: { node_id: s.nodeId, node_module_id: moduleId },
});

async function createModule() {
  const res = await fleet.api("POST", "/api/v1/node_modules", {
    body: { name: `gate-${randomBytes(4).toString("hex")}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as string;
}

const tasksOn = (instanceId: string) =>
  db()
    .select()
    .from(tasks)
    .where(and(eq(tasks.account_id, accountId()), eq(tasks.subject_id, instanceId)));

const requestsFor = (dedupKey: string) =>
  db()
    .select()
    .from(approval_requests)
    .where(and(eq(approval_requests.account_id, accountId()), eq(approval_requests.dedup_key, dedupKey)))
    .orderBy(asc(approval_requests.created_at));

const requestRow = async (id: string) => {
  const [row] = await db().select().from(approval_requests).where(eq(approval_requests.id, id));
  return row!;
};

const eventsOf = (kind: string, fingerprint: string) =>
  db()
    .select()
    .from(fleet_events)
    .where(
      and(
        eq(fleet_events.account_id, accountId()),
        eq(fleet_events.kind, kind),
        eq(fleet_events.fingerprint, fingerprint),
      ),
    )
    .orderBy(asc(fleet_events.seq));

const remediationsOf = (fingerprint: string) =>
  db()
    .select()
    .from(fleet_remediations)
    .where(and(eq(fleet_remediations.account_id, accountId()), eq(fleet_remediations.fingerprint, fingerprint)));

async function decisionRow(id: string | null) {
  const [row] = await db().select().from(fleet_decisions).where(eq(fleet_decisions.id, id!));
  return row!;
}

async function seededPolicy(category: string) {
  const agent = await loadAutonomyAgent(db(), accountId());
  const [row] = await db()
    .select()
    .from(intervention_policies)
    .where(and(eq(intervention_policies.agent_id, agent.id), eq(intervention_policies.action_category, category)));
  return row!;
}

const approve = (id: string, hash: string) =>
  fleet.api("POST", `/api/v1/autonomy/approval_requests/${id}/approve`, {
    token: fleet.tokens.writer,
    body: { payload_hash: hash },
  });

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  const deps = {
    services: fleet.runtime.services,
    catalog: fleet.runtime.catalog,
    learnings: fleet.runtime.learnings,
    logger: fleet.runtime.services.logger,
  };
  runner = createAutonomyRunner(fleet.runtime.services, {
    decider: gateDecider(fleet.runtime.gate),
    hooks: gateHooks(fleet.runtime.gate, deps),
  });
});
afterAll(async () => {
  await fleet?.close();
});

describe("notify_and_proceed (module.sync)", () => {
  it("proceeds, queues one sync task under the remediation's key, notifies; the same signal again acts no more", async () => {
    const subject = await insertInstance(fleet);
    const moduleId = await createModule();
    const signal = drift(subject, [moduleId]);
    const first = await decide(signal);
    expect(first).toMatchObject({ decision: "proceed", action_category: "module.sync", thread_id: null });
    expect(first.remediation_id).toEqual(expect.any(String));

    // The exact action and the §3.8 key, computed here from the spec's formula.
    const action = {
      account_id: accountId(),
      action_category: "module.sync",
      target: { type: "node_instance", id: subject.instanceId },
      params: { instance_id: subject.instanceId, missing: signal.payload.missing, extra: [], mismatched: [] },
    };
    const hash = actionDigest(action);
    const dedupKey = `module.sync:${subject.instanceId}`;
    const key = createHash("sha256").update([accountId(), "module.sync", dedupKey, hash, "1"].join("|")).digest("hex");

    const decision = await decisionRow(first.decision_id);
    expect(decision).toMatchObject({
      decision: "proceed",
      gate: "notify_and_proceed",
      base_policy: "notify_and_proceed",
      matched_policy_id: (await seededPolicy("module.sync")).id,
      action_payload_hash: hash,
      remediation_id: first.remediation_id,
      disruption_pct: 20,
    });
    const [remediation] = await remediationsOf(signal.fingerprint);
    expect(remediation).toMatchObject({
      id: first.remediation_id,
      status: "applied",
      applier: "module_sync",
      idempotency_key: key,
      payload_hash: hash,
      outcome: "pending",
    });
    const queued = await tasksOn(subject.instanceId);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ command: "sync_modules", idempotency_key: key, status: "pending" });
    expect(remediation!.task_ids).toEqual([queued[0]!.id]);
    const notified = await eventsOf("autonomy.notified", signal.fingerprint);
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({
      subject_id: first.decision_id,
      payload: { decision_id: first.decision_id, action_category: "module.sync", target: action.target },
    });
    expect(await requestsFor(dedupKey)).toHaveLength(0);

    // Decided again in the same episode: the same remediation, no second task.
    const again = await decide(drift(subject, [moduleId]));
    expect(again).toMatchObject({ decision: "proceed", remediation_id: first.remediation_id });
    expect(await tasksOn(subject.instanceId)).toHaveLength(1);
    expect(await remediationsOf(signal.fingerprint)).toHaveLength(1);
    // §3.1: at most one notification per condition per notify_throttle_seconds (3600 by default).
    expect(await eventsOf("autonomy.notified", signal.fingerprint)).toHaveLength(1);
    // The throttle is the account's tunable: 0 turns it off.
    expect(
      (await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { notify_throttle_seconds: 0 } })).status,
    ).toBe(200);
    try {
      expect((await decide(drift(subject, [moduleId]))).decision).toBe("proceed");
      expect(await eventsOf("autonomy.notified", signal.fingerprint)).toHaveLength(2);
      expect(await tasksOn(subject.instanceId)).toHaveLength(1);
    } finally {
      await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { notify_throttle_seconds: 3600 } });
    }
  });
});

describe("no binding", () => {
  it("skips a kind nothing binds, with one high autonomy.binding_missing per kind per day", async () => {
    const kind = `fleet.unbound_${randomBytes(3).toString("hex")}`;
    const signal = (n: number): GateSignal => ({
      kind,
      severity: "high",
      sensor: "test",
      fingerprint: `unbound:${n}`,
      payload: {},
      refs: {},
    });
    for (const n of [1, 2]) {
      const out = await decide(signal(n));
      expect(out).toMatchObject({ decision: "skipped", reasons: [{ code: "no_binding" }], action_category: null });
      expect(await decisionRow(out.decision_id)).toMatchObject({ decision: "skipped", signal_kind: kind });
    }
    const missing = await db()
      .select()
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.account_id, accountId()),
          eq(fleet_events.kind, "autonomy.binding_missing"),
          sql`${fleet_events.payload}->>'signal_kind' = ${kind}`,
        ),
      );
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ severity: "high", payload: { signal_kind: kind, sensor: "test" } });
  });
});

describe("block", () => {
  it("a block policy for the agent blocks config.apply: no request, remediation, task or notification", async () => {
    const agent = await loadAutonomyAgent(db(), accountId());
    const created = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: {
        scope: "agent",
        action_category: "config.apply",
        actor_type: "agent",
        agent_id: agent.id,
        policy: "block",
        priority: 50,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    try {
      const subject = await insertInstance(fleet);
      const moduleId = await createModule();
      const assignmentId = randomUUID();
      const signal = configDrift(subject, moduleId, assignmentId);
      const out = await decide(signal);
      expect(out).toMatchObject({
        decision: "blocked",
        action_category: "config.apply",
        approval_request_id: null,
        remediation_id: null,
        thread_id: null,
      });
      expect(out.reasons.map((r) => r.code)).toContain("policy_block");
      expect(await decisionRow(out.decision_id)).toMatchObject({
        decision: "blocked",
        gate: "block",
        base_policy: "block",
        matched_policy_id: created.body.data.id,
      });
      expect(await requestsFor(`config.apply:${assignmentId}`)).toHaveLength(0);
      expect(await remediationsOf(signal.fingerprint)).toHaveLength(0);
      expect(await tasksOn(subject.instanceId)).toHaveLength(0);
      expect(await eventsOf("autonomy.notified", signal.fingerprint)).toHaveLength(0);
      expect((await eventsOf("autonomy.decision.blocked", signal.fingerprint)).length).toBe(1);
    } finally {
      expect((await fleet.api("DELETE", `/api/v1/autonomy/policies/${created.body.data.id}`)).status).toBe(200);
    }
  });
});

describe("autonomy_mode paused", () => {
  it("sends notify_and_proceed and auto_approve actions to approval (autonomy_paused)", async () => {
    const paused = await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { autonomy_mode: "paused" } });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    try {
      const np = await insertInstance(fleet);
      const moduleId = await createModule();
      const sync = await decide(drift(np, [moduleId]));
      expect(sync).toMatchObject({ decision: "pending", action_category: "module.sync" });
      expect(sync.reasons).toContainEqual({ code: "autonomy_paused" });
      expect(await decisionRow(sync.decision_id)).toMatchObject({
        base_policy: "notify_and_proceed",
        gate: "require_approval",
      });
      expect(await tasksOn(np.instanceId)).toHaveLength(0);
      const [request] = await requestsFor(`module.sync:${np.instanceId}`);
      expect(request).toMatchObject({ id: sync.approval_request_id, status: "pending" });

      // Silent past presumed_dead_seconds (1800): instance.mark_dead, auto_approve by default.
      const aa = await insertInstance(fleet);
      const dead = await decide(silent(aa, 4000));
      expect(dead).toMatchObject({ decision: "pending", action_category: "instance.mark_dead" });
      expect(dead.reasons).toContainEqual({ code: "autonomy_paused" });
      expect(await decisionRow(dead.decision_id)).toMatchObject({ base_policy: "auto_approve" });
      expect(await remediationsOf(`instance_silent:${aa.instanceId}`)).toHaveLength(0);
    } finally {
      await fleet.api("PATCH", "/api/v1/autonomy/settings", { body: { autonomy_mode: "active" } });
    }
  });
});

describe("require_approval", () => {
  it("refreshes a pending request in place: the second decision is awaiting_approval, one request, one thread", async () => {
    const subject = await insertInstance(fleet);
    const first = await decide(silent(subject, 200));
    expect(first).toMatchObject({ decision: "pending", action_category: "instance.recover" });
    expect(first.thread_id).toEqual(expect.any(String));
    const asked = await requestRow(first.approval_request_id!);
    expect(asked.matched_policy_id).toBe((await seededPolicy("instance.recover")).id);
    // Another reading of the same silence: same action, same digest.
    const second = await decide(silent(subject, 320));
    expect(second).toMatchObject({
      decision: "pending",
      reasons: [{ code: "awaiting_approval" }],
      approval_request_id: first.approval_request_id,
      thread_id: null,
    });
    const requests = await requestsFor(`instance.recover:${subject.instanceId}`);
    expect(requests).toHaveLength(1);
    // Refreshed in place, keeping what the first decision found (the policy that asked, its reasoning).
    expect(requests[0]).toMatchObject({
      status: "pending",
      graph_thread_id: first.thread_id,
      payload_hash: asked.payload_hash,
      expires_at: asked.expires_at,
      matched_policy_id: asked.matched_policy_id,
      reasoning: asked.reasoning,
      current_step: 0,
    });
    expect(await eventsOf("autonomy.approval_requested", `instance_silent:${subject.instanceId}`)).toHaveLength(1);
    expect(await eventsOf("autonomy.approval_refreshed", `instance_silent:${subject.instanceId}`)).toHaveLength(0);
    expect((await decisionRow(second.decision_id)).approval_request_id).toBe(first.approval_request_id);
  });

  it("pauses on an approval card carrying the exact action, its digest, the policy and the allowed responses", async () => {
    const subject = await insertInstance(fleet);
    const out = await decide(silent(subject, 200, "high"));
    const request = await requestRow(out.approval_request_id!);
    const card = await gate().card(out.thread_id!);
    expect(card).toEqual({
      type: "approval",
      approval_request_id: request.id,
      action_category: "instance.recover",
      action: request.action_payload,
      payload_hash: request.payload_hash,
      description: request.description,
      severity: "high",
      policy: {
        matched_policy_id: (await seededPolicy("instance.recover")).id,
        base_policy: "require_approval",
        gate: "require_approval",
        reasons: [],
      },
      similar_learnings: [],
      expires_at: request.expires_at.toISOString(),
      responses: ["approve", "reject", "edit"],
    });
    expect(card!.action).toEqual({
      account_id: accountId(),
      action_category: "instance.recover",
      target: { type: "node_instance", id: subject.instanceId },
      params: { instance_id: subject.instanceId, node_id: subject.nodeId, operation: "reboot", hard: false },
    });
    expect(card!.payload_hash).toBe(actionDigest(card!.action));
  });

  it("a human rejection teaches an anti_pattern, releases the thread and suppresses the next identical candidate", async () => {
    const subject = await insertInstance(fleet);
    const signal = silent(subject, 200);
    const out = await decide(signal);
    expect(out.thread_id).toEqual(expect.any(String));
    const request = await requestRow(out.approval_request_id!);
    const rejected = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${request.id}/reject`, {
      token: fleet.tokens.writer,
      body: { payload_hash: request.payload_hash, reason: "the node is in a maintenance window" },
    });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    const resumed = await runner.runApprovals(accountId());
    expect(resumed.status).toBe("ok");

    const after = await requestRow(request.id);
    expect(after).toMatchObject({ status: "rejected", graph_thread_id: null, execution_status: null });
    expect(await gate().card(out.thread_id!)).toBeNull();
    const taught = await db()
      .select()
      .from(learnings)
      .where(and(eq(learnings.account_id, accountId()), eq(learnings.action_category, "instance.recover")));
    const mine = taught.filter((l) => l.evidence.includes(request.id));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      polarity: "rejected",
      category: "anti_pattern",
      source: "approval_outcome",
      signal_kind: "fleet.instance_silent",
    });
    expect(mine[0]!.content).toContain("the node is in a maintenance window");
    expect(mine[0]!.situation_text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(await remediationsOf(signal.fingerprint)).toHaveLength(0);

    const next = await decide(silent(subject, 400));
    expect(next).toMatchObject({ decision: "suppressed", approval_request_id: null, thread_id: null });
    expect(next.reasons[0]!.code).toBe("rejection_cooldown");
    const until = Date.parse((next.reasons[0]!.detail as { until: string }).until);
    expect(until).toBe(after.decided_at!.getTime() + 3600_000);
    expect(await requestsFor(`instance.recover:${subject.instanceId}`)).toHaveLength(1);
  });

  it("an expired request counts as a rejection: a neutral fact, the thread released, the next candidate suppressed", async () => {
    const subject = await insertInstance(fleet);
    const out = await decide(silent(subject, 200));
    await db()
      .update(approval_requests)
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where(eq(approval_requests.id, out.approval_request_id!));
    const run = await runner.runApprovals(accountId());
    expect(run.counts.approvals_expired).toBeGreaterThanOrEqual(1);
    expect(await requestRow(out.approval_request_id!)).toMatchObject({ status: "expired", graph_thread_id: null });
    const taught = await db().select().from(learnings).where(eq(learnings.account_id, accountId()));
    expect(taught.filter((l) => l.evidence.includes(out.approval_request_id!))).toEqual([
      expect.objectContaining({ polarity: "neutral", category: "fact", action_category: "instance.recover" }),
    ]);
    const next = await decide(silent(subject, 500));
    expect(next).toMatchObject({
      decision: "suppressed",
      reasons: [expect.objectContaining({ code: "rejection_cooldown" })],
    });
  });

  it("a tampered approval is stale: nothing runs, and the next candidate asks again without a cooldown", async () => {
    const tamperings = [
      [
        "the action changed under its hash",
        (id: string) =>
          db().execute(sql`
            UPDATE approval_requests SET action_payload = jsonb_set(action_payload, '{params,hard}', 'true')
            WHERE id = ${id}`),
      ],
      [
        "the action and its hash changed together",
        async (id: string) => {
          const row = await requestRow(id);
          const changed = { ...row.action_payload, params: { ...row.action_payload.params, hard: true } };
          await db()
            .update(approval_requests)
            .set({ action_payload: changed, payload_hash: actionDigest(changed) })
            .where(eq(approval_requests.id, id));
        },
      ],
    ] as const;
    for (const [label, tamper] of tamperings) {
      const subject = await insertInstance(fleet);
      const out = await decide(silent(subject, 200));
      const request = await requestRow(out.approval_request_id!);
      const approved = await approve(request.id, request.payload_hash);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      await tamper(request.id);
      await runner.runApprovals(accountId());

      const after = await requestRow(request.id);
      expect(after.execution_status, label).toBe("stale");
      expect(after.execution_result, label).toMatchObject({ reason: "payload_changed" });
      expect(after.graph_thread_id, label).toBeNull();
      const executed = await eventsOf("autonomy.approval_executed", `instance_silent:${subject.instanceId}`);
      expect(
        executed.map((e) => e.payload.execution_status),
        label,
      ).toEqual(["stale"]);
      expect(
        await db().select().from(fleet_remediations).where(eq(fleet_remediations.approval_request_id, request.id)),
        label,
      ).toHaveLength(0);
      expect(await tasksOn(subject.instanceId), label).toHaveLength(0);

      const again = await decide(silent(subject, 300));
      expect(again.decision, label).toBe("pending");
      expect(again.approval_request_id, label).not.toBe(request.id);
      expect(again.thread_id, label).toEqual(expect.any(String));
    }
  });
});

describe("consent budget", () => {
  it("a module with a budget of 1: the first sync proceeds, the second asks (consent_budget_exhausted); approval is exempt", async () => {
    const moduleId = await createModule();
    const set = await fleet.api("PATCH", `/api/v1/node_modules/${moduleId}/consent_budget`, { body: { limit: 1 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const a = await insertInstance(fleet);
    const b = await insertInstance(fleet);

    const first = await decide(drift(a, [moduleId]));
    expect(first.decision).toBe("proceed");
    expect(await tasksOn(a.instanceId)).toHaveLength(1);
    const spent = await fleet.api("GET", `/api/v1/node_modules/${moduleId}/consent_budget`);
    expect(spent.body.data).toMatchObject({ limit: 1, used: 1, remaining: 0 });

    const second = await decide(drift(b, [moduleId]));
    expect(second).toMatchObject({ decision: "pending", action_category: "module.sync" });
    const reason = second.reasons.find((r) => r.code === "consent_budget_exhausted");
    expect(reason?.detail).toMatchObject({ module_id: moduleId, used: 1, limit: 1 });
    expect(await decisionRow(second.decision_id)).toMatchObject({
      decision: "pending",
      base_policy: "notify_and_proceed",
      budget: { module_id: moduleId, used: 1, limit: 1 },
    });
    expect(await tasksOn(b.instanceId)).toHaveLength(0);

    // A human-approved execution consumes no budget.
    const request = await requestRow(second.approval_request_id!);
    expect((await approve(request.id, request.payload_hash)).status).toBe(200);
    await runner.runApprovals(accountId());
    expect((await requestRow(request.id)).execution_status).toBe("applied");
    const queued = await tasksOn(b.instanceId);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ command: "sync_modules", idempotency_key: `approval:${request.id}` });
    const still = await fleet.api("GET", `/api/v1/node_modules/${moduleId}/consent_budget`);
    expect(still.body.data).toMatchObject({ used: 1, remaining: 0 });
  });
});

describe("external pressure (§6.3)", () => {
  it("defers a deferrable autonomous action while incoming pressure is at the threshold, never a critical one", async () => {
    const subject = await insertInstance(fleet);
    const moduleId = await createModule();
    const now = Date.now();
    const pressure = (key: string, strength: number) => ({
      account_id: accountId(),
      direction: "in" as const,
      signal_type: "billing.load",
      key,
      strength,
      decay_rate: 0,
      emitted_at: new Date(now - 1000),
      expires_at: new Date(now + 1800_000),
      scope: {},
    });
    await db()
      .insert(pressure_signals)
      .values([pressure("a", 0.7), pressure("b", 0.6)]);
    try {
      const deferred = await decide(drift(subject, [moduleId]));
      expect(deferred).toMatchObject({ decision: "deferred", action_category: "module.sync", remediation_id: null });
      const reason = deferred.reasons.find((r) => r.code === "external_pressure");
      expect(reason?.detail).toMatchObject({ aggregate_strength: 1.3 });
      expect(await tasksOn(subject.instanceId)).toHaveLength(0);
      expect(await eventsOf("autonomy.throttled", `module_drift:${subject.instanceId}`)).toHaveLength(1);
      // Safety is never throttled: the critical version of the same condition proceeds.
      const critical = await decide({ ...drift(subject, [moduleId]), severity: "critical" });
      expect(critical.decision).toBe("proceed");
      // Past the cumulative limit it asks a human instead of waiting again.
      const long = await gate().decide(
        drift(subject, [moduleId]),
        { ...CONDITION, episode: 2, cumulative_deferred_seconds: 3590 },
        await tick(),
      );
      expect(long).toMatchObject({ decision: "pending" });
      expect(long.reasons.map((r) => r.code)).toContain("deferred_too_long");
    } finally {
      await db().delete(pressure_signals).where(eq(pressure_signals.account_id, accountId()));
    }
  });
});

describe("edit (approve with params)", () => {
  it("approves a changed action bound to its own digest, refusing edits that do not fit the action", async () => {
    const subject = await insertInstance(fleet);
    const pending = await decide(silent(subject));
    expect(pending).toMatchObject({ decision: "pending", action_category: "instance.recover" });
    const request = await requestRow(pending.approval_request_id!);
    expect(request.action_payload.params).toMatchObject({ operation: "reboot", hard: false });
    const url = `/api/v1/autonomy/approval_requests/${request.id}/approve`;
    const unknown = await fleet.api("POST", url, {
      token: fleet.tokens.writer,
      body: { payload_hash: request.payload_hash, params: { force: true } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: "params.force" })]);
    const retyped = await fleet.api("POST", url, {
      token: fleet.tokens.writer,
      body: { payload_hash: request.payload_hash, params: { hard: "yes" } },
    });
    expect(retyped.status).toBe(400);
    expect(retyped.body.errors).toEqual([expect.objectContaining({ path: "params.hard" })]);
    // Nothing changed by the refused edits.
    expect((await requestRow(request.id)).payload_hash).toBe(request.payload_hash);

    const edited = await fleet.api("POST", url, {
      token: fleet.tokens.writer,
      body: { payload_hash: request.payload_hash, params: { hard: true }, comment: "it is hung; power-cycle" },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const row = await requestRow(request.id);
    expect(row.status).toBe("approved");
    expect(row.action_payload.params).toMatchObject({ operation: "reboot", hard: true });
    expect(row.payload_hash).toBe(actionDigest(row.action_payload));
    expect(row.payload_hash).not.toBe(request.payload_hash);
    expect(edited.body.data.decisions).toEqual([
      expect.objectContaining({ verdict: "approve", payload_hash_seen: row.payload_hash }),
    ]);
    expect(await eventsOf("autonomy.approval_edited", request.fingerprint!)).toHaveLength(1);

    // The edited action is what runs: a provider power-cycle, which this fixture instance (no
    // provider) cannot take — the planned graceful reboot would have queued an agent task instead.
    await runner.runApprovals(accountId());
    const done = await requestRow(request.id);
    expect(done.execution_status).toBe("failed");
    expect(JSON.stringify(done.execution_result)).toContain("has no provider");
    expect(await tasksOn(subject.instanceId)).toHaveLength(0);
  });
});

describe("category circuit breaker (§4.2)", () => {
  it("opens after a bad hour of module.sync outcomes, sends the category to approval, and closes on an audited reset", async () => {
    const now = new Date();
    const outcomes = ["ineffective", "failed", "ineffective", "effective", "effective"] as const;
    await db()
      .insert(fleet_remediations)
      .values(
        outcomes.map((outcome, i) => ({
          account_id: accountId(),
          action_category: "module.sync",
          applier: "module_sync",
          target_type: "node_instance",
          target_id: randomUUID(),
          idempotency_key: `breaker-test-${randomUUID()}-${i}`,
          payload_hash: "0".repeat(64),
          status: "applied" as const,
          outcome,
          acted_at: new Date(now.getTime() - 1800_000),
          validated_at: new Date(now.getTime() - 600_000),
        })),
      );
    const hooks = gateHooks(gate(), {
      services: fleet.runtime.services,
      catalog: fleet.runtime.catalog,
      learnings: fleet.runtime.learnings,
      logger: fleet.runtime.services.logger,
    });
    const t = await tick();
    const tickCtx = {
      tickId: "",
      correlationId: t.correlation_id,
      accountId: accountId(),
      now,
      settings: await loadAutonomySettings(db(), accountId()),
      deadline: new Date(now.getTime() + 45_000),
      db: db(),
    };
    expect(await hooks.breakers!(tickCtx)).toEqual({ breakers_opened: 1 });
    // Already open: not opened twice.
    expect(await hooks.breakers!(tickCtx)).toEqual({ breakers_opened: 0 });
    const listed = await fleet.api("GET", "/api/v1/autonomy/breakers", { token: fleet.tokens.reader });
    expect(listed.body.data.items).toEqual([
      expect.objectContaining({
        action_category: "module.sync",
        state: "open",
        opened_with: { scored: 5, bad: 3, ratio: 0.6 },
      }),
    ]);

    const subject = await insertInstance(fleet);
    const moduleId = await createModule();
    const held = await decide(drift(subject, [moduleId]));
    expect(held).toMatchObject({ decision: "pending", action_category: "module.sync" });
    expect(held.reasons.map((r) => r.code)).toContain("category_breaker_open");

    const reset = await fleet.api("POST", "/api/v1/autonomy/breakers/module.sync/reset", {
      token: fleet.tokens.writer,
      body: { reason: "registry outage fixed" },
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body.data).toMatchObject({
      state: "closed",
      close_reason: "registry outage fixed",
      closed_by: expect.stringMatching(/^user:/),
    });
    const again = await fleet.api("POST", "/api/v1/autonomy/breakers/module.sync/reset", {
      token: fleet.tokens.writer,
      body: { reason: "twice" },
    });
    expect(again.status).toBe(409);
    const other = await insertInstance(fleet);
    expect((await decide(drift(other, [moduleId]))).decision).toBe("proceed");
  });
});

describe("state appliers", () => {
  it("instance.reconcile_state converges a running instance to the provider's stopped state (NP, once)", async () => {
    const subject = await insertInstance(fleet);
    const signal: GateSignal = {
      kind: "fleet.instance_state_drift",
      severity: "high",
      sensor: "instance_state_drift",
      fingerprint: `instance_state_drift:${subject.instanceId}:stopped`,
      payload: {
        instance_id: subject.instanceId,
        node_id: subject.nodeId,
        expected_status: "running",
        actual_status: "stopped",
        cloud_instance_id: "i-x",
        provider_type: "local",
      },
      refs: { node_id: subject.nodeId, node_instance_id: subject.instanceId },
    };
    const out = await decide(signal);
    expect(out).toMatchObject({ decision: "proceed", action_category: "instance.reconcile_state" });
    const [row] = await db().select().from(fleet_remediations).where(eq(fleet_remediations.id, out.remediation_id!));
    expect(row).toMatchObject({ status: "applied", result: { from_status: "running", to_status: "stopped" } });
    const instance = await fleet.api("GET", `/api/v1/node_instances/${subject.instanceId}`);
    expect(instance.body.data.status).toBe("stopped");
    // The same decision again (a retried tick) finds the remediation done and moves nothing.
    const again = await gate().decide(signal, CONDITION, await tick());
    expect(again.remediation_id).toBe(out.remediation_id);
  });

  it("instance.quarantine (require_approval) cordons and queues the termination once approved", async () => {
    const subject = await insertInstance(fleet);
    const moduleId = await createModule();
    const pending = await decide({
      kind: "fleet.honeypot_access",
      severity: "critical",
      sensor: "honeypot_access",
      fingerprint: `honeypot_access:${randomUUID()}:${subject.instanceId}`,
      payload: {
        event_id: randomUUID(),
        module_id: moduleId,
        source: "canary",
        emitted_at: new Date().toISOString(),
        instance_id: subject.instanceId,
        node_id: subject.nodeId,
      },
      refs: { node_id: subject.nodeId, node_instance_id: subject.instanceId },
    });
    expect(pending).toMatchObject({ decision: "pending", action_category: "instance.quarantine" });
    const request = await requestRow(pending.approval_request_id!);
    expect((await approve(request.id, request.payload_hash)).status).toBe(200);
    await runner.runApprovals(accountId());
    const done = await requestRow(request.id);
    expect(done.execution_status, JSON.stringify(done.execution_result)).toBe("applied");
    const instance = await fleet.api("GET", `/api/v1/node_instances/${subject.instanceId}`);
    expect(instance.body.data.cordoned_at).not.toBeNull();
    expect((await tasksOn(subject.instanceId)).map((t) => t.command)).toEqual(["terminate"]);
  });
});

describe("a repeated proceed in one episode", () => {
  it("finds its remediation and consumes the module's consent budget once", async () => {
    const subject = await insertInstance(fleet);
    const moduleId = await createModule();
    const set = await fleet.api("PATCH", `/api/v1/node_modules/${moduleId}/consent_budget`, { body: { limit: 5 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const signal = drift(subject, [moduleId]);
    const first = await decide(signal);
    const second = await decide(signal);
    expect(first.decision).toBe("proceed");
    expect(second).toMatchObject({ decision: "proceed", remediation_id: first.remediation_id });
    expect(await tasksOn(subject.instanceId)).toHaveLength(1);
    const budget = await fleet.api("GET", `/api/v1/node_modules/${moduleId}/consent_budget`);
    expect(budget.body.data).toMatchObject({ limit: 5, used: 1, remaining: 4 });
  });
});
