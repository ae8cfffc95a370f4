// Crash recovery from the task journal (spec/agent.md §6), against the real agent listener: the
// tasks are genuinely leased (and started) by this machine's certificate, the journal is what a
// process that died at that point leaves on disk, and a new task loop settles each entry by what
// the server says about the task now.
import { randomUUID } from "node:crypto";
import { defaultHandlers, type JournalEntry, type PlatformClient, TaskJournal, TaskLoop } from "@nodepilot/agent";
import { reapTasks, systemPrincipal } from "@nodepilot/core";
import type { LeasedTask } from "@nodepilot/core/agent-protocol";
import { tasks as taskTable } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentFleet,
  createAgentFleet,
  createTask,
  type EnrolledMachine,
  enrolledMachine,
  getTask,
  WAIT_MS,
} from "./agent-fixture.ts";

let f: AgentFleet;
let m: EnrolledMachine;
let client: PlatformClient;
const db = () => f.fleet.runtime.database.db;
const handlers = defaultHandlers({ currentBootId: () => "boot-1", onRebootRequested: () => undefined });

/** Queues a task and leases exactly it, as the crashed process did. */
async function leased(command: string, payload: Record<string, unknown> = {}, start = true): Promise<LeasedTask> {
  const id = await createTask(f.fleet, m.instanceId, command, payload);
  const { tasks } = await client.lease({ max: 1, commands: [command], wait_seconds: 0 });
  expect(tasks.map((t) => t.id)).toEqual([id]);
  if (start) await client.start(id, { lease_id: tasks[0]!.lease_id });
  return tasks[0]!;
}

const entry = (t: LeasedTask, phase: JournalEntry["phase"], extra: Partial<JournalEntry> = {}) => ({
  task_id: t.id,
  lease_id: t.lease_id,
  command: t.command,
  payload: t.payload,
  phase,
  lease_ttl_seconds: t.lease_ttl_seconds,
  attempt: t.attempt,
  max_attempts: t.max_attempts,
  timeout_seconds: t.timeout_seconds,
  ...extra,
});

beforeAll(async () => {
  f = await createAgentFleet();
  m = await enrolledMachine(f, "recovery");
  client = m.client();
}, 3 * WAIT_MS);
afterAll(async () => {
  client?.close();
  await f?.fleet.close();
});

describe("crash recovery", () => {
  it(
    "settles every journal entry by the task's state on the server",
    async () => {
      // Lease lost: leased before the crash, then the reaper re-queued it while the agent was down.
      const lost = await leased("apply_config");
      const later = new Date(Date.now() + 180_000);
      const origin = {
        principal: systemPrincipal(f.fleet.runtime.accountId, ["fleet:admin"]),
        source: "system" as const,
        correlationId: null,
        now: later,
      };
      expect(
        (await reapTasks(db(), origin, later, { accountId: f.fleet.runtime.accountId })).lease_expired_requeued,
      ).toBe(1);

      // Running, not idempotent (run_script, one attempt): must not run twice.
      const script = await leased("run_script", { script_id: "disk-usage" });
      // Running and idempotent: run again.
      const facts = await leased("collect_facts");
      // Outcome journalled, report never sent: resend it with its completion_id.
      const unsent = await leased("collect_facts");
      const result = await handlers.get("collect_facts")!.run({
        payload: {},
        signal: new AbortController().signal,
        progress: () => undefined,
        paths: m.paths,
        taskId: unsent.id,
      });
      const completionId = randomUUID();
      // Reported already (the crash came before the journal drop): terminal on the server.
      const reported = await leased("sync_modules");
      await client.complete(reported.id, {
        lease_id: reported.lease_id,
        completion_id: randomUUID(),
        result: { attached: [], detached: [], reattached: [], failed: [] },
      });
      // Leased, never started or dispatched: a first run. Leased last, because the lease call
      // re-offers a holder's unstarted tasks before anything new.
      const fresh = await leased("collect_facts", {}, false);

      const crashed = new TaskJournal(m.paths.journal);
      await crashed.load();
      await crashed.put(entry(lost, "leased"));
      await crashed.put(entry(script, "running"));
      await crashed.put(entry(facts, "running"));
      await crashed.put(entry(fresh, "leased"));
      await crashed.put(
        entry(unsent, "reporting", { completion_id: completionId, outcome: { kind: "complete", result } }),
      );
      await crashed.put(entry(reported, "running"));
      // Unknown to the server (deleted, or another instance's): 404.
      await crashed.put({ ...entry(facts, "running"), task_id: randomUUID(), lease_id: randomUUID() });

      // The restarted process.
      const journal = new TaskJournal(m.paths.journal);
      expect(await journal.load()).toHaveLength(7);
      const logs: string[] = [];
      const loop = new TaskLoop({
        client,
        journal,
        paths: m.paths,
        maxConcurrent: 4,
        log: (l) => logs.push(l),
        handlers,
      });
      await loop.recover();
      await loop.idle();
      expect(journal.list(), logs.join("\n")).toEqual([]);

      expect(await getTask(f.fleet, script.id)).toMatchObject({
        status: "failed",
        error_code: "agent_restarted",
        attempt: 1,
      });
      expect((await getTask(f.fleet, facts.id)).status).toBe("succeeded");
      expect((await getTask(f.fleet, fresh.id)).status).toBe("succeeded");
      expect((await getTask(f.fleet, unsent.id)).status).toBe("succeeded");
      const [row] = await db().select().from(taskTable).where(eq(taskTable.id, unsent.id));
      expect(row!.completion_id).toBe(completionId);
      // Dropped without a word to the server.
      expect((await getTask(f.fleet, lost.id)).status).toBe("pending");
      expect((await getTask(f.fleet, reported.id)).status).toBe("succeeded");
      await f.fleet.api("POST", `/api/v1/tasks/${lost.id}/cancel`, { body: { reason: "test cleanup" } });
    },
    2 * WAIT_MS,
  );
});
