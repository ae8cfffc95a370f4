// The agent's task loop (spec/agent.md §6), its own code in process against the real agent listener:
// tasks are queued through the REST API, leased, started, run and reported over mTLS, and every
// fault comes from the server side: a result its schema refuses, the listener going away mid-report,
// the reaper expiring a lease, an operator aborting a running task.
import { randomUUID } from "node:crypto";
import {
  defaultHandlers,
  HandlerError,
  type PlatformClient,
  type TaskHandler,
  TaskJournal,
  TaskLoop,
} from "@nodepilot/agent";
import { reapTasks, systemPrincipal } from "@nodepilot/core";
import { tasks as taskTable } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  type AgentFleet,
  createAgentFleet,
  createTask,
  type EnrolledMachine,
  enrolledMachine,
  getTask,
  settledTask,
  switchableListener,
  WAIT_MS,
  waitFor,
} from "./agent-fixture.ts";

let f: AgentFleet;
let m: EnrolledMachine;
const clients: PlatformClient[] = [];
const db = () => f.fleet.runtime.database.db;
const taskRow = async (id: string) => (await db().select().from(taskTable).where(eq(taskTable.id, id)))[0]!;

const real = defaultHandlers({ currentBootId: () => "boot-1", onRebootRequested: () => undefined });
const collectFacts = real.get("collect_facts")!;

/** A task loop over a fresh journal file load, as a new agent process would have. */
async function loop(handlers: Map<string, TaskHandler> = real, platformUrl?: string) {
  const journal = new TaskJournal(m.paths.journal);
  await journal.load();
  const client = m.client(platformUrl);
  clients.push(client);
  const logs: string[] = [];
  const tasks = new TaskLoop({ client, journal, paths: m.paths, maxConcurrent: 4, log: (l) => logs.push(l), handlers });
  return { tasks, journal, client, logs };
}

const handler = (command: string, run: TaskHandler["run"], payload: z.ZodType = z.strictObject({})): TaskHandler => ({
  command,
  payload,
  idempotent: true,
  run,
});

/** A handler that runs until its signal aborts, recording that it did. */
function untilAborted(command: string) {
  const state = { started: false, aborted: null as Promise<void> | null };
  let resolve!: () => void;
  state.aborted = new Promise<void>((r) => {
    resolve = r;
  });
  const h = handler(command, ({ signal }) => {
    state.started = true;
    return new Promise((_ok, fail) =>
      signal.addEventListener("abort", () => {
        resolve();
        fail(new Error("aborted"));
      }),
    );
  });
  return { h, state };
}

beforeAll(async () => {
  f = await createAgentFleet();
  m = await enrolledMachine(f, "task-loop");
}, 3 * WAIT_MS);
afterEach(async () => {
  vi.useRealTimers();
  // Nothing a test leaves open may be leased by the next one.
  const open = await db().select().from(taskTable).where(eq(taskTable.subject_id, m.instanceId));
  for (const t of open.filter((t) => t.status === "pending" || t.status === "leased")) {
    await f.fleet.api("POST", `/api/v1/tasks/${t.id}/cancel`, { body: { reason: "test cleanup" } });
  }
  for (const t of open.filter((t) => t.status === "running")) {
    await f.fleet.api("POST", `/api/v1/tasks/${t.id}/abort`, { body: { reason: "test cleanup" } });
  }
});
afterAll(async () => {
  for (const c of clients) c.close();
  await f?.fleet.close();
});

describe("lease → start → handler → report", () => {
  it(
    "runs collect_facts and completes it under a journalled completion_id, leasing only commands it has",
    async () => {
      const facts = await createTask(f.fleet, m.instanceId, "collect_facts");
      // This agent has no restart_service handler, so it must never lease one.
      const foreign = await createTask(f.fleet, m.instanceId, "restart_service", {
        module_id: randomUUID(),
        service: "web.service",
      });
      const { tasks, journal } = await loop();
      expect(await tasks.tick()).toBe(1);
      await tasks.idle();
      const done = await getTask(f.fleet, facts);
      expect(done.status).toBe("succeeded");
      expect(done.attempt).toBe(1);
      expect(done.result).toMatchObject({ hostname: expect.any(String), modules: [] });
      expect((await taskRow(facts)).completion_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(journal.list()).toEqual([]);
      expect((await getTask(f.fleet, foreign)).status).toBe("pending");
    },
    WAIT_MS,
  );

  it(
    "fails a payload its own schema refuses as invalid_payload without running the handler",
    async () => {
      let ran = false;
      const strict = handler(
        "collect_facts",
        async (ctx) => {
          ran = true;
          return collectFacts.run(ctx);
        },
        z.strictObject({ depth: z.number() }),
      );
      const id = await createTask(f.fleet, m.instanceId, "collect_facts");
      const { tasks, journal } = await loop(new Map([["collect_facts", strict]]));
      await tasks.tick();
      await tasks.idle();
      const t = await settledTask(f.fleet, id);
      expect(t).toMatchObject({ status: "failed", error_code: "invalid_payload", attempt: 1 });
      expect(t.error_message).toContain("depth");
      expect(ran).toBe(false);
      expect(journal.list()).toEqual([]);
    },
    WAIT_MS,
  );

  it(
    "reports a handler's failure with the handler's retryable verdict",
    async () => {
      const handlers = new Map([
        [
          "collect_facts",
          handler("collect_facts", async () => {
            throw new HandlerError("disk_full", "no space left under /persist", false);
          }),
        ],
        [
          "apply_config",
          handler("apply_config", async () => {
            throw new Error("module web did not converge yet");
          }),
        ],
      ]);
      const final = await createTask(f.fleet, m.instanceId, "collect_facts");
      const again = await createTask(f.fleet, m.instanceId, "apply_config");
      const { tasks } = await loop(handlers);
      expect(await tasks.tick()).toBe(2);
      await tasks.idle();
      expect(await settledTask(f.fleet, final)).toMatchObject({ status: "failed", error_code: "disk_full" });
      // Retryable: the server puts it back for another attempt.
      const retried = await getTask(f.fleet, again);
      expect(retried).toMatchObject({ status: "pending", attempt: 1, error_code: "handler_error" });
      expect(retried.error_message).toContain("did not converge");
    },
    WAIT_MS,
  );

  it(
    "turns a result the server's schema refuses into invalid_result",
    async () => {
      const sloppy = handler("collect_facts", async () => ({ hostname: "" }));
      const id = await createTask(f.fleet, m.instanceId, "collect_facts");
      const { tasks, journal } = await loop(new Map([["collect_facts", sloppy]]));
      await tasks.tick();
      await tasks.idle();
      const t = await settledTask(f.fleet, id);
      expect(t).toMatchObject({ status: "failed", error_code: "invalid_result" });
      expect(t.error_message).toContain("hostname");
      expect(journal.list()).toEqual([]);
    },
    WAIT_MS,
  );
});

describe("reporting while the platform is away", () => {
  it(
    "keeps the outcome in the journal and resends it with the same completion_id once the listener is back",
    async () => {
      const away = await switchableListener(f.fleet);
      await away.up();
      try {
        // The listener goes away while the handler runs, so its report finds nobody.
        const vanishing = handler("collect_facts", async (ctx) => {
          const out = await collectFacts.run(ctx);
          await away.down();
          return out;
        });
        const id = await createTask(f.fleet, m.instanceId, "collect_facts");
        const { tasks, journal } = await loop(new Map([["collect_facts", vanishing]]), away.url);
        await tasks.tick();
        await tasks.idle();
        const kept = journal.get(id);
        expect(kept).toMatchObject({ phase: "reporting", outcome: { kind: "complete" } });
        expect((await getTask(f.fleet, id)).status).toBe("running");

        // Still away: the next pass keeps it (and the lease call fails).
        await expect(tasks.tick()).rejects.toThrow();
        expect(journal.get(id)?.completion_id).toBe(kept!.completion_id);

        await away.up();
        await tasks.tick();
        expect((await getTask(f.fleet, id)).status).toBe("succeeded");
        expect((await taskRow(id)).completion_id).toBe(kept!.completion_id);
        expect(journal.list()).toEqual([]);
      } finally {
        await away.down();
      }
    },
    WAIT_MS,
  );
});

describe("a lease that dies while the handler runs", () => {
  // Renewal runs every TTL/3 (40 s for a 120 s lease): only the interval timers are faked, so one
  // renewal can be brought forward; the HTTP, the database and the server's decision stay real.
  const renewNow = async () => {
    await vi.advanceTimersByTimeAsync(40_000);
  };

  it(
    "lease_lost from renewal (the reaper re-queued it) aborts the handler and nothing is reported",
    async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      const { h, state } = untilAborted("collect_facts");
      const id = await createTask(f.fleet, m.instanceId, "collect_facts");
      const { tasks, journal } = await loop(new Map([["collect_facts", h]]));
      await tasks.tick();
      await waitFor("the handler to start", async () => state.started, Boolean);
      expect((await getTask(f.fleet, id)).status).toBe("running");

      // The reaper, three minutes on: the lease ran out, so the task goes back to pending.
      const later = new Date(Date.now() + 180_000);
      const reaped = await reapTasks(
        db(),
        {
          principal: systemPrincipal(f.fleet.runtime.accountId, ["fleet:admin"]),
          source: "system",
          correlationId: null,
          now: later,
        },
        later,
        { accountId: f.fleet.runtime.accountId },
      );
      expect(reaped.lease_expired_requeued).toBe(1);

      await renewNow();
      await state.aborted;
      await tasks.idle();
      expect(journal.list()).toEqual([]);
      const t = await taskRow(id);
      expect(t).toMatchObject({ status: "pending", error_code: "lease_expired", completion_id: null, result: null });
    },
    WAIT_MS,
  );

  it(
    "task_cancelled from renewal (an operator aborted it) stops the handler; the task stays cancelled",
    async () => {
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      const { h, state } = untilAborted("collect_facts");
      const id = await createTask(f.fleet, m.instanceId, "collect_facts");
      const { tasks, journal } = await loop(new Map([["collect_facts", h]]));
      await tasks.tick();
      await waitFor("the handler to start", async () => state.started, Boolean);
      const abort = await f.fleet.api("POST", `/api/v1/tasks/${id}/abort`, { body: { reason: "wrong node" } });
      expect(abort.status, JSON.stringify(abort.body)).toBe(200);

      await renewNow();
      await state.aborted;
      await tasks.idle();
      expect(journal.list()).toEqual([]);
      const t = await taskRow(id);
      expect(t).toMatchObject({ status: "cancelled", completion_id: null, result: null, error_code: null });
    },
    WAIT_MS,
  );

  it(
    "a heartbeat listing the lease as lost aborts the handler too (the second renewal path)",
    async () => {
      const { h, state } = untilAborted("collect_facts");
      const id = await createTask(f.fleet, m.instanceId, "collect_facts");
      const { tasks, journal, client } = await loop(new Map([["collect_facts", h]]));
      await tasks.tick();
      await waitFor("the handler to start", async () => state.started, Boolean);
      const later = new Date(Date.now() + 180_000);
      await reapTasks(
        db(),
        {
          principal: systemPrincipal(f.fleet.runtime.accountId, ["fleet:admin"]),
          source: "system",
          correlationId: null,
          now: later,
        },
        later,
        { accountId: f.fleet.runtime.accountId },
      );
      // What the service's heartbeat loop does with the reply.
      const reply = await client.heartbeat({
        schema_version: 1,
        seq: 1,
        boot_id: "boot-1",
        agent_version: "0.1.0",
        architecture: "amd64",
        uptime_seconds: 1,
        active_leases: tasks.activeLeases(),
      });
      expect(reply.lost_leases.map((l) => l.task_id)).toEqual([id]);
      tasks.loseLeases(reply.lost_leases.map((l) => l.task_id));
      await state.aborted;
      await tasks.idle();
      expect(journal.list()).toEqual([]);
      expect(await taskRow(id)).toMatchObject({ status: "pending", completion_id: null });
    },
    WAIT_MS,
  );
});
