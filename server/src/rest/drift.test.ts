// The drift queue API (spec/ui.md §5 "Drift queue") through a real runtime: conditions come from
// real ticks of the sensors over seeded instances (a running instance reporting a module it is not
// assigned is module drift; a failed storage assignment is storage drift), and every decision goes
// through REST or the page-action endpoint — list with comparisons and filters, snooze and its end,
// auto-resolve on a clearing, resolve, a new episode, assign, remediate (tasks, a failed task hands
// the item back; an instance reconciled to its provider's state), a mixed bulk gated by its
// strictest category and rejected, and a gated bulk as one approval with the combined blast radius.
import { randomUUID } from "node:crypto";
import { emitEvent, issueToken, systemPrincipal } from "@nodepilot/core";
import {
  approval_requests,
  fleet_drift_items,
  fleet_events,
  fleet_signal_states,
  node_instances,
  storage_assignments,
  tasks,
} from "@nodepilot/store";
import { and, eq, inArray, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../chat/test-support.ts";
import { createAutonomyRunner } from "../jobs/autonomy-tick.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { insertInstance, type Subject } from "./task-fixtures.ts";

let fleet: TestFleet;
let other: TestFleet;
let runner: ReturnType<typeof createAutonomyRunner>;

const db = () => fleet.runtime.database.db;
const accountId = () => fleet.runtime.accountId;
const digest = (c: string) => `sha256:${c.repeat(64)}`;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  other = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  // No decider: ticks sense and track conditions only, so nothing but these tests acts on them.
  runner = createAutonomyRunner(fleet.runtime.services);
}, 120_000);
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

const tick = () => runner.run(accountId(), { trigger: "manual" });

/** A running instance reporting one module its node is not assigned (module drift, "extra"). */
async function drifting(): Promise<Subject & { moduleId: string }> {
  const s = await insertInstance(fleet);
  const moduleId = randomUUID();
  await db()
    .update(node_instances)
    .set({ running_module_digests: { [moduleId]: digest("e") } })
    .where(eq(node_instances.id, s.instanceId));
  return { ...s, moduleId };
}

const stopDrifting = (s: Subject) =>
  db().update(node_instances).set({ running_module_digests: {} }).where(eq(node_instances.id, s.instanceId));

const list = (query = "", token = fleet.tokens.reader) => fleet.api("GET", `/api/v1/fleet/drift${query}`, { token });

async function itemOf(s: Subject, status = "active") {
  const res = await list(`?instance_id=${s.instanceId}&status=${status}&kind=fleet.module_drift`);
  expect(res.status).toBe(200);
  return res.body.data[0];
}

/** A condition as a tick writes it (state row + detection event), for sensors that read providers. */
async function seedCondition(kind: string, fingerprint: string, payload: Record<string, unknown>): Promise<string> {
  const now = new Date();
  await db()
    .insert(fleet_signal_states)
    .values({
      account_id: accountId(),
      kind,
      fingerprint,
      sensor: kind.slice("fleet.".length),
      first_seen_at: now,
      last_seen_at: now,
      last_severity: "high",
    });
  await emitEvent(
    db(),
    { principal: systemPrincipal(accountId(), []), source: "sensor:instance_state_drift", correlationId: null, now },
    { kind, severity: "high", payload, fingerprint, node_instance_id: String(payload.instance_id) },
  );
  return Buffer.from(`${kind} ${fingerprint}`).toString("base64url");
}

const post = (path: string, body: unknown, token = fleet.tokens.writer) =>
  fleet.api("POST", `/api/v1/fleet/drift${path}`, { token, body });

describe("drift.list", () => {
  it("shows an open module-drift item with its comparisons, oldest first, filtered", async () => {
    const a = await drifting();
    await tick();
    const b = await drifting();
    await tick();
    const item = await itemOf(a);
    const [instance] = await db().select().from(node_instances).where(eq(node_instances.id, a.instanceId));
    expect(item).toMatchObject({
      id: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      kind: "fleet.module_drift",
      fingerprint: `module_drift:${a.instanceId}`,
      episode: 1,
      subject: { type: "instance", id: a.instanceId, name: instance!.name },
      instance_id: a.instanceId,
      node_id: a.nodeId,
      severity: "medium",
      status: "open",
      comparisons: [{ label: "module", module_id: a.moduleId, expected: "not assigned", actual: digest("e") }],
      cleared_at: null,
      snoozed_until: null,
      assignee: null,
      remediation: null,
      suggested_remediation: {
        operation: "drift.remediate",
        input: { ids: [item.id] },
        action_category: "module.sync",
        label: `Sync modules on instance ${instance!.name} (a sync_modules task)`,
      },
    });
    expect(Date.parse(item.last_seen_at)).toBeGreaterThan(Date.parse(item.first_detected_at));

    const all = await list("?kind=fleet.module_drift");
    const ids = all.body.data.map((i: { instance_id: string }) => i.instance_id);
    expect(ids.indexOf(a.instanceId)).toBeLessThan(ids.indexOf(b.instanceId));
    expect(all.body.meta).toMatchObject({ has_more: false, next_cursor: null });
    const one = await list("?kind=fleet.module_drift&limit=1");
    expect(one.body.data).toHaveLength(1);
    expect(one.body.meta.has_more).toBe(true);
    expect((await list("?kind=fleet.gitops_drift")).body.data).toEqual([]);
  });

  it("refuses bad filters naming the field, and another account sees nothing", async () => {
    const bad = await list("?status=later");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("status");
    expect((await list("?limit=501")).body.errors[0].path).toBe("limit");
    expect((await list("?instance_id=nope")).body.errors[0].path).toBe("instance_id");
    const theirs = await other.api("GET", "/api/v1/fleet/drift", { token: other.tokens.reader });
    expect(theirs.body.data).toEqual([]);
  });
});

describe("snooze, resolve, auto-resolve, episodes", () => {
  it("snoozes with a reason, and the item reopens when the snooze ends if the drift persists", async () => {
    const s = await drifting();
    await tick();
    const { id } = await itemOf(s);
    const before = Date.now();
    const res = await post(`/${id}/snooze`, { duration: "1h", reason: "maintenance tonight" });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id, status: "snoozed", reason: "maintenance tonight" });
    expect(Date.parse(res.body.data.snoozed_until) - before).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect((await itemOf(s, "open")) ?? null).toBeNull();
    expect((await itemOf(s, "snoozed")).id).toBe(id);
    const [event] = await db()
      .select()
      .from(fleet_events)
      .where(
        and(eq(fleet_events.kind, "fleet.drift_snoozed"), eq(fleet_events.fingerprint, `module_drift:${s.instanceId}`)),
      );
    expect(event).toMatchObject({
      node_instance_id: s.instanceId,
      payload: { item_id: id, duration: "1h", reason: "maintenance tonight" },
    });

    // The snooze ends (its end moved into the past) while the sensor still reports the drift.
    await db()
      .update(fleet_drift_items)
      .set({ snoozed_until: new Date(Date.now() - 1000) })
      .where(eq(fleet_drift_items.fingerprint, `module_drift:${s.instanceId}`));
    await tick();
    expect(await itemOf(s)).toMatchObject({ id, status: "open", snoozed_until: null, reason: null });
  });

  it("auto-resolves a cleared condition and refuses to snooze it", async () => {
    const s = await drifting();
    await tick();
    const { id } = await itemOf(s);
    await stopDrifting(s);
    await tick();
    expect((await itemOf(s)) ?? null).toBeNull();
    const cleared = await itemOf(s, "auto_resolved");
    expect(cleared).toMatchObject({ id, status: "auto_resolved", cleared_at: expect.any(String) });
    expect(cleared.suggested_remediation).toBeNull();
    const late = await post(`/${id}/snooze`, { duration: "24h", reason: "too late" });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: "conflict", reason: "already_cleared" });
  });

  it("resolves by hand (gone from active), refuses twice, and a new episode starts open", async () => {
    const s = await drifting();
    await tick();
    const { id } = await itemOf(s);
    const res = await post(`/${id}/resolve`, { reason: "extra module is intended" });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: "resolved", reason: "extra module is intended" });
    expect((await itemOf(s)) ?? null).toBeNull();
    expect((await itemOf(s, "resolved")).id).toBe(id);
    const again = await post(`/${id}/resolve`, { reason: "still intended" });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe("already_resolved");

    // Clears, stays away past episode_reset_seconds, comes back: episode 2, no decision yet.
    await stopDrifting(s);
    await tick();
    expect((await itemOf(s, "resolved")).id).toBe(id);
    await db()
      .update(fleet_signal_states)
      .set({ cleared_at: new Date(Date.now() - 2 * 3600_000) })
      .where(eq(fleet_signal_states.fingerprint, `module_drift:${s.instanceId}`));
    await db()
      .update(node_instances)
      .set({ running_module_digests: { [s.moduleId]: digest("f") } })
      .where(eq(node_instances.id, s.instanceId));
    await tick();
    expect(await itemOf(s)).toMatchObject({ id, episode: 2, status: "open", reason: null, decided_by: null });
  });

  it("refuses bad input naming the field, unknown items and callers without fleet:write", async () => {
    const s = await drifting();
    await tick();
    const { id } = await itemOf(s);
    const short = await post(`/${id}/snooze`, { duration: "1h", reason: "no" });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].path).toBe("reason");
    expect((await post(`/${id}/snooze`, { duration: "2h", reason: "later on" })).body.errors[0].path).toBe("duration");
    expect((await post(`/${id}/resolve`, {})).body.errors[0].path).toBe("reason");
    const malformed = await post("/not!an!id/resolve", { reason: "whatever" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].path).toBe("id");
    const unknown = Buffer.from(`fleet.module_drift module_drift:${randomUUID()}`).toString("base64url");
    expect((await post(`/${unknown}/resolve`, { reason: "whatever" })).status).toBe(404);
    const denied = await post(`/${id}/snooze`, { duration: "1h", reason: "not mine" }, fleet.tokens.reader);
    expect(denied.status).toBe(403);
    expect(denied.body.reason).toBe("missing_scope");
    expect((await post("/remediate", { ids: [id] }, fleet.tokens.reader)).status).toBe(403);
    expect((await itemOf(s)).status).toBe("open");
  });
});

describe("drift.assign", () => {
  it("assigns to the caller by default or to a user of the account, never outside it", async () => {
    const s = await drifting();
    await tick();
    const { id } = await itemOf(s);
    const mine = await post(`/${id}/assign`, {}, fleet.tokens.admin);
    expect(mine.status).toBe(200);
    expect(mine.body.data.assignee).toMatchObject({ user_id: fleet.runtime.ownerUserId, email: expect.any(String) });
    expect(mine.body.data.status).toBe("open");

    const outsider = await post(`/${id}/assign`, { user_id: other.runtime.ownerUserId }, fleet.tokens.admin);
    expect(outsider.status).toBe(404);
    const service = await issueToken(db(), {
      accountId: accountId(),
      userId: null,
      name: "drift service token",
      scopes: ["fleet:write"],
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const nobody = await post(`/${id}/assign`, {}, service.plaintext);
    expect(nobody.status).toBe(400);
    expect(nobody.body.errors[0].path).toBe("user_id");
    const byToken = await post(`/${id}/assign`, { user_id: fleet.runtime.ownerUserId }, service.plaintext);
    expect(byToken.status).toBe(200);
    expect(byToken.body.data.decided_by).toBeNull();
  });
});

describe("drift.remediate", () => {
  it("queues the sync, marks the item remediating, and a failed task hands it back", async () => {
    const s = await drifting();
    await tick();
    const { id } = await itemOf(s);
    const res = await post("/remediate", { ids: [id] });
    expect(res.status).toBe(200);
    const [taskId] = res.body.data.task_ids;
    expect(res.body.data.items[0]).toMatchObject({
      id,
      status: "remediating",
      remediation: { task_ids: [taskId], state: "running", approval_request_id: null },
    });
    const [task] = await db().select().from(tasks).where(eq(tasks.id, taskId));
    expect(task).toMatchObject({ command: "sync_modules", subject_id: s.instanceId, status: "pending" });
    expect(task!.payload).toEqual({ force_resync: true });
    const twice = await post("/remediate", { ids: [id] });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ reason: "already_remediating", errors: [{ path: "ids.0" }] });

    await db().update(tasks).set({ status: "failed", completed_at: new Date() }).where(eq(tasks.id, taskId));
    expect(await itemOf(s)).toMatchObject({ status: "open", remediation: { state: "failed", task_ids: [taskId] } });
    const retry = await post("/remediate", { ids: [id] });
    expect(retry.status).toBe(200);
    expect(retry.body.data.task_ids[0]).not.toBe(taskId);
  });

  it("refuses bad, duplicate, unknown and unremediable ids naming ids.<i>", async () => {
    const s = await drifting();
    const storageOf = await insertInstance(fleet);
    await db().insert(storage_assignments).values({
      account_id: accountId(),
      node_instance_id: storageOf.instanceId,
      kind: "mount",
      target: "/data",
      status: "failed",
    });
    await tick();
    const { id } = await itemOf(s);
    const storage = (await list(`?instance_id=${storageOf.instanceId}&kind=fleet.storage_assignment_drift`)).body
      .data[0];
    expect(storage).toMatchObject({
      status: "open",
      suggested_remediation: null,
      subject: { id: storageOf.instanceId },
    });

    const cases: [unknown[], number, string][] = [
      [[id, "bad id"], 400, "ids.1"],
      [[id, id], 400, "ids.1"],
      [[Buffer.from(`fleet.config_drift config_drift:${randomUUID()}`).toString("base64url")], 404, "ids.0"],
      [[id, storage.id], 400, "ids.1"],
      [[], 400, "ids"],
    ];
    for (const [ids, status, path] of cases) {
      const res = await post("/remediate", { ids });
      expect(res.status, JSON.stringify(ids)).toBe(status);
      expect(res.body.errors[0].path).toBe(path);
    }
    expect((await itemOf(s)).status).toBe("open");
    const queued = await db().select().from(tasks).where(eq(tasks.subject_id, s.instanceId));
    expect(queued).toEqual([]);
  });

  it("reconciles an instance to its provider's state; a mixed bulk is gated by its strictest category", async () => {
    const policy = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: {
        scope: "global",
        action_category: "instance.reconcile_state",
        actor_type: "user",
        policy: "require_approval",
      },
    });
    expect(policy.status).toBe(201);
    const m = await drifting();
    await tick();
    const moduleItem = (await itemOf(m)).id;
    // The provider reports the instance stopped (sensor #2 reads providers; its condition is written as a tick would).
    const s = await insertInstance(fleet);
    const stateItem = await seedCondition(
      "fleet.instance_state_drift",
      `instance_state_drift:${s.instanceId}:stopped`,
      {
        instance_id: s.instanceId,
        node_id: s.nodeId,
        expected_status: "running",
        actual_status: "stopped",
        cloud_instance_id: "i-0abc",
        provider_type: "aws",
      },
    );
    const listed = (await list(`?instance_id=${s.instanceId}`)).body.data[0];
    expect(listed).toMatchObject({
      id: stateItem,
      severity: "high",
      comparisons: [{ label: "status", expected: "running", actual: "stopped" }],
      suggested_remediation: { action_category: "instance.reconcile_state" },
    });

    const asked = await fleet.api("POST", "/api/v1/actions", {
      body: { operation: "drift.remediate", input: { ids: [moduleItem, stateItem] } },
    });
    expect(asked.body.data.status).toBe("pending_approval");
    const [request] = await db()
      .select()
      .from(approval_requests)
      .where(eq(approval_requests.id, asked.body.data.approval_request_id));
    expect(request).toMatchObject({ action_category: "instance.reconcile_state" });
    expect((request!.plan as { blast_radius: { instance_count: number } }).blast_radius.instance_count).toBe(2);
    const rejected = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${request!.id}/reject`, {
      token: fleet.tokens.writer,
      body: { payload_hash: asked.body.data.action_digest, reason: "not now" },
    });
    expect(rejected.status).toBe(200);
    expect((await itemOf(m)).status).toBe("open");

    // A person's own call is not gated: the record moves to what the provider reports, no task.
    const res = await post("/remediate", { ids: [stateItem] });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ task_ids: [], items: [{ id: stateItem, status: "remediating" }] });
    const [instance] = await db().select().from(node_instances).where(eq(node_instances.id, s.instanceId));
    expect(instance!.status).toBe("stopped");
  });

  it("gated: a bulk of two is one approval with the combined blast radius, and runs on approval", async () => {
    const policy = await fleet.api("POST", "/api/v1/autonomy/policies", {
      body: { scope: "global", action_category: "module.sync", actor_type: "user", policy: "require_approval" },
    });
    expect(policy.status).toBe(201);
    const a = await drifting();
    const b = await drifting();
    await tick();
    const ids = [(await itemOf(a)).id, (await itemOf(b)).id];

    const asked = await fleet.api("POST", "/api/v1/actions", {
      body: { operation: "drift.remediate", input: { ids } },
    });
    expect(asked.status).toBe(200);
    expect(asked.body.data).toMatchObject({ status: "pending_approval", operation: "drift.remediate" });
    const requestId = asked.body.data.approval_request_id as string;
    const requests = await db()
      .select()
      .from(approval_requests)
      .where(
        and(
          eq(approval_requests.account_id, accountId()),
          eq(approval_requests.status, "pending"),
          sql`${approval_requests.action_payload} -> 'params' ->> 'operation' = 'drift.remediate'`,
        ),
      );
    expect(requests.map((r) => r.id)).toEqual([requestId]);
    expect(requests[0]).toMatchObject({ action_category: "module.sync", status: "pending" });
    const plan = requests[0]!.plan as { blast_radius: { instance_count: number; instances: { id: string }[] } };
    expect(plan.blast_radius.instance_count).toBe(2);
    expect(plan.blast_radius.instances.map((i) => i.id).sort()).toEqual([a.instanceId, b.instanceId].sort());
    expect(await itemOf(a)).toMatchObject({
      status: "remediating",
      remediation: { state: "awaiting_approval", approval_request_id: requestId, task_ids: [] },
    });
    expect(
      await db()
        .select()
        .from(tasks)
        .where(inArray(tasks.subject_id, [a.instanceId, b.instanceId])),
    ).toEqual([]);

    // Asked again while it waits: the same request, not another.
    const again = await fleet.api("POST", "/api/v1/actions", {
      body: { operation: "drift.remediate", input: { ids } },
    });
    expect(again.body.data.approval_request_id).toBe(requestId);

    const approved = await fleet.api("POST", `/api/v1/autonomy/approval_requests/${requestId}/approve`, {
      token: fleet.tokens.writer,
      body: { payload_hash: asked.body.data.action_digest },
    });
    expect(approved.status).toBe(200);
    const executed = await eventually("the approved remediation", async () => {
      const [r] = await db().select().from(approval_requests).where(eq(approval_requests.id, requestId));
      return r?.executed_at ? r : undefined;
    });
    expect(executed.execution_status).toBe("applied");
    for (const s of [a, b]) {
      const item = await itemOf(s);
      expect(item).toMatchObject({
        status: "remediating",
        remediation: { state: "running", approval_request_id: requestId, task_ids: [expect.any(String)] },
      });
      const [task] = await db().select().from(tasks).where(eq(tasks.id, item.remediation.task_ids[0]));
      expect(task).toMatchObject({ command: "sync_modules", subject_id: s.instanceId, approval_request_id: requestId });
    }
    const started = await db()
      .select()
      .from(fleet_events)
      .where(
        and(eq(fleet_events.kind, "fleet.drift_remediation_started"), like(fleet_events.correlation_id, "approval:%")),
      );
    expect(started.filter((e) => e.payload.approval_request_id === requestId)).toHaveLength(2);
  });
});
