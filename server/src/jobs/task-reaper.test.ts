// The scheduled reaper in a real runtime: a process dies holding a task's lease, the platform starts
// again, and the task_reaper schedule (first occurrence at start, then every 60 s) puts the task
// back in the queue — on the Postgres runner, and on BullMQ when NODEPILOT_TEST_REDIS_URL is set.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_SCOPES, issueToken, leaseTasks, systemPrincipal } from "@nodepilot/core";
import { job_runs, tasks } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { insertInstance } from "../rest/task-fixtures.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { createTestFleet, type TestFleet, testDatabaseUrl } from "../testing/harness.ts";
import { waitFor } from "./job-queue.conformance.ts";
import { dropRedisPrefixes, quietLogger, testRedisUrl } from "./test-support.ts";

// The harness's key, so platform-wide rows on a shared PostgreSQL stay readable.
const MASTER_KEY = createHash("sha256").update("nodepilot test master key").digest();
const dirs: string[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  const redisUrl = testRedisUrl();
  if (redisUrl) await dropRedisPrefixes(redisUrl, prefixes);
});

const backends = [{ redisUrl: undefined }, ...(testRedisUrl() ? [{ redisUrl: testRedisUrl() }] : [])];

describe.each(backends)("task_reaper in a runtime (redis: $redisUrl)", ({ redisUrl }) => {
  // Two runtime starts on a file-backed PGlite: slow when the machine is busy, hence the limit.
  it("returns a task whose holder died to the queue when the platform starts again", { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-reaper-"));
    dirs.push(dataDir);
    const url = testDatabaseUrl();
    const config = loadConfig({
      NODEPILOT_DATA_DIR: dataDir,
      NODEPILOT_ACCOUNT: `reaper-${randomUUID()}`,
      ...(url ? { DATABASE_URL: url } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    });
    const base = { config, logger: quietLogger, masterKey: MASTER_KEY, writeAdminToken: false, startRunners: false };

    // First life: a task is leased, then its holder goes quiet (the lease ran out a minute ago).
    const first = await createRuntime({ ...base, jobs: false });
    let taskId: string;
    try {
      const { instanceId } = await insertInstance({ runtime: first } as unknown as TestFleet);
      const { plaintext } = await issueToken(first.database.db, {
        accountId: first.accountId,
        userId: first.ownerUserId,
        name: "reaper test",
        scopes: [...ALL_SCOPES],
        expiresAt: new Date(Date.now() + 3600_000),
      });
      const res = await first.app.request("/api/v1/tasks", {
        method: "POST",
        headers: { authorization: `Bearer ${plaintext}`, "content-type": "application/json" },
        body: JSON.stringify({ subject_type: "node_instance", subject_id: instanceId, command: "collect_facts" }),
      });
      expect(res.status).toBe(202);
      taskId = ((await res.json()) as { data: { task: { id: string } } }).data.task.id;
      const now = new Date();
      const [leased] = await leaseTasks(
        first.database.db,
        { principal: systemPrincipal(first.accountId, []), source: "agent", correlationId: null, now },
        {
          executor: "agent",
          holder: "agent-that-died",
          limit: 1,
          subjects: [{ type: "node_instance", id: instanceId }],
          now,
        },
      );
      expect(leased).toMatchObject({ id: taskId, status: "leased" });
      await first.database.db.execute(
        sql`UPDATE tasks SET lease_expires_at = now() - interval '1 minute' WHERE id = ${taskId}::uuid`,
      );
    } finally {
      await first.stop();
    }

    // Second life, with the job system as `npm start` runs it (narrowed to this account).
    const queue = `reaper-${randomUUID()}`;
    prefixes.push(queue);
    let second: Runtime | undefined;
    try {
      second = await createRuntime({ ...base, jobs: { accountOnly: true, queue } });
      expect(second.jobs?.queue.backend).toBe(redisUrl ? "bullmq" : "postgres");
      const db = second.database.db;
      const task = await waitFor("the task to be re-queued", async () => {
        const [t] = await db.select().from(tasks).where(eq(tasks.id, taskId));
        return t?.status === "pending" ? t : undefined;
      });
      expect(task).toMatchObject({ lease_id: null, lease_holder: null, error_code: "lease_expired", attempt: 1 });
      const run = await waitFor("the reaper's run to be recorded", async () => {
        const [r] = await db
          .select()
          .from(job_runs)
          .where(and(eq(job_runs.queue, queue), eq(job_runs.job, "task_reaper"), eq(job_runs.status, "succeeded")));
        return r;
      });
      expect(run.stats).toMatchObject({ lease_expired_requeued: 1, lease_expired_failed: 0 });
    } finally {
      await second?.stop();
    }
  });
});

describe("task_reaper in test fleets", () => {
  it("starts the job system only when a fleet asks for it, and its workers take operator runs", async () => {
    const plain = await createTestFleet({ startRunners: false });
    const withJobs = await createTestFleet({ startRunners: false, startJobs: true });
    try {
      expect(plain.runtime.jobs).toBeUndefined();
      const { instanceId } = await insertInstance(withJobs);
      const created = await withJobs.api("POST", "/api/v1/tasks", {
        body: { subject_type: "node_instance", subject_id: instanceId, command: "collect_facts" },
      });
      const taskId = created.body.data.task.id as string;
      const now = new Date();
      await leaseTasks(
        withJobs.runtime.database.db,
        { principal: systemPrincipal(withJobs.runtime.accountId, []), source: "agent", correlationId: null, now },
        { executor: "agent", holder: "gone", limit: 1, subjects: [{ type: "node_instance", id: instanceId }], now },
      );
      await withJobs.runtime.database.db.execute(
        sql`UPDATE tasks SET lease_expires_at = now() - interval '1 minute' WHERE id = ${taskId}::uuid`,
      );
      // An operator's run between two occurrences, through the runtime's own queue and workers.
      const { id } = await withJobs.runtime.jobs!.queue.enqueue("task_reaper", {
        account_id: withJobs.runtime.accountId,
      });
      await waitFor("the reap to complete", async () =>
        (await withJobs.runtime.jobs!.queue.inspect(id))?.state === "completed" ? true : undefined,
      );
      const [task] = await withJobs.runtime.database.db.select().from(tasks).where(eq(tasks.id, taskId));
      expect(task).toMatchObject({ status: "pending", error_code: "lease_expired" });
    } finally {
      await Promise.all([plain.close(), withJobs.close()]);
    }
  });
});
