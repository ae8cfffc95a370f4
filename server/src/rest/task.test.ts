// Task operations over REST: create (validation, scopes, subjects, idempotency), get with long-poll,
// list, cancel, abort and retry, each checked for status codes, problem codes and no partial writes.
import {
  completeTask,
  createTask,
  failTask,
  leaseTasks,
  type OpContext,
  startTask,
  systemPrincipal,
} from "@nodepilot/core";
import { fleet_events } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { counts, FACTS, insertInstance, type Subject, systemOrigin, taskEventTypes, taskRow } from "./task-fixtures.ts";

let fleet: TestFleet;
let other: TestFleet;
let inst: Subject;

const facts = (subjectId: string, extra: Record<string, unknown> = {}) => ({
  subject_type: "node_instance",
  subject_id: subjectId,
  command: "collect_facts",
  ...extra,
});

async function create(body: Record<string, unknown>, token?: string) {
  return fleet.api("POST", "/api/v1/tasks", { body, ...(token ? { token } : {}) });
}

/** Lease (only this subject), start and optionally complete a task as an agent would. */
async function runAsHolder(subjectId: string, finish: "complete" | "start" = "complete") {
  const db = fleet.runtime.database.db;
  const [leased] = await leaseTasks(db, systemOrigin(fleet), {
    executor: "agent",
    holder: "test-agent",
    limit: 1,
    subjects: [{ type: "node_instance", id: subjectId }],
    now: new Date(),
  });
  if (!leased) throw new Error("nothing to lease");
  await startTask(db, systemOrigin(fleet), { taskId: leased.id, leaseId: leased.lease_id!, now: new Date() });
  if (finish === "complete") {
    await completeTask(db, systemOrigin(fleet), {
      taskId: leased.id,
      leaseId: leased.lease_id!,
      completionId: crypto.randomUUID(),
      result: FACTS,
      now: new Date(),
    });
  }
  return leased;
}

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
  inst = await insertInstance(fleet);
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("task.create", () => {
  it("queues a task with the registry's settings and logs it once", async () => {
    const before = await counts(fleet);
    const res = await create(facts(inst.instanceId, { priority: 5 }));
    expect(res.status).toBe(202);
    expect(res.body.data.deduplicated).toBe(false);
    const task = res.body.data.task;
    expect(task).toMatchObject({
      command: "collect_facts",
      executor: "agent",
      status: "pending",
      attempt: 0,
      max_attempts: 3,
      lease_ttl_seconds: 120,
      timeout_seconds: 3600,
      priority: 5,
      payload: {},
      initiated_by_type: "user",
    });
    expect(Date.parse(task.expires_at) - Date.parse(task.created_at)).toBe(48 * 3600 * 1000);
    expect(task).not.toHaveProperty("lease_id");
    expect(task).not.toHaveProperty("account_id");
    expect(await taskEventTypes(fleet, task.id)).toEqual(["created"]);
    expect(await counts(fleet)).toEqual({
      tasks: before.tasks + 1,
      events: before.events + 1,
      taskEvents: before.taskEvents + 1,
    });
    const events = await fleet.runtime.database.db.select().from(fleet_events).where(eq(fleet_events.task_id, task.id));
    expect(events.map((e) => [e.kind, e.node_instance_id, e.actor_type])).toEqual([
      ["task.created", inst.instanceId, "user"],
    ]);
  });

  it("stores the parsed payload with its defaults", async () => {
    const res = await create({
      subject_type: "node_instance",
      subject_id: inst.instanceId,
      command: "run_script",
      payload: { script_id: "disk-usage" },
    });
    expect(res.status).toBe(202);
    expect(res.body.data.task.payload).toEqual({ script_id: "disk-usage", args: [], timeout_seconds: 300 });
    expect(res.body.data.task.max_attempts).toBe(1);
  });

  it("refuses bad input with 400 naming the field, and writes nothing", async () => {
    const before = await counts(fleet);
    const cases: [Record<string, unknown>, string][] = [
      [facts(inst.instanceId, { command: "format_disk" }), "command"],
      [facts(inst.instanceId, { payload: { surprise: 1 } }), "payload.surprise"],
      [
        { ...facts(inst.instanceId), command: "restart_service", payload: { module_id: crypto.randomUUID() } },
        "payload.service",
      ],
      [{ ...facts(inst.instanceId), command: "reboot", payload: { reason: "" } }, "payload.reason"],
      [
        { ...facts(inst.instanceId), command: "run_script", payload: { script_id: "x", timeout_seconds: 4000 } },
        "payload.timeout_seconds",
      ],
      [facts(inst.instanceId, { subject_type: "provider_connection" }), "subject_type"],
      [facts("not-a-uuid"), "subject_id"],
      [facts(inst.instanceId, { priority: 1.5 }), "priority"],
      [facts(inst.instanceId, { unknown_field: true }), "unknown_field"],
    ];
    for (const [body, path] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await counts(fleet)).toEqual(before);
  });

  it("answers 404 for an unknown subject or another account's, and 409 for a terminated or cordoned instance", async () => {
    const before = await counts(fleet);
    const missing = await create(facts(crypto.randomUUID()));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");
    const foreign = await insertInstance(other);
    expect((await create(facts(foreign.instanceId))).status).toBe(404);
    const gone = await insertInstance(fleet, { status: "terminated" });
    const terminated = await create(facts(gone.instanceId));
    expect(terminated.status).toBe(409);
    expect(terminated.body).toMatchObject({ reason: "subject_terminated", current_state: "terminated" });
    const fenced = await insertInstance(fleet, { cordoned: true });
    const cordoned = await create(facts(fenced.instanceId));
    expect(cordoned.status).toBe(409);
    expect(cordoned.body.reason).toBe("cordoned");
    const after = await counts(fleet);
    expect({ tasks: after.tasks, events: after.events }).toEqual({ tasks: before.tasks, events: before.events });
  });

  it("applies the command's own scope on top of the operation's", async () => {
    expect((await create(facts(inst.instanceId), fleet.tokens.writer)).status).toBe(202);
    const before = await counts(fleet);
    const script = { ...facts(inst.instanceId), command: "run_script", payload: { script_id: "disk-usage" } };
    const denied = await create(script, fleet.tokens.writer);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: "forbidden", required_scope: "fleet:admin" });
    const reader = await create(facts(inst.instanceId), fleet.tokens.reader);
    expect(reader.status).toBe(403);
    expect(reader.body.required_scope).toBe("fleet:write");
    expect(await counts(fleet)).toEqual(before);
    expect((await create(script)).status).toBe(202);
  });

  it("replays the same idempotency key and refuses it for a different request", async () => {
    const body = facts(inst.instanceId, { idempotency_key: "facts-once" });
    const first = await create(body);
    expect(first.status).toBe(202);
    const before = await counts(fleet);
    const again = await create(body);
    expect(again.status).toBe(202);
    expect(again.body.data.task.id).toBe(first.body.data.task.id);
    expect(await counts(fleet)).toEqual(before);
    const mismatch = await create({ ...body, command: "probe.node_inspect" });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.reason).toBe("idempotency_mismatch");
    expect(await counts(fleet)).toEqual(before);
  });

  it("deduplicates on the task's own idempotency key when another producer used it first", async () => {
    const db = fleet.runtime.database.db;
    const ctxFor = (tx: OpContext["db"]): OpContext => ({
      db: tx,
      principal: systemPrincipal(fleet.runtime.accountId, ["fleet:admin"]),
      services: fleet.runtime.services,
      requestId: "test",
      correlationId: null,
      source: "system",
      now: new Date(),
      afterCommit: () => {},
    });
    const input = {
      subject_type: "node_instance" as const,
      subject_id: inst.instanceId,
      command: "sync_modules",
      payload: { force_resync: true },
      idempotency_key: "sync-shared",
    };
    const made = await db.transaction((tx) => createTask(ctxFor(tx), input));
    expect(made.deduplicated).toBe(false);
    const direct = await db.transaction((tx) => createTask(ctxFor(tx), input));
    expect(direct).toMatchObject({ deduplicated: true, task: { id: made.task.id } });

    const viaApi = await create({ ...input });
    expect(viaApi.status).toBe(202);
    expect(viaApi.body.data).toMatchObject({ deduplicated: true, task: { id: made.task.id } });
    // A key this operation has not seen yet reaches createTask, which compares the payload digest.
    const other = await db.transaction((tx) => createTask(ctxFor(tx), { ...input, idempotency_key: "sync-other" }));
    const different = await create({ ...input, idempotency_key: "sync-other", payload: { force_resync: false } });
    expect(different.status).toBe(409);
    expect(different.body).toMatchObject({ reason: "idempotency_mismatch", task_id: other.task.id });
    const before = await counts(fleet);
    expect((await create({ ...input, idempotency_key: "sync-other", payload: {} })).status).toBe(409);
    expect(await counts(fleet)).toEqual(before);
  });
});

describe("task.get", () => {
  it("returns the task with its newest events and events_total", async () => {
    const subject = await insertInstance(fleet);
    const created = await create(facts(subject.instanceId));
    await runAsHolder(subject.instanceId);
    const got = await fleet.api("GET", `/api/v1/tasks/${created.body.data.task.id}`, { token: fleet.tokens.reader });
    expect(got.status).toBe(200);
    expect(got.body.data.task).toMatchObject({ status: "succeeded", progress: 100, attempt: 1, result: FACTS });
    expect(got.body.data.events.map((e: { type: string }) => e.type)).toEqual([
      "created",
      "lease",
      "start",
      "complete",
    ]);
    expect(got.body.data.events_total).toBe(4);
    expect(got.body.data.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it("long-polls until the task is final", async () => {
    const subject = await insertInstance(fleet);
    const created = await create(facts(subject.instanceId));
    const id = created.body.data.task.id;
    const started = Date.now();
    const poll = fleet.api("GET", `/api/v1/tasks/${id}?wait_seconds=20`);
    await new Promise((r) => setTimeout(r, 600));
    await runAsHolder(subject.instanceId);
    const res = await poll;
    const waited = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.data.task.status).toBe("succeeded");
    expect(waited).toBeGreaterThanOrEqual(500);
    expect(waited).toBeLessThan(10_000);
  });

  it("answers when wait_seconds runs out, and refuses more than 45", async () => {
    const created = await create(facts(inst.instanceId));
    const started = Date.now();
    const res = await fleet.api("GET", `/api/v1/tasks/${created.body.data.task.id}?wait_seconds=1`);
    expect(res.status).toBe(200);
    expect(res.body.data.task.status).toBe("pending");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const tooLong = await fleet.api("GET", `/api/v1/tasks/${created.body.data.task.id}?wait_seconds=46`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].path).toBe("wait_seconds");
  });

  it("reads another account's task as not found", async () => {
    const created = await create(facts(inst.instanceId));
    const res = await other.api("GET", `/api/v1/tasks/${created.body.data.task.id}`);
    expect(res.status).toBe(404);
  });
});

describe("task.list", () => {
  it("filters by subject, status and command, newest first, with errors cut to 300 characters", async () => {
    const subject = await insertInstance(fleet);
    const ids: string[] = [];
    for (const command of ["collect_facts", "probe.node_inspect", "collect_facts"]) {
      const res = await create({ subject_type: "node_instance", subject_id: subject.instanceId, command });
      ids.push(res.body.data.task.id);
    }
    const all = await fleet.api("GET", `/api/v1/tasks?subject_type=node_instance&subject_id=${subject.instanceId}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((t: { id: string }) => t.id)).toEqual([...ids].reverse());
    const onlyFacts = await fleet.api(
      "GET",
      `/api/v1/tasks?subject_id=${subject.instanceId}&command=collect_facts&limit=1`,
    );
    expect(onlyFacts.body.data.map((t: { id: string }) => t.id)).toEqual([ids[2]]);
    expect(onlyFacts.body.meta.has_more).toBe(true);
    const next = await fleet.api(
      "GET",
      `/api/v1/tasks?subject_id=${subject.instanceId}&command=collect_facts&limit=1&cursor=${onlyFacts.body.meta.next_cursor}`,
    );
    expect(next.body.data.map((t: { id: string }) => t.id)).toEqual([ids[0]]);

    const leased = await leaseTasks(fleet.runtime.database.db, systemOrigin(fleet), {
      executor: "agent",
      holder: "test-agent",
      limit: 1,
      subjects: [{ type: "node_instance", id: subject.instanceId }],
      commands: ["probe.node_inspect"],
      now: new Date(),
    });
    expect(leased.map((t) => t.id)).toEqual([ids[1]]);
    await failTask(fleet.runtime.database.db, systemOrigin(fleet), {
      taskId: ids[1]!,
      leaseId: leased[0]!.lease_id!,
      completionId: crypto.randomUUID(),
      error_code: "collector_failed",
      error_message: `journal unreadable: ${"x".repeat(1000)} password=hunter2`,
      retryable: false,
      now: new Date(),
    });
    const failed = await fleet.api("GET", `/api/v1/tasks?subject_id=${subject.instanceId}&status=failed,cancelled`);
    expect(failed.body.data.map((t: { id: string }) => t.id)).toEqual([ids[1]]);
    expect(failed.body.data[0].error_message.length).toBe(300);
    const full = await fleet.api("GET", `/api/v1/tasks/${ids[1]}`);
    expect(full.body.data.task.error_message.length).toBeGreaterThan(1000);
    expect(full.body.data.task.error_message).toContain("password=[REDACTED]");
    expect(full.body.data.task.error_message).not.toContain("hunter2");
    const bad = await fleet.api("GET", "/api/v1/tasks?status=done");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toMatch(/^status/);
  });
});

describe("task.cancel, task.abort and task.retry", () => {
  it("cancels a pending task once, with a reason, and refuses a second cancel", async () => {
    const created = await create(facts(inst.instanceId));
    const id = created.body.data.task.id;
    const noReason = await fleet.api("POST", `/api/v1/tasks/${id}/cancel`, { body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors[0].path).toBe("reason");
    const res = await fleet.api("POST", `/api/v1/tasks/${id}/cancel`, { body: { reason: "queued by mistake" } });
    expect(res.status).toBe(200);
    expect(res.body.data.task).toMatchObject({ status: "cancelled", cancel_reason: "queued by mistake" });
    expect(res.body.data.task.completed_at).toBeTruthy();
    const before = await counts(fleet);
    const again = await fleet.api("POST", `/api/v1/tasks/${id}/cancel`, { body: { reason: "again" } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "conflict", reason: "invalid_transition", current_state: "cancelled" });
    expect(await counts(fleet)).toEqual(before);
  });

  it("refuses to cancel a succeeded task with 409 and current_state, writing nothing", async () => {
    const subject = await insertInstance(fleet);
    const created = await create(facts(subject.instanceId));
    await runAsHolder(subject.instanceId);
    const before = await counts(fleet);
    const res = await fleet.api("POST", `/api/v1/tasks/${created.body.data.task.id}/cancel`, {
      body: { reason: "late" },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ reason: "invalid_transition", current_state: "succeeded" });
    expect(await counts(fleet)).toEqual(before);
    expect((await taskRow(fleet, created.body.data.task.id)).status).toBe("succeeded");
  });

  it("cancels a leased task so that the holder's start is refused", async () => {
    const subject = await insertInstance(fleet);
    await create(facts(subject.instanceId));
    const [leased] = await leaseTasks(fleet.runtime.database.db, systemOrigin(fleet), {
      executor: "agent",
      holder: "h",
      limit: 1,
      subjects: [{ type: "node_instance", id: subject.instanceId }],
      now: new Date(),
    });
    const res = await fleet.api("POST", `/api/v1/tasks/${leased!.id}/cancel`, { body: { reason: "not now" } });
    expect(res.status).toBe(200);
    await expect(
      startTask(fleet.runtime.database.db, systemOrigin(fleet), {
        taskId: leased!.id,
        leaseId: leased!.lease_id!,
        now: new Date(),
      }),
    ).rejects.toMatchObject({ code: "conflict", reason: "task_cancelled" });
  });

  it("aborts only running tasks, and only with fleet:admin", async () => {
    const subject = await insertInstance(fleet);
    const created = await create(facts(subject.instanceId));
    const id = created.body.data.task.id;
    const notRunning = await fleet.api("POST", `/api/v1/tasks/${id}/abort`, { body: {} });
    expect(notRunning.status).toBe(409);
    expect(notRunning.body).toMatchObject({ reason: "invalid_transition", current_state: "pending" });
    await runAsHolder(subject.instanceId, "start");
    const cancelRunning = await fleet.api("POST", `/api/v1/tasks/${id}/cancel`, { body: { reason: "x" } });
    expect(cancelRunning.status).toBe(409);
    expect(cancelRunning.body.current_state).toBe("running");
    expect(cancelRunning.body.allowed_events).toContain("abort");
    const writer = await fleet.api("POST", `/api/v1/tasks/${id}/abort`, { token: fleet.tokens.writer, body: {} });
    expect(writer.status).toBe(403);
    const res = await fleet.api("POST", `/api/v1/tasks/${id}/abort`, { body: { reason: "wrong host" } });
    expect(res.status).toBe(200);
    expect(res.body.data.task).toMatchObject({ status: "cancelled", cancel_reason: "aborted" });
  });

  it("retries a failed task as a new pending task and refuses to retry a pending one", async () => {
    const subject = await insertInstance(fleet);
    const created = await create(facts(subject.instanceId, { priority: 7, exclusive: true }));
    const id = created.body.data.task.id;
    const early = await fleet.api("POST", `/api/v1/tasks/${id}/retry`, { body: {} });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ reason: "invalid_transition", current_state: "pending" });
    const leased = await runAsHolder(subject.instanceId, "start");
    await failTask(fleet.runtime.database.db, systemOrigin(fleet), {
      taskId: id,
      leaseId: leased.lease_id!,
      completionId: crypto.randomUUID(),
      error_code: "agent_restarted",
      error_message: "restarted",
      retryable: false,
      now: new Date(),
    });
    const res = await fleet.api("POST", `/api/v1/tasks/${id}/retry`, { body: {} });
    expect(res.status).toBe(202);
    expect(res.body.data.task).toMatchObject({
      status: "pending",
      attempt: 0,
      command: "collect_facts",
      priority: 7,
      exclusive: true,
      retry_of_task_id: id,
    });
    expect(res.body.data.task.id).not.toBe(id);
    expect(await taskEventTypes(fleet, id)).toContain("retried");
  });
});
