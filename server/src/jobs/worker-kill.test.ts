// A worker killed mid-job loses nothing: a real child process takes a job and blocks, is SIGKILLed,
// and another worker retries the job to completion exactly once — on the Postgres runner (PGlite
// served to the child over the wire front, or the machine's PostgreSQL) and on BullMQ with Redis.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { job_runs } from "@nodepilot/store";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import type { JobContext } from "./define-job.ts";
import { waitFor } from "./job-queue.conformance.ts";
import { dropRedisPrefixes, quietLogger, testRedisUrl } from "./test-support.ts";
import { blockingJob, KILL_FIXTURE, openKillQueue } from "./worker-kill-fixture.ts";

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

function startFixture(env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("NODEPILOT_") && k !== "DATABASE_URL" && k !== "REDIS_URL",
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", KILL_FIXTURE], {
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const line = (re: RegExp) =>
    waitFor(`${re} from the fixture worker (stderr: ${err})`, () => {
      if (child.exitCode !== null) throw new Error(`fixture exited ${child.exitCode}: ${err}`);
      return re.exec(out) ?? undefined;
    });
  return { child, exited, line };
}

const backends = [
  { backend: "postgres" as const, redisUrl: undefined },
  ...(testRedisUrl() ? [{ backend: "bullmq" as const, redisUrl: testRedisUrl() }] : []),
];

describe.each(backends)("a worker killed mid-job ($backend)", ({ backend, redisUrl }) => {
  it("retries the job on another worker, which completes it exactly once", async () => {
    const db = fleet.runtime.database.db;
    const namespace = `kill-${randomBytes(5).toString("hex")}`;
    prefixes.push(namespace);
    const fixture = startFixture({
      DATABASE_URL: fleet.runtime.database.url,
      JOB_NAMESPACE: namespace,
      JOB_BACKEND: backend,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    });
    await fixture.line(/^ready$/m);

    const producer = await openKillQueue({ backend, db, namespace, logger: quietLogger, redisUrl });
    const { id } = await producer.enqueue(blockingJob.name, { marker: namespace });
    const started = await fixture.line(/^started (\S+) (\d+)$/m);
    expect(started.slice(1)).toEqual([id, "1"]);

    fixture.child.kill("SIGKILL");
    await fixture.exited;

    const calls: { payload: unknown; ctx: JobContext }[] = [];
    const survivor = await openKillQueue({ backend, db, namespace, logger: quietLogger, redisUrl });
    survivor.work({
      [blockingJob.name]: async (payload, ctx) => {
        calls.push({ payload, ctx });
        return { retried: true };
      },
    });
    try {
      await waitFor("the retried job to complete", async () =>
        (await survivor.inspect(id))?.state === "completed" ? true : undefined,
      );
      expect(calls).toHaveLength(1);
      expect(calls[0]!.payload).toEqual({ marker: namespace });
      expect(calls[0]!.ctx).toMatchObject({ jobId: id, attempt: 2 });
      const runs = await db
        .select()
        .from(job_runs)
        .where(and(eq(job_runs.queue, namespace), eq(job_runs.job_id, id)))
        .orderBy(asc(job_runs.started_at));
      expect(runs.map((r) => [r.attempt, r.status])).toEqual([
        [1, "failed"],
        [2, "succeeded"],
      ]);
      expect(runs[0]!.error).toMatch(/stalled/);
      expect(runs[0]!.worker).not.toBe(runs[1]!.worker);
    } finally {
      await survivor.close();
      await producer.close();
    }
  });
});
