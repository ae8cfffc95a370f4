// Lease protocol under contention (PostgreSQL only): 10,000 tasks in eight accounts, 16 concurrent leasing
// clients on the pool's connections (leasing across accounts, as a control-plane worker does), holders that
// complete or fail (retryable or not), and clients that die at random holding every lease of their batch,
// started or not, while a reaper expires the dead leases so they are re-offered per retry policy. Every
// task must end exactly once, per its retry policy, every dead lease must be reaped exactly once, and no
// task (nor an exclusive subject) may ever be held by two live holders at once. Eight accounts, because
// each account's event sequence row serializes its commits (ADR 0002), and one account alone would make
// this test slow, not harder.

import type { TaskRow } from "@nodepilot/core";
import { completeTask, failTask, leaseTasks, payloadSha256, reapTasks, startTask } from "@nodepilot/core";
import { fleet_events, task_events, tasks } from "@nodepilot/store";
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { FACTS, insertInstance, systemOrigin } from "./task-fixtures.ts";

const TASKS = 10_000;
const ACCOUNTS = 8;
const SUBJECTS_PER_ACCOUNT = 10;
const LEASERS = 16;
// Virtual time runs 60× faster, so retry backoffs (30 s, 60 s) pass in 0.5–1 s of real time and a dead
// lease is reapable 2.25 s after it was taken. The 3,600 s run timeout is then 60 s of real time, far
// beyond any live holder's call, so the reaper never times out a task instead of expiring its lease.
const SPEED = 60;
const INSERT_BATCH = 1000;
const LEASE_DEAD_AFTER_MS = (120 + 15) * 1000;

let fleet: TestFleet;
let extra: TestFleet[] = [];
let base: number;
const clock = () => new Date(base + (Date.now() - base) * SPEED);
const rand = (n: number) => Math.floor(Math.random() * n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome = { status: "succeeded" | "failed"; error_code: string | null };
interface Track {
  subject: string;
  exclusive: boolean;
  maxAttempts: number;
  leases: number;
  completions: number;
  expected: Outcome | null;
}

beforeAll(async () => {
  fleet = await createTestFleet({ poolSize: 20 });
  // Further accounts only hold fixtures; every call below goes through the main fleet's pool.
  extra = await Promise.all(Array.from({ length: ACCOUNTS - 1 }, () => createTestFleet({ poolSize: 2 })));
});
afterAll(async () => {
  await fleet?.close();
  for (const f of extra) await f.close();
});

describe("lease protocol under 16 concurrent leasers", () => {
  it("ends every task exactly once and never hands a task or an exclusive subject to two live holders", async () => {
    const db = fleet.runtime.database.db;
    const fleets = [fleet, ...extra];
    const accountIds = fleets.map((f) => f.runtime.accountId);
    const subjects: { accountId: string; id: string }[] = [];
    for (const f of fleets) {
      for (let i = 0; i < SUBJECTS_PER_ACCOUNT; i++) {
        subjects.push({ accountId: f.runtime.accountId, id: (await insertInstance(f)).instanceId });
      }
    }
    const subjectFilter = subjects.map((s) => ({ type: "node_instance" as const, id: s.id }));
    const originFor = (accountId: string, now: Date) => ({
      ...systemOrigin(fleet, now),
      principal: { ...systemOrigin(fleet, now).principal, accountId },
    });

    base = Date.now();
    const track = new Map<string, Track>();
    const script = { script_id: "disk-usage", args: [], timeout_seconds: 300 };
    // One multi-row INSERT per thousand tasks: fixtures, not the protocol under test.
    for (let i = 0; i < TASKS; i += INSERT_BATCH) {
      const rows = Array.from({ length: Math.min(INSERT_BATCH, TASKS - i) }, () => {
        const once = Math.random() < 0.2;
        const payload = once ? script : {};
        const subject = subjects[rand(subjects.length)]!;
        return {
          account_id: subject.accountId,
          subject_type: "node_instance" as const,
          subject_id: subject.id,
          command: once ? "run_script" : "collect_facts",
          payload,
          executor: "agent" as const,
          priority: rand(4),
          exclusive: Math.random() < 0.1,
          payload_sha256: payloadSha256(payload),
          max_attempts: once ? 1 : 3,
          available_at: new Date(base - 1000),
          expires_at: new Date(base + 48 * 3600 * 1000),
          initiated_by_type: "system" as const,
        };
      });
      const inserted = await db.insert(tasks).values(rows).returning();
      for (const r of inserted) {
        track.set(r.id, {
          subject: r.subject_id,
          exclusive: r.exclusive,
          maxAttempts: r.max_attempts,
          leases: 0,
          completions: 0,
          expected: null,
        });
      }
    }

    // The machine's PostgreSQL runs without autovacuum (as CI's does): plan the lease statement on the
    // table as loaded, as autovacuum's analyze would shortly after a bulk insert in production.
    await fleet.runtime.database.pool.query("ANALYZE tasks");

    const violations: string[] = [];
    const errors: unknown[] = [];
    // Holders known alive: registered after the lease commits, dropped before the releasing call.
    const live = new Map<string, string>();
    const liveOnSubject = new Map<string, Map<string, boolean>>();
    // Leases the reaper must not touch: in-flight lease calls and every lease not yet released.
    const inFlight = new Set<number>();
    const held = new Map<string, number>();
    let done = false;
    let totalLeases = 0;

    const drop = (id: string) => {
      live.delete(id);
      liveOnSubject.get(track.get(id)!.subject)?.delete(id);
    };

    function register(row: TaskRow, holder: string, leasedAt: number) {
      const t = track.get(row.id)!;
      if (row.attempt !== t.leases + 1)
        violations.push(`task ${row.id} leased as attempt ${row.attempt} after ${t.leases}`);
      if (live.has(row.id)) violations.push(`task ${row.id} leased to ${holder} while ${live.get(row.id)} holds it`);
      const onSubject = liveOnSubject.get(t.subject) ?? new Map<string, boolean>();
      if (onSubject.size > 0 && (t.exclusive || [...onSubject.values()].some(Boolean))) {
        violations.push(
          `subject ${t.subject}: ${row.id} (exclusive=${t.exclusive}) leased beside ${[...onSubject.keys()].join(",")}`,
        );
      }
      t.leases += 1;
      totalLeases += 1;
      live.set(row.id, holder);
      onSubject.set(row.id, t.exclusive);
      liveOnSubject.set(t.subject, onSubject);
      held.set(row.id, leasedAt);
    }

    // A dead client's leases: nobody will release them, so the reaper must expire them (the account's
    // count says where it has work) and re-offer or fail each per its retry policy.
    const deadByAccount = new Map<string, number>();
    let deadLeases = 0;
    let reaped = 0;
    function abandon(row: TaskRow) {
      const t = track.get(row.id)!;
      drop(row.id);
      held.delete(row.id);
      t.expected = row.attempt < t.maxAttempts ? null : { status: "failed", error_code: "lease_expired" };
      deadLeases += 1;
      deadByAccount.set(row.account_id, (deadByAccount.get(row.account_id) ?? 0) + 1);
    }

    /** Runs one leased task; false when the client died on it (after leasing it, or while running it). */
    async function handle(row: TaskRow): Promise<boolean> {
      const t = track.get(row.id)!;
      const origin = systemOrigin(fleet, clock());
      const leaseId = row.lease_id!;
      const roll = Math.random();
      if (roll < 0.04) return false;
      await startTask(db, origin, { taskId: row.id, leaseId, now: clock() });
      if (roll < 0.08) return false;
      drop(row.id);
      if (roll < 0.23) {
        const out = await failTask(db, origin, {
          taskId: row.id,
          leaseId,
          completionId: crypto.randomUUID(),
          error_code: "flaky",
          error_message: "transient failure",
          retryable: true,
          now: clock(),
        });
        const retried = row.attempt < t.maxAttempts;
        if (out.status !== (retried ? "pending" : "failed"))
          violations.push(`task ${row.id}: retryable fail gave ${out.status}`);
        t.expected = retried ? null : { status: "failed", error_code: "flaky" };
      } else if (roll < 0.28) {
        await failTask(db, origin, {
          taskId: row.id,
          leaseId,
          completionId: crypto.randomUUID(),
          error_code: "broken",
          error_message: "permanent failure",
          retryable: false,
          now: clock(),
        });
        t.expected = { status: "failed", error_code: "broken" };
      } else {
        const result = row.command === "run_script" ? { exit_code: 0, stdout_tail: "ok", stderr_tail: "" } : FACTS;
        await completeTask(db, origin, {
          taskId: row.id,
          leaseId,
          completionId: crypto.randomUUID(),
          result,
          now: clock(),
        });
        t.completions += 1;
        t.expected = { status: "succeeded", error_code: null };
      }
      held.delete(row.id);
      return true;
    }

    // Each pass of the loop is one client process: it leases a batch and works through it in order. A
    // client that dies takes every lease it still holds with it (the one it was on, started or not, and
    // the rest of the batch, never started); the loop then comes back as a new client.
    async function leaser(i: number) {
      let generation = 0;
      while (!done) {
        const holder = `leaser-${i}-${generation++}`;
        const now = clock();
        const key = now.getTime() + Math.random() / 1000;
        inFlight.add(key);
        let leased: TaskRow[];
        try {
          // A worker's origin names one account; events still land in each task's own account.
          leased = await leaseTasks(db, systemOrigin(fleet, now), {
            executor: "agent",
            holder,
            limit: 1 + rand(4),
            // Other test files share this database: lease only these subjects' tasks.
            subjects: subjectFilter,
            now,
          });
          for (const row of leased) register(row, holder, now.getTime());
        } finally {
          inFlight.delete(key);
        }
        if (leased.length === 0) {
          await sleep(10 + rand(30));
          continue;
        }
        for (let j = 0; j < leased.length; j++) {
          const row = leased[j]!;
          let alive: boolean;
          try {
            alive = await handle(row);
          } catch (err) {
            throw new Error(`${holder} on task ${row.id} (attempt ${row.attempt}): ${String(err)}`, { cause: err });
          }
          if (!alive) {
            for (const dead of leased.slice(j)) abandon(dead);
            break;
          }
        }
      }
    }

    async function reaper() {
      while (!done) {
        const oldest = Math.min(clock().getTime(), ...inFlight, ...held.values());
        // Exactly at the oldest live lease's deadline: it survives (the condition is strict), older dead ones go.
        for (const accountId of accountIds) {
          if (!deadByAccount.get(accountId)) continue;
          const stats = await reapTasks(db, originFor(accountId, clock()), new Date(oldest + LEASE_DEAD_AFTER_MS), {
            accountId,
          });
          if (stats.timed_out + stats.expired > 0)
            violations.push(`reaper timed out or expired: ${JSON.stringify(stats)}`);
          const n = stats.lease_expired_requeued + stats.lease_expired_failed;
          reaped += n;
          deadByAccount.set(accountId, deadByAccount.get(accountId)! - n);
        }
        await sleep(100);
      }
    }

    // Tasks not yet final when the run stopped: 0 unless the guard below gave up on a stuck run.
    let unfinished = -1;
    async function watcher() {
      // A guard against a stuck run, not a speed bound: two cores shared with other work at a load
      // average of 15–20 finish in five to six minutes.
      const deadline = Date.now() + 900_000;
      while (!done) {
        const [open] = await db
          .select({ c: sql<number>`count(*)::int` })
          .from(tasks)
          .where(
            and(
              inArray(tasks.account_id, accountIds),
              notInArray(tasks.status, ["succeeded", "failed", "cancelled", "expired"]),
            ),
          );
        unfinished = open!.c;
        if (open!.c === 0 || Date.now() > deadline) done = true;
        else await sleep(250);
      }
    }

    const guard = (p: Promise<void>) =>
      p.catch((err) => {
        errors.push(err);
        done = true;
      });
    await Promise.all([
      ...Array.from({ length: LEASERS }, (_, i) => guard(leaser(i))),
      guard(reaper()),
      guard(watcher()),
    ]);

    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
    expect(unfinished, "tasks still open when the stuck-run guard stopped the run").toBe(0);
    // Every lease a dead client took with it was reaped, once; no live lease was.
    expect(deadLeases).toBeGreaterThan(TASKS / 20);
    expect(reaped).toBe(deadLeases);
    const rows = await db.select().from(tasks).where(inArray(tasks.account_id, accountIds));
    expect(rows.length).toBe(TASKS);
    const mismatches: string[] = [];
    for (const row of rows) {
      const t = track.get(row.id)!;
      if (row.attempt !== t.leases) mismatches.push(`${row.id}: attempt ${row.attempt}, leased ${t.leases} times`);
      if (t.completions > 1) mismatches.push(`${row.id}: completed ${t.completions} times`);
      if (!t.expected || row.status !== t.expected.status || row.error_code !== t.expected.error_code) {
        mismatches.push(`${row.id}: ${row.status}/${row.error_code}, expected ${JSON.stringify(t.expected)}`);
      }
    }
    expect(mismatches).toEqual([]);

    // The log agrees: one final transition per task, one lease event per lease.
    const ids = rows.map((r) => r.id);
    const logged = await db
      .select({ task_id: task_events.task_id, type: task_events.type, c: sql<number>`count(*)::int` })
      .from(task_events)
      .where(inArray(task_events.task_id, ids))
      .groupBy(task_events.task_id, task_events.type);
    const finals = new Map<string, number>();
    let leaseEvents = 0;
    for (const l of logged) {
      if (["complete", "fail", "lease_expired_final"].includes(l.type))
        finals.set(l.task_id, (finals.get(l.task_id) ?? 0) + l.c);
      if (l.type === "lease") leaseEvents += l.c;
    }
    expect(ids.filter((id) => finals.get(id) !== 1)).toEqual([]);
    expect(leaseEvents).toBe(totalLeases);
    // Each transition's fleet event is in its task's account, though one worker origin leased them all.
    const misplaced = await db
      .select({ c: sql<number>`count(*)::int` })
      .from(fleet_events)
      .innerJoin(tasks, eq(tasks.id, fleet_events.task_id))
      .where(and(inArray(tasks.account_id, accountIds), sql`${fleet_events.account_id} <> ${tasks.account_id}`));
    expect(misplaced[0]!.c).toBe(0);
    const [transitions] = await db
      .select({ c: sql<number>`count(*)::int` })
      .from(fleet_events)
      .where(and(inArray(fleet_events.account_id, accountIds), eq(fleet_events.kind, "task.transitioned")));
    const [logRows] = await db
      .select({ c: sql<number>`count(*)::int` })
      .from(task_events)
      .where(inArray(task_events.task_id, ids));
    expect(transitions!.c).toBe(logRows!.c);
    const succeeded = rows.filter((r) => r.status === "succeeded").length;
    expect(succeeded).toBeGreaterThan(TASKS / 2);
    expect(rows.some((r) => r.error_code === "lease_expired")).toBe(true);
  }, 960_000);
});
