// compliance.daily_snapshot through a real queue with the real catalog: one daily snapshot per
// account, a failing account reported and isolated, a re-run occurrence skipping accounts already
// done, retention past 2555 days with its anchor, and the 04:45 UTC schedule.
import { randomUUID } from "node:crypto";
import {
  createComplianceSnapshot,
  type EventOrigin,
  ensureDeliveryKey,
  systemPrincipal,
  verifyChain,
} from "@nodepilot/core";
import {
  accounts,
  compliance_chain_anchors,
  compliance_snapshots,
  fleet_events,
  job_runs,
  job_schedules,
} from "@nodepilot/store";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import {
  autonomyExecuteApprovalsHandler,
  autonomyTickHandler,
  autonomyTickScheduleHandler,
  createAutonomyRunner,
} from "./autonomy-tick.ts";
import { JOBS } from "./catalog.ts";
import { complianceSnapshotHandler } from "./compliance-snapshot.ts";
import type { JobContext } from "./define-job.ts";
import { eventRetentionHandler } from "./event-retention.ts";
import { waitFor } from "./job-queue.conformance.ts";
import type { JobServices } from "./job-services.ts";
import { startJobSystem } from "./job-system.ts";
import { learningsEmbedHandler } from "./learnings-embed.ts";
import { createPgJobQueue } from "./pg-job-queue.ts";
import { taskReaperHandler } from "./task-reaper.ts";
import { quietLogger } from "./test-support.ts";

let fleet: TestFleet;
const db = () => fleet.runtime.database.db;
const DAY = 86_400_000;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
});
afterAll(async () => {
  await fleet?.close();
});

async function bareAccount(): Promise<string> {
  const name = `compliance-job-${randomUUID()}`;
  const [a] = await db().insert(accounts).values({ name, slug: name }).returning({ id: accounts.id });
  return a!.id;
}

const snapshotsOf = (accountId: string) =>
  db()
    .select()
    .from(compliance_snapshots)
    .where(eq(compliance_snapshots.account_id, accountId))
    .orderBy(asc(compliance_snapshots.sequence));

const context = (scheduledFor?: Date): JobContext => ({
  jobId: randomUUID(),
  attempt: 1,
  signal: new AbortController().signal,
  scheduledFor,
  logger: quietLogger,
});

/** Runs the job once through a Postgres queue of its own and returns the run's stats. */
async function runQueued(services: JobServices, payload: { account_ids: string[] }) {
  const queue = createPgJobQueue({
    db: db(),
    catalog: JOBS,
    logger: quietLogger,
    queue: `compliance-${randomUUID()}`,
    pollMs: 25,
  });
  const runner = createAutonomyRunner(services);
  try {
    queue.work({
      task_reaper: taskReaperHandler(services),
      fleet_event_retention: eventRetentionHandler(services),
      "autonomy.tick": autonomyTickHandler(runner),
      "autonomy.execute_approvals": autonomyExecuteApprovalsHandler(runner),
      "learnings.embed": learningsEmbedHandler(services, undefined),
      "autonomy.tick_schedule": autonomyTickScheduleHandler(services, async () => {}),
      "compliance.daily_snapshot": complianceSnapshotHandler(services),
    });
    const { id } = await queue.enqueue("compliance.daily_snapshot", payload);
    const state = await waitFor("the compliance run", async () => {
      const s = await queue.inspect(id);
      return s?.state === "completed" || s?.state === "failed" ? s : undefined;
    });
    expect(state.state).toBe("completed");
    const [run] = await db().select().from(job_runs).where(eq(job_runs.job_id, id));
    return run!.stats as Record<string, unknown>;
  } finally {
    await queue.close();
  }
}

describe("compliance.daily_snapshot", () => {
  it("writes one daily snapshot per account and isolates an account that fails", async () => {
    const a = fleet.runtime.accountId;
    const b = await bareAccount();
    const c = await bareAccount();
    // c has a delivery key, and this worker was not given the master key to open it.
    await ensureDeliveryKey(db(), fleet.runtime.services.secrets, c, new Date());
    const { secrets: _s, ...withoutKey } = fleet.runtime.services;
    const before = new Date();

    const stats = await runQueued(withoutKey, { account_ids: [a, b, c] });
    expect(stats).toMatchObject({ accounts: 3, snapshots_written: 2, snapshots_skipped: 0, accounts_failed: 1 });
    expect(stats.errors).toEqual([{ account_id: c, error: expect.stringContaining("NODEPILOT_MASTER_KEY") }]);
    for (const id of [a, b]) {
      const rows = await snapshotsOf(id);
      expect(rows.map((r) => [r.sequence, r.kind, r.generated_by])).toEqual([
        [1, "daily", "job:compliance.daily_snapshot"],
      ]);
      expect(await verifyChain(db(), id)).toEqual({ valid: true, checked: 1 });
    }
    expect(await snapshotsOf(c)).toHaveLength(0);
    const [failed] = await db()
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.account_id, c), eq(fleet_events.kind, "compliance.snapshot_failed")));
    expect(failed).toMatchObject({ severity: "high", source: "compliance" });

    // The occurrence again (a retry), now with the master key: a and b are done, c is written and signed.
    const again = await complianceSnapshotHandler(fleet.runtime.services)({ account_ids: [a, b, c] }, context(before));
    expect(again).toMatchObject({ snapshots_written: 1, snapshots_skipped: 2, accounts_failed: 0, errors: [] });
    const [signed] = await snapshotsOf(c);
    expect(signed!.signature).not.toBeNull();
    expect(await snapshotsOf(a)).toHaveLength(1);

    // Erasing an account takes its archive with it (the trigger lets the cascade through).
    await db().delete(accounts).where(eq(accounts.id, b));
    expect(await snapshotsOf(b)).toHaveLength(0);
  });

  it("prunes snapshots past 2555 days before writing, leaving an anchor the chain verifies from", async () => {
    const d = await bareAccount();
    const origin = (now: Date): EventOrigin => ({
      principal: systemPrincipal(d, []),
      source: "compliance",
      correlationId: null,
      now,
    });
    const deps = { database: fleet.runtime.database, secrets: fleet.runtime.services.secrets, buildSha: "abc1234" };
    for (const ageDays of [2600, 2590, 10]) {
      await createComplianceSnapshot(deps, origin(new Date(Date.now() - ageDays * DAY)), {
        kind: "daily",
        generatedBy: "test",
      });
    }
    const [, second] = await snapshotsOf(d);

    const stats = await complianceSnapshotHandler(fleet.runtime.services)({ account_id: d }, context());
    expect(stats).toMatchObject({ snapshots_written: 1, snapshots_pruned: 2, accounts_failed: 0 });
    const rows = await snapshotsOf(d);
    expect(rows.map((r) => r.sequence)).toEqual([3, 4]);
    const [anchor] = await db()
      .select()
      .from(compliance_chain_anchors)
      .where(eq(compliance_chain_anchors.account_id, d));
    expect(anchor).toMatchObject({ sequence: 3, prev_hash: second!.document_hash, pruned_count: 2 });
    expect(await verifyChain(db(), d)).toEqual({ valid: true, checked: 2 });
    await expect(
      db().execute(
        sql`UPDATE compliance_chain_anchors SET prev_hash = ${"0".repeat(64)} WHERE id = ${anchor!.id}::uuid`,
      ),
    ).rejects.toMatchObject({ cause: { message: expect.stringContaining("append-only") } });
  });

  it("keeps an account's newest snapshot even when all are past retention", async () => {
    const e = await bareAccount();
    const deps = { database: fleet.runtime.database, secrets: fleet.runtime.services.secrets, buildSha: undefined };
    for (const ageDays of [2700, 2600]) {
      const now = new Date(Date.now() - ageDays * DAY);
      await createComplianceSnapshot(
        deps,
        { principal: systemPrincipal(e, []), source: "compliance", correlationId: null, now },
        { kind: "daily", generatedBy: "test" },
      );
    }
    const { secrets: _s, ...services } = fleet.runtime.services;
    const stats = await complianceSnapshotHandler(services)({ account_id: e }, context());
    expect(stats).toMatchObject({ snapshots_pruned: 1, snapshots_written: 1 });
    expect((await snapshotsOf(e)).map((r) => r.sequence)).toEqual([2, 3]);
    expect(await verifyChain(db(), e)).toEqual({ valid: true, checked: 2 });
  });

  it("is scheduled daily at 04:45 UTC", async () => {
    const queue = `compliance-schedule-${randomUUID()}`;
    const jobs = await startJobSystem({
      services: fleet.runtime.services,
      queue,
      accountId: fleet.runtime.accountId,
      pollMs: 50,
    });
    try {
      const [row] = await db()
        .select()
        .from(job_schedules)
        .where(
          and(
            eq(job_schedules.queue, queue),
            eq(job_schedules.key, `compliance.daily_snapshot:${fleet.runtime.accountId}`),
          ),
        );
      expect(row).toMatchObject({ name: "compliance.daily_snapshot", cron: "45 4 * * *", tz: "UTC" });
      expect(row!.payload).toEqual({ account_id: fleet.runtime.accountId });
      const next = row!.next_run_at;
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([4, 45]);
    } finally {
      await jobs.close();
    }
  });
});
