// The holder protocol called directly against the test fleet's database: lease, start, renew,
// complete, fail, settle, cancellation, exclusivity, payload re-validation and the reaper.

import {
  cancelSubjectTasks,
  completeTask,
  failTask,
  leaseTasks,
  payloadSha256,
  reapTasks,
  renewTask,
  settleTask,
  startTask,
} from "@nodepilot/core";
import { tasks } from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { counts, FACTS, insertInstance, systemOrigin, taskEventTypes, taskRow } from "./task-fixtures.ts";

let fleet: TestFleet;
const db = () => fleet.runtime.database.db;
const o = (now = new Date()) => systemOrigin(fleet, now);
const uuid = () => crypto.randomUUID();
const plus = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

async function newTask(subjectId: string, body: Record<string, unknown> = {}) {
  const res = await fleet.api("POST", "/api/v1/tasks", {
    body: { subject_type: "node_instance", subject_id: subjectId, command: "collect_facts", ...body },
  });
  if (res.status !== 202) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return res.body.data.task.id as string;
}

const leaseOn = (subjectId: string, now = new Date(), limit = 10, holder = "holder-a") =>
  leaseTasks(db(), o(now), {
    executor: "agent",
    holder,
    limit,
    subjects: [{ type: "node_instance", id: subjectId }],
    now,
  });

beforeAll(async () => {
  fleet = await createTestFleet();
});
afterAll(async () => {
  await fleet?.close();
});

describe("lease → start → renew → complete", () => {
  it("walks a task to succeeded, writing one task event and one fleet event per transition", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const now = new Date();
    const before = await counts(fleet);
    const [leased] = await leaseOn(instanceId, now);
    expect(leased).toMatchObject({ id, status: "leased", attempt: 1, lease_holder: "holder-a" });
    expect(leased!.lease_expires_at!.getTime()).toBe(now.getTime() + 120_000);
    expect(leased!.lease_id).toMatch(/^[0-9a-f-]{36}$/);
    const leaseId = leased!.lease_id!;
    const running = await startTask(db(), o(), { taskId: id, leaseId, now: new Date() });
    expect(running.status).toBe("running");
    expect(running.started_at).toBeInstanceOf(Date);
    const renewed = await renewTask(db(), o(), {
      taskId: id,
      leaseId,
      progress: 40,
      message: "half way",
      now: new Date(),
    });
    expect(renewed.progress).toBe(40);
    const completionId = uuid();
    const done = await completeTask(db(), o(), { taskId: id, leaseId, completionId, result: FACTS, now: new Date() });
    expect(done.deferred).toBe(false);
    expect(done.task).toMatchObject({ status: "succeeded", progress: 100, result: FACTS, error_code: null });
    expect(await taskEventTypes(fleet, id)).toEqual(["created", "lease", "start", "progress", "complete"]);
    // lease, start, progress, complete: four fleet events.
    const after = await counts(fleet);
    expect(after.events - before.events).toBe(4);

    // The same completion id replays the stored outcome and writes nothing.
    const replay = await completeTask(db(), o(), { taskId: id, leaseId, completionId, result: FACTS, now: new Date() });
    expect(replay.task.version).toBe(done.task.version);
    expect(await counts(fleet)).toEqual(after);
    // A different completion id on the finished task is lease_lost.
    await expect(
      completeTask(db(), o(), { taskId: id, leaseId, completionId: uuid(), result: FACTS, now: new Date() }),
    ).rejects.toMatchObject({ code: "conflict", reason: "lease_lost", current_state: "succeeded" });
    expect(await counts(fleet)).toEqual(after);
  });

  it("refuses a stale lease id with lease_lost and changes nothing", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const [leased] = await leaseOn(instanceId);
    const before = await counts(fleet);
    const row = await taskRow(fleet, id);
    const stale = uuid();
    for (const call of [
      () => startTask(db(), o(), { taskId: id, leaseId: stale, now: new Date() }),
      () => renewTask(db(), o(), { taskId: id, leaseId: stale, now: new Date() }),
      () =>
        completeTask(db(), o(), { taskId: id, leaseId: stale, completionId: uuid(), result: FACTS, now: new Date() }),
      () =>
        failTask(db(), o(), {
          taskId: id,
          leaseId: stale,
          completionId: uuid(),
          error_code: "boom",
          error_message: "x",
          retryable: true,
          now: new Date(),
        }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "conflict", reason: "lease_lost", current_state: "leased" });
    }
    expect(await counts(fleet)).toEqual(before);
    expect(await taskRow(fleet, id)).toEqual(row);
    expect(leased!.lease_id).not.toBe(stale);
    await expect(startTask(db(), o(), { taskId: uuid(), leaseId: stale, now: new Date() })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("validates the result against the command, naming the field, and keeps the task running", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const [leased] = await leaseOn(instanceId);
    await startTask(db(), o(), { taskId: id, leaseId: leased!.lease_id!, now: new Date() });
    await expect(
      completeTask(db(), o(), {
        taskId: id,
        leaseId: leased!.lease_id!,
        completionId: uuid(),
        result: { ...FACTS, hostname: 7, bonus: true },
        now: new Date(),
      }),
    ).rejects.toSatisfy((e: { code: string; errors: { path: string }[] }) => {
      const paths = e.errors.map((x) => x.path);
      return e.code === "invalid_input" && paths.includes("result.hostname") && paths.includes("result.bonus");
    });
    expect((await taskRow(fleet, id)).status).toBe("running");
  });

  it("refuses progress before start and out of range", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const [leased] = await leaseOn(instanceId);
    const leaseId = leased!.lease_id!;
    await expect(renewTask(db(), o(), { taskId: id, leaseId, progress: 10, now: new Date() })).rejects.toMatchObject({
      code: "invalid_input",
    });
    const renewed = await renewTask(db(), o(), { taskId: id, leaseId, now: plus(new Date(), 60) });
    expect(renewed.lease_expires_at!.getTime()).toBeGreaterThan(leased!.lease_expires_at!.getTime());
    await startTask(db(), o(), { taskId: id, leaseId, now: new Date() });
    await expect(renewTask(db(), o(), { taskId: id, leaseId, progress: 101, now: new Date() })).rejects.toMatchObject({
      code: "invalid_input",
    });
  });

  it("records a renewal that arrives after the lease ran out", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const now = new Date();
    const [leased] = await leaseOn(instanceId, now);
    await renewTask(db(), o(), { taskId: id, leaseId: leased!.lease_id!, now: plus(now, 125) });
    expect(await taskEventTypes(fleet, id)).toEqual(["created", "lease", "renewal_gap"]);
  });

  it("fails a renewal past timeout_seconds with conflict/timeout and ends the task", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const now = new Date();
    const [leased] = await leaseOn(instanceId, now);
    await startTask(db(), o(), { taskId: id, leaseId: leased!.lease_id!, now });
    await expect(
      renewTask(db(), o(), { taskId: id, leaseId: leased!.lease_id!, now: plus(now, 3601) }),
    ).rejects.toMatchObject({ code: "conflict", reason: "timeout" });
    expect(await taskRow(fleet, id)).toMatchObject({ status: "failed", error_code: "timeout" });
  });
});

describe("fail and retry", () => {
  it("re-queues a retryable failure with backoff until attempts run out", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    let now = new Date();
    const delays = [30, 60];
    for (const [i, delay] of delays.entries()) {
      const [leased] = await leaseOn(instanceId, now);
      expect(leased).toMatchObject({ id, attempt: i + 1 });
      const completionId = uuid();
      const failed = await failTask(db(), o(now), {
        taskId: id,
        leaseId: leased!.lease_id!,
        completionId,
        error_code: "apt_locked",
        error_message: "dpkg lock held",
        retryable: true,
        now,
      });
      expect(failed).toMatchObject({ status: "pending", lease_id: null, error_code: "apt_locked" });
      expect(failed.available_at.getTime()).toBe(now.getTime() + delay * 1000);
      // A repeat of the same report returns the stored outcome.
      const again = await failTask(db(), o(now), {
        taskId: id,
        leaseId: leased!.lease_id!,
        completionId,
        error_code: "apt_locked",
        error_message: "dpkg lock held",
        retryable: true,
        now,
      });
      expect(again.version).toBe(failed.version);
      expect(await leaseOn(instanceId, plus(now, delay - 1))).toEqual([]);
      now = plus(now, delay);
    }
    const [last] = await leaseOn(instanceId, now);
    expect(last!.attempt).toBe(3);
    const final = await failTask(db(), o(now), {
      taskId: id,
      leaseId: last!.lease_id!,
      completionId: uuid(),
      error_code: "apt_locked",
      error_message: "still locked",
      retryable: true,
      now,
    });
    expect(final).toMatchObject({ status: "failed", attempt: 3, error_code: "apt_locked" });
    expect(final.completed_at).toBeInstanceOf(Date);
    expect(await taskEventTypes(fleet, id)).toEqual(["created", "lease", "retry", "lease", "retry", "lease", "fail"]);
  });

  it("fails a non-retryable error at once, storing the message redacted and cut to 16 KB", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const [leased] = await leaseOn(instanceId);
    const message = `token npt_supersecretvalue123 and -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY----- ${"y".repeat(20_000)}`;
    const failed = await failTask(db(), o(), {
      taskId: id,
      leaseId: leased!.lease_id!,
      completionId: uuid(),
      error_code: "handler_crashed",
      error_message: message,
      retryable: false,
      now: new Date(),
    });
    expect(failed.status).toBe("failed");
    expect(Buffer.byteLength(failed.error_message!, "utf8")).toBeLessThanOrEqual(16 * 1024);
    expect(failed.error_message).not.toContain("supersecretvalue");
    expect(failed.error_message).not.toContain("MHcCAQEE");
    await expect(
      failTask(db(), o(), {
        taskId: id,
        leaseId: leased!.lease_id!,
        completionId: uuid(),
        error_code: "Not A Code",
        error_message: "x",
        retryable: false,
        now: new Date(),
      }),
    ).rejects.toMatchObject({ code: "conflict", reason: "lease_lost" });
  });
});

describe("cancellation seen by the holder", () => {
  it("answers task_cancelled after an abort and keeps a late result only as a task event", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId);
    const [leased] = await leaseOn(instanceId);
    const leaseId = leased!.lease_id!;
    await startTask(db(), o(), { taskId: id, leaseId, now: new Date() });
    const abort = await fleet.api("POST", `/api/v1/tasks/${id}/abort`, { body: { reason: "operator changed mind" } });
    expect(abort.status).toBe(200);
    await expect(renewTask(db(), o(), { taskId: id, leaseId, now: new Date() })).rejects.toMatchObject({
      reason: "task_cancelled",
    });
    const completionId = uuid();
    await expect(
      completeTask(db(), o(), { taskId: id, leaseId, completionId, result: FACTS, now: new Date() }),
    ).rejects.toMatchObject({ reason: "task_cancelled" });
    const row = await taskRow(fleet, id);
    expect(row).toMatchObject({ status: "cancelled", cancel_reason: "aborted", result: null });
    expect(await taskEventTypes(fleet, id)).toEqual(["created", "lease", "start", "abort", "late_report"]);
    // The agent retrying the same report does not add a second late event.
    await expect(
      completeTask(db(), o(), { taskId: id, leaseId, completionId, result: FACTS, now: new Date() }),
    ).rejects.toMatchObject({ reason: "task_cancelled" });
    expect((await taskEventTypes(fleet, id)).length).toBe(5);
  });

  it("cancels a subject's pending and leased tasks and leaves running ones", async () => {
    const { instanceId } = await insertInstance(fleet);
    const runningId = await newTask(instanceId, { priority: 10 });
    const [first] = await leaseOn(instanceId, new Date(), 1);
    await startTask(db(), o(), { taskId: runningId, leaseId: first!.lease_id!, now: new Date() });
    const leasedId = await newTask(instanceId, { priority: 5 });
    await leaseOn(instanceId, new Date(), 1);
    const pendingId = await newTask(instanceId);
    const cancelled = await cancelSubjectTasks(db(), o(), {
      subjectType: "node_instance",
      subjectId: instanceId,
      reason: "subject_terminated",
      now: new Date(),
    });
    expect(cancelled.map((t) => t.id).sort()).toEqual([leasedId, pendingId].sort());
    expect((await taskRow(fleet, runningId)).status).toBe("running");
    expect(await taskRow(fleet, pendingId)).toMatchObject({ status: "cancelled", cancel_reason: "subject_terminated" });
    expect(await taskEventTypes(fleet, leasedId)).toEqual(["created", "lease", "cancel"]);
  });
});

describe("exclusivity and filters", () => {
  it("leases nothing else on a subject while an exclusive task is held, and the converse", async () => {
    const { instanceId } = await insertInstance(fleet);
    const exclusive = await newTask(instanceId, { exclusive: true, priority: 10 });
    const shared = await newTask(instanceId);
    // One batch takes only the exclusive task, though the limit allows both.
    const batch = await leaseOn(instanceId, new Date(), 10);
    expect(batch.map((t) => t.id)).toEqual([exclusive]);
    expect(await leaseOn(instanceId)).toEqual([]);
    await startTask(db(), o(), { taskId: exclusive, leaseId: batch[0]!.lease_id!, now: new Date() });
    expect(await leaseOn(instanceId)).toEqual([]);
    await completeTask(db(), o(), {
      taskId: exclusive,
      leaseId: batch[0]!.lease_id!,
      completionId: uuid(),
      result: FACTS,
      now: new Date(),
    });
    const next = await leaseOn(instanceId);
    expect(next.map((t) => t.id)).toEqual([shared]);
    // Converse: the shared task is held, so a new exclusive one waits.
    const exclusive2 = await newTask(instanceId, { exclusive: true });
    const shared2 = await newTask(instanceId);
    expect((await leaseOn(instanceId)).map((t) => t.id)).toEqual([shared2]);
    expect((await taskRow(fleet, exclusive2)).status).toBe("pending");
  });

  it("honours the subject, command and executor filters and the queue order", async () => {
    const a = await insertInstance(fleet);
    const b = await insertInstance(fleet);
    const low = await newTask(a.instanceId, { priority: 1 });
    const high = await newTask(a.instanceId, { priority: 9 });
    const probe = await newTask(a.instanceId, { command: "probe.node_inspect", priority: 20 });
    const onB = await newTask(b.instanceId);
    const now = new Date();
    const cp = await leaseTasks(db(), o(now), {
      executor: "control_plane",
      holder: "w",
      limit: 10,
      subjects: [{ type: "node_instance", id: a.instanceId }],
      now,
    });
    expect(cp).toEqual([]);
    const leased = await leaseTasks(db(), o(now), {
      executor: "agent",
      holder: "agent-a",
      limit: 10,
      subjects: [{ type: "node_instance", id: a.instanceId }],
      commands: ["collect_facts"],
      now,
    });
    expect(leased.map((t) => t.id)).toEqual([high, low]);
    expect((await taskRow(fleet, probe)).status).toBe("pending");
    expect((await taskRow(fleet, onB)).status).toBe("pending");
    expect(await leaseTasks(db(), o(now), { executor: "agent", holder: "x", limit: 1, subjects: [], now })).toEqual([]);
    await expect(leaseTasks(db(), o(now), { executor: "agent", holder: "x", limit: 0, now })).rejects.toMatchObject({
      code: "invalid_input",
    });
  });

  it("fails a task whose stored payload no longer parses instead of handing it out", async () => {
    const { instanceId } = await insertInstance(fleet);
    const now = new Date();
    const payload = { reason: 42 };
    const [row] = await db()
      .insert(tasks)
      .values({
        account_id: fleet.runtime.accountId,
        subject_type: "node_instance",
        subject_id: instanceId,
        command: "reboot",
        payload,
        executor: "agent",
        payload_sha256: payloadSha256(payload),
        max_attempts: 1,
        expires_at: plus(now, 3600),
        initiated_by_type: "system",
        available_at: plus(now, -1),
      })
      .returning();
    expect(await leaseOn(instanceId, now)).toEqual([]);
    expect(await taskRow(fleet, row!.id)).toMatchObject({
      status: "failed",
      error_code: "invalid_payload",
      attempt: 1,
    });
    expect(await taskEventTypes(fleet, row!.id)).toEqual(["lease", "fail"]);
  });
});

describe("deferred completion and settlement", () => {
  it("keeps a reboot running after complete (202 deferred) until a heartbeat settles it", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId, { command: "reboot", payload: { reason: "kernel update" } });
    const now = new Date();
    const [leased] = await leaseOn(instanceId, now);
    const leaseId = leased!.lease_id!;
    await startTask(db(), o(), { taskId: id, leaseId, now });
    const completionId = uuid();
    const deferred = await completeTask(db(), o(), {
      taskId: id,
      leaseId,
      completionId,
      result: { previous_boot_id: "boot-1" },
      now,
    });
    expect(deferred.deferred).toBe(true);
    expect(deferred.task.status).toBe("running");
    // The lease is held to the timeout, so the reaper does not re-queue a node that is rebooting.
    expect(deferred.task.lease_expires_at!.getTime()).toBe(now.getTime() + 900_000);
    const replay = await completeTask(db(), o(), { taskId: id, leaseId, completionId, result: {}, now });
    expect(replay.deferred).toBe(true);
    await reapTasks(db(), o(), plus(now, 300), { accountId: fleet.runtime.accountId });
    expect((await taskRow(fleet, id)).status).toBe("running");
    const settled = await settleTask(db(), o(), {
      taskId: id,
      outcome: "succeeded",
      result: { boot_id: "boot-2" },
      now,
    });
    expect(settled).toMatchObject({ status: "succeeded", result: { previous_boot_id: "boot-1", boot_id: "boot-2" } });
    await expect(settleTask(db(), o(), { taskId: id, outcome: "succeeded", now })).rejects.toMatchObject({
      reason: "invalid_transition",
      current_state: "succeeded",
    });
  });

  it("settles a failure with an error code", async () => {
    const { instanceId } = await insertInstance(fleet);
    const id = await newTask(instanceId, { command: "reboot", payload: { reason: "x" } });
    const [leased] = await leaseOn(instanceId);
    await startTask(db(), o(), { taskId: id, leaseId: leased!.lease_id!, now: new Date() });
    await expect(settleTask(db(), o(), { taskId: id, outcome: "failed", now: new Date() })).rejects.toMatchObject({
      code: "invalid_input",
    });
    const failed = await settleTask(db(), o(), {
      taskId: id,
      outcome: "failed",
      error_code: "boot_failed",
      error_message: "no heartbeat after reboot",
      now: new Date(),
    });
    expect(failed).toMatchObject({ status: "failed", error_code: "boot_failed" });
  });
});

describe("reaper", () => {
  // A fleet of its own, so the exact counts see only this test's tasks; reaping is scoped to its account
  // because other test files share the PostgreSQL database.
  let main: TestFleet;
  beforeAll(async () => {
    main = fleet;
    fleet = await createTestFleet();
  });
  afterAll(async () => {
    await fleet.close();
    fleet = main;
  });
  const reap = (now: Date) => reapTasks(db(), o(), now, { accountId: fleet.runtime.accountId });

  it("re-queues or fails expired leases, times out long runs and expires stale pending tasks", async () => {
    const { instanceId } = await insertInstance(fleet);
    const retryable = await newTask(instanceId, { priority: 3 });
    const once = await newTask(instanceId, { command: "run_script", payload: { script_id: "s" }, priority: 2 });
    const other = await insertInstance(fleet);
    const long = await newTask(other.instanceId);
    const stale = await insertInstance(fleet);
    const waiting = await newTask(stale.instanceId, { command: "probe.node_inspect" });
    const now = new Date();
    const leased = await leaseOn(instanceId, now, 2);
    expect(leased.map((t) => t.id)).toEqual([retryable, once]);
    const [l] = await leaseOn(other.instanceId, now);
    await startTask(db(), o(), { taskId: long, leaseId: l!.lease_id!, now });

    // Within the 15 s grace nothing moves.
    const early = await reap(plus(now, 120 + 14));
    expect(early).toEqual({ lease_expired_requeued: 0, lease_expired_failed: 0, expired: 0, timed_out: 0 });

    // Renew the long task so only its timeout, not its lease, can end it.
    await renewTask(db(), o(), { taskId: long, leaseId: l!.lease_id!, now: plus(now, 3590) });
    const later = await reap(plus(now, 3605));
    expect(later).toEqual({ lease_expired_requeued: 1, lease_expired_failed: 1, expired: 0, timed_out: 1 });
    expect(await taskRow(fleet, retryable)).toMatchObject({
      status: "pending",
      lease_id: null,
      attempt: 1,
      error_code: "lease_expired",
    });
    expect(await taskRow(fleet, once)).toMatchObject({ status: "failed", error_code: "lease_expired" });
    expect(await taskRow(fleet, long)).toMatchObject({ status: "failed", error_code: "timeout" });
    expect(await taskEventTypes(fleet, retryable)).toEqual(["created", "lease", "lease_expired"]);
    expect(await taskEventTypes(fleet, once)).toEqual(["created", "lease", "lease_expired_final"]);
    // The dead holder's late report finds its lease gone.
    await expect(
      completeTask(db(), o(), {
        taskId: retryable,
        leaseId: leased[0]!.lease_id!,
        completionId: uuid(),
        result: FACTS,
        now,
      }),
    ).rejects.toMatchObject({ reason: "lease_lost" });

    const expired = await reap(plus(now, 48 * 3600 + 1));
    expect(expired).toEqual({ lease_expired_requeued: 0, lease_expired_failed: 0, expired: 2, timed_out: 0 });
    expect(await taskRow(fleet, waiting)).toMatchObject({ status: "expired" });
    expect(await taskRow(fleet, retryable)).toMatchObject({ status: "expired" });
    expect(await taskEventTypes(fleet, waiting)).toEqual(["created", "expire"]);
  });
});
