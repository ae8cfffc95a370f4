// The conformance suite every JobQueue implementation passes (DESIGN.md §3.9): run, parse on both
// ends, retry with backoff, timeout, dedup and delay, the run lock, failure streaks, and schedules
// that fire once per occurrence however many runners declared them. Called by the backends' tests.
import { randomBytes } from "node:crypto";
import { fleet_events, job_runs } from "@nodepilot/store";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { defineJob, type JobCatalog, type JobContext } from "./define-job.ts";
import type { JobQueue } from "./job-queue.ts";

export interface QueueFactory {
  /**
   * A queue over `catalog` in `namespace`: two queues opened on one namespace share their jobs, as
   * two processes of one deployment do. Failure streaks go to `accountId`.
   */
  open<C extends JobCatalog>(
    db: TestFleet["runtime"]["database"]["db"],
    catalog: C,
    namespace: string,
    accountId: string,
  ): Promise<JobQueue<C>>;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Call {
  payload: unknown;
  attempt: number;
  jobId: string;
  scheduledFor: Date | undefined;
  at: number;
}

export function jobQueueConformance(label: string, factory: QueueFactory): void {
  describe(`JobQueue conformance: ${label}`, () => {
    let fleet: TestFleet;
    let open: JobQueue<JobCatalog>[] = [];
    const db = () => fleet.runtime.database.db;
    // Job names and namespaces of their own: job_runs is shared by every test on one database.
    const unique = () => `t${randomBytes(5).toString("hex")}`;
    const queueOf = async <C extends JobCatalog>(catalog: C, namespace: string) => {
      const q = await factory.open(db(), catalog, namespace, fleet.runtime.accountId);
      open.push(q as unknown as JobQueue<JobCatalog>);
      return q;
    };
    const recorder = () => {
      const calls: Call[] = [];
      const record = (payload: unknown, ctx: JobContext) => {
        calls.push({ payload, attempt: ctx.attempt, jobId: ctx.jobId, scheduledFor: ctx.scheduledFor, at: Date.now() });
      };
      return { calls, record };
    };
    const runsOf = (jobId: string) =>
      db().select().from(job_runs).where(eq(job_runs.job_id, jobId)).orderBy(asc(job_runs.started_at));
    const settled = (q: JobQueue<JobCatalog>, id: string, state: "completed" | "failed") =>
      waitFor(`job ${id} ${state}`, async () => ((await q.inspect(id))?.state === state ? true : undefined));

    beforeAll(async () => {
      fleet = await createTestFleet({ startRunners: false });
    });
    afterEach(async () => {
      await Promise.all(open.map((q) => q.close()));
      open = [];
    });
    afterAll(async () => {
      await fleet?.close();
    });

    it("runs an enqueued job with its payload parsed (defaults applied) and records the run", async () => {
      const echo = defineJob({
        name: `${unique()}.echo`,
        description: "records its payload",
        payload: z.object({ n: z.number().int(), tag: z.string().default("none") }).strict(),
        timeoutMs: 5000,
        attempts: 1,
        backoff: { type: "fixed", delayMs: 10 },
      });
      const q = await queueOf([echo] as const, unique());
      const { calls, record } = recorder();
      q.work({
        [echo.name]: async (p, ctx) => {
          record(p, ctx);
          return { seen: 1 };
        },
      });
      const { id } = await q.enqueue(echo.name, { n: 7 });
      await settled(q, id, "completed");
      expect(calls).toEqual([expect.objectContaining({ payload: { n: 7, tag: "none" }, attempt: 1, jobId: id })]);
      expect(calls[0]!.scheduledFor).toBeUndefined();
      const runs = await runsOf(id);
      expect(runs).toMatchObject([
        { job: echo.name, attempt: 1, status: "succeeded", stats: { seen: 1 }, error: null },
      ]);
      expect(runs[0]!.finished_at).toBeInstanceOf(Date);
    });

    it("refuses a payload that does not parse on enqueue, naming the field", async () => {
      const job = defineJob({
        name: `${unique()}.strict`,
        description: "x",
        payload: z.object({ n: z.number().int() }).strict(),
        timeoutMs: 5000,
        attempts: 1,
        backoff: { type: "fixed", delayMs: 10 },
      });
      const q = await queueOf([job] as const, unique());
      await expect(q.enqueue(job.name, { n: "seven" } as never)).rejects.toMatchObject({
        code: "invalid_input",
        errors: [{ path: "n" }],
      });
      await expect(q.enqueue(job.name, { n: 1, extra: true } as never)).rejects.toMatchObject({
        code: "invalid_input",
        errors: [{ path: "extra", message: 'unknown field "extra"' }],
      });
      await expect(q.enqueue("no.such_job" as never, {} as never)).rejects.toMatchObject({
        code: "invalid_input",
        reason: "unknown_job",
      });
      await expect(q.schedule("s", job.name, { n: 1.5 }, { everyMs: 1000 })).rejects.toMatchObject({
        code: "invalid_input",
        errors: [{ path: "n" }],
      });
    });

    it("fails a job at once, without retries, when its payload no longer parses on dequeue", async () => {
      // A producer on an older catalog: same job name, a payload the worker's schema refuses.
      const name = `${unique()}.drift`;
      const base = {
        name,
        description: "x",
        timeoutMs: 5000,
        attempts: 3,
        backoff: { type: "fixed" as const, delayMs: 10 },
      };
      const v1 = defineJob({ ...base, payload: z.object({ n: z.number() }) });
      const v2 = defineJob({ ...base, payload: z.object({ n: z.string() }) });
      const ns = unique();
      const producer = await queueOf([v1] as const, ns);
      const worker = await queueOf([v2] as const, ns);
      let called = 0;
      worker.work({ [name]: async () => void called++ });
      const { id } = await producer.enqueue(name, { n: 1 });
      await settled(worker, id, "failed");
      expect(called).toBe(0);
      const runs = await runsOf(id);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "failed", attempt: 1 });
      expect(runs[0]!.error).toMatch(/^payload no longer matches .*: n: /);
    });

    it("retries with exponential backoff until attempts are used up, then reports the streak once", async () => {
      const job = defineJob({
        name: `${unique()}.flaky`,
        description: "always fails",
        payload: z.object({}),
        timeoutMs: 5000,
        attempts: 3,
        backoff: { type: "exponential", delayMs: 150 },
      });
      const q = await queueOf([job] as const, unique());
      const { calls, record } = recorder();
      q.work({
        [job.name]: async (p, ctx) => {
          record(p, ctx);
          throw new Error(`boom ${ctx.attempt}`);
        },
      });
      const { id } = await q.enqueue(job.name, {});
      await settled(q, id, "failed");
      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      // 150 ms then 300 ms (a few ms of slack for timer and clock granularity).
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(145);
      expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(295);
      expect((await q.inspect(id))!).toMatchObject({ state: "failed", attempts: 3, error: "boom 3" });
      const runs = await runsOf(id);
      expect(runs.map((r) => [r.attempt, r.status, r.error])).toEqual([
        [1, "failed", "boom 1"],
        [2, "failed", "boom 2"],
        [3, "failed", "boom 3"],
      ]);
      const events = await db()
        .select()
        .from(fleet_events)
        .where(and(eq(fleet_events.account_id, fleet.runtime.accountId), eq(fleet_events.kind, "job.failing")));
      const mine = events.filter((e) => e.payload.job === job.name);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        severity: "high",
        source: "job",
        payload: { job: job.name, consecutive_failures: 3, error: "boom 3" },
      });
    });

    it("completes on a retry after a failed attempt", async () => {
      const job = defineJob({
        name: `${unique()}.second_time`,
        description: "fails once",
        payload: z.object({}),
        timeoutMs: 5000,
        attempts: 2,
        backoff: { type: "fixed", delayMs: 20 },
      });
      const q = await queueOf([job] as const, unique());
      q.work({
        [job.name]: async (_p, ctx) => {
          if (ctx.attempt === 1) throw new Error("transient");
          return { ok: true };
        },
      });
      const { id } = await q.enqueue(job.name, {});
      await settled(q, id, "completed");
      expect((await runsOf(id)).map((r) => r.status)).toEqual(["failed", "succeeded"]);
    });

    it("times out a run that takes too long, aborting its signal", async () => {
      const job = defineJob({
        name: `${unique()}.slow`,
        description: "never finishes by itself",
        payload: z.object({}),
        timeoutMs: 200,
        attempts: 1,
        backoff: { type: "fixed", delayMs: 10 },
      });
      const q = await queueOf([job] as const, unique());
      let reason: unknown;
      q.work({
        [job.name]: (_p, ctx) =>
          new Promise((resolve) =>
            ctx.signal.addEventListener("abort", () => {
              reason = ctx.signal.reason;
              // Keeps going a little after the abort, as real work winding down would.
              setTimeout(() => resolve(undefined), 50);
            }),
          ),
      });
      const { id } = await q.enqueue(job.name, {});
      await settled(q, id, "failed");
      expect(reason).toMatchObject({ name: "JobTimeoutError", timeoutMs: 200 });
      expect(await runsOf(id)).toMatchObject([{ status: "failed", error: "ran longer than its timeout of 200 ms" }]);
    });

    it("deduplicates by key while the job waits, delays it, and frees the key once it finished", async () => {
      const job = defineJob({
        name: `${unique()}.dedup`,
        description: "x",
        payload: z.object({ v: z.number() }),
        timeoutMs: 5000,
        attempts: 1,
        backoff: { type: "fixed", delayMs: 10 },
      });
      const q = await queueOf([job] as const, unique());
      const { calls, record } = recorder();
      const t0 = Date.now();
      const first = await q.enqueue(job.name, { v: 1 }, { dedupKey: "k", delayMs: 400 });
      const again = await q.enqueue(job.name, { v: 2 }, { dedupKey: "k", delayMs: 400 });
      expect(again.id).toBe(first.id);
      expect((await q.inspect(first.id))!.state).toBe("waiting");
      // No worker until now, so nothing can have taken the job before the checks above.
      q.work({ [job.name]: async (p, ctx) => void record(p, ctx) });
      await settled(q, first.id, "completed");
      expect(calls.map((c) => c.payload)).toEqual([{ v: 1 }]);
      expect(calls[0]!.at - t0).toBeGreaterThanOrEqual(395);
      const later = await q.enqueue(job.name, { v: 3 }, { dedupKey: "k" });
      expect(later.id).not.toBe(first.id);
      await settled(q, later.id, "completed");
      expect(calls.map((c) => c.payload)).toEqual([{ v: 1 }, { v: 3 }]);
    });

    it("records a run as skipped while another run holds the job's lock", async () => {
      const job = defineJob({
        name: `${unique()}.locked`,
        description: "x",
        payload: z.object({ n: z.number() }),
        timeoutMs: 10_000,
        attempts: 1,
        backoff: { type: "fixed", delayMs: 10 },
        lock: { ttlMs: 60_000 },
      });
      const q = await queueOf([job] as const, unique());
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const started: number[] = [];
      q.work(
        {
          [job.name]: async (p) => {
            started.push(p.n);
            if (p.n === 1) await gate;
          },
        },
        { concurrency: 2 },
      );
      const a = await q.enqueue(job.name, { n: 1 });
      await waitFor("the first run to start", () => started.includes(1) || undefined);
      const b = await q.enqueue(job.name, { n: 2 });
      await settled(q, b.id, "completed");
      expect(started).toEqual([1]);
      expect(await runsOf(b.id)).toMatchObject([{ status: "skipped", error: "lock held" }]);
      release();
      await settled(q, a.id, "completed");
      expect(await runsOf(a.id)).toMatchObject([{ status: "succeeded" }]);
      // Released at the end of the run: the next one takes the lock.
      const c = await q.enqueue(job.name, { n: 3 });
      await settled(q, c.id, "completed");
      expect(started).toEqual([1, 3]);
    });

    it("fires a repeatable schedule once per occurrence, however many runners declared it", async () => {
      const job = defineJob({
        name: `${unique()}.tick`,
        description: "x",
        payload: z.object({ k: z.string() }),
        timeoutMs: 5000,
        attempts: 1,
        backoff: { type: "fixed", delayMs: 10 },
      });
      const ns = unique();
      const runners = [await queueOf([job] as const, ns), await queueOf([job] as const, ns)];
      const { calls, record } = recorder();
      for (const r of runners) {
        await r.schedule("every-300", job.name, { k: "x" }, { everyMs: 300 });
        r.work({ [job.name]: async (p, ctx) => void record(p, ctx) });
      }
      await waitFor("five occurrences", () => calls.length >= 5 || undefined);
      await Promise.all(runners.map((r) => r.close()));
      open = [];
      const due = calls.map((c) => c.scheduledFor!.getTime());
      expect(new Set(due).size).toBe(due.length);
      expect(calls.every((c) => (c.payload as { k: string }).k === "x")).toBe(true);
      const sorted = [...due].sort((x, y) => x - y);
      // Occurrences stand 300 ms apart on the schedule (missed ones coalesce, so gaps are multiples).
      for (let i = 1; i < sorted.length; i++) expect((sorted[i]! - sorted[0]!) % 300).toBe(0);
    });
  });
}
