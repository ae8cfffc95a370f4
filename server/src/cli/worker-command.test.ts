// `nodepilot worker` as a real process: it runs jobs enqueued by another process on the same
// database (PGlite served over the wire front, or PostgreSQL; BullMQ with NODEPILOT_TEST_REDIS_URL),
// stops cleanly on SIGTERM, and refuses to start without DATABASE_URL.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { job_runs } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBullmqJobQueue } from "../jobs/bullmq-job-queue.ts";
import { JOBS } from "../jobs/catalog.ts";
import { waitFor } from "../jobs/job-queue.conformance.ts";
import { createPgJobQueue } from "../jobs/pg-job-queue.ts";
import { dropRedisPrefixes, quietLogger, testRedisUrl } from "../jobs/test-support.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

const BIN = fileURLToPath(new URL("../../bin/nodepilot.mjs", import.meta.url));
let fleet: TestFleet;
const children: ChildProcess[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await fleet?.close();
  const redisUrl = testRedisUrl();
  if (redisUrl) await dropRedisPrefixes(redisUrl, prefixes);
});

function worker(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("NODEPILOT_") && k !== "DATABASE_URL" && k !== "REDIS_URL",
    ),
  );
  const child = spawn(process.execPath, [BIN, "worker", ...args], {
    env: { ...base, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => {
    out.stdout += d;
  });
  child.stderr!.on("data", (d) => {
    out.stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out, exit };
}

describe("nodepilot worker", () => {
  it("runs jobs another process enqueues, then stops on SIGTERM", async () => {
    const namespace = `cli-${randomUUID().slice(0, 8)}`;
    prefixes.push(namespace);
    const redisUrl = testRedisUrl();
    const w = worker(["--no-schedules", "--concurrency", "2"], {
      DATABASE_URL: fleet.runtime.database.url,
      NODEPILOT_MASTER_KEY: randomBytes(32).toString("base64"),
      NODEPILOT_JOB_QUEUE: namespace,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    });
    await waitFor(`the worker to start (${w.out.stderr})`, () => {
      if (w.child.exitCode !== null) throw new Error(`worker exited ${w.child.exitCode}: ${w.out.stderr}`);
      return /nodepilot worker running \((postgres|bullmq), queue (\S+)\)/.exec(w.out.stdout) ?? undefined;
    });
    expect(w.out.stdout).toContain(`(${redisUrl ? "bullmq" : "postgres"}, queue ${namespace})`);

    const common = { db: fleet.runtime.database.db, catalog: JOBS, logger: quietLogger, queue: namespace };
    const producer = redisUrl ? await openBullmqJobQueue({ ...common, redisUrl }) : createPgJobQueue(common);
    try {
      const { id } = await producer.enqueue("task_reaper", { account_id: fleet.runtime.accountId });
      const run = await waitFor("the worker's run", async () => {
        const [r] = await fleet.runtime.database.db
          .select()
          .from(job_runs)
          .where(and(eq(job_runs.queue, namespace), eq(job_runs.job_id, id), eq(job_runs.status, "succeeded")));
        return r;
      });
      // Run by the child process, not by anything in this one.
      expect(run.worker).toContain(`:${w.child.pid}:`);
      expect(run.stats).toEqual({ lease_expired_requeued: 0, lease_expired_failed: 0, expired: 0, timed_out: 0 });
    } finally {
      await producer.close();
    }
    w.child.kill("SIGTERM");
    expect(await w.exit).toBe(0);
  });

  it("refuses to start without DATABASE_URL", async () => {
    const w = worker([], {});
    expect(await w.exit).toBe(1);
    expect(w.out.stderr).toMatch(/nodepilot worker needs DATABASE_URL/);
  });

  it("refuses to start without the master key its ticks act with", async () => {
    const w = worker([], { DATABASE_URL: fleet.runtime.database.url });
    expect(await w.exit).toBe(1);
    expect(w.out.stderr).toMatch(/nodepilot worker needs NODEPILOT_MASTER_KEY/);
  });
});
