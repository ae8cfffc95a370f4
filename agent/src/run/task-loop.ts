// The task loop (spec/agent.md §6): lease when slots are free, journal every phase, start,
// dispatch with a lease-bound abort signal, renew every TTL/3, report with a journalled
// completion_id, and keep unreported outcomes in the journal to resend (the task outbox).
import { randomUUID } from "node:crypto";
import type { LeasedTask } from "@nodepilot/core/agent-protocol";
import { PlatformProblemError } from "../client/errors.ts";
import type { PlatformClient } from "../client/platform-client.ts";
import { HandlerError, type TaskHandler } from "../handlers/handler.ts";
import type { AgentEventSink } from "../outbox/outbox.ts";
import type { JournalEntry, JournalOutcome, TaskJournal } from "../state/journal.ts";
import { planRecovery } from "../state/recovery.ts";
import type { StatePaths } from "../state/state-dir.ts";

export interface TaskLoopOptions {
  client: PlatformClient;
  journal: TaskJournal;
  handlers: Map<string, TaskHandler>;
  paths: StatePaths;
  maxConcurrent: number;
  log: (msg: string) => void;
  /** Handed to handlers so what they notice reaches the platform through the outbox. */
  events?: AgentEventSink;
  now?: () => number;
  /** Called after a task's report was accepted (reboot restarts after its deferred report). */
  onReported?: (entry: JournalEntry, status: string) => void;
}

interface Running {
  entry: JournalEntry;
  controller: AbortController;
  progress?: number;
  done: Promise<void>;
}

/** 409 reasons after which this holder must never report again (spec/agent.md §6 errors). */
const LEASE_DEAD = new Set(["lease_lost", "task_cancelled", "timeout"]);
const leaseDead = (err: unknown) =>
  err instanceof PlatformProblemError &&
  ((err.status === 409 && LEASE_DEAD.has(err.reason ?? "")) || err.status === 404);

export class TaskLoop {
  private readonly running = new Map<string, Running>();
  private leasing = true;

  constructor(private readonly opts: TaskLoopOptions) {}

  private get now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  get freeSlots(): number {
    return Math.max(0, this.opts.maxConcurrent - this.running.size);
  }

  /**
   * For the heartbeat's `active_leases` (the second renewal path). Reports waiting for the platform
   * are listed too: their lease must outlive an outage shorter than the TTL, or the report that
   * finally gets through is refused as lease_lost.
   */
  activeLeases(): { task_id: string; lease_id: string; progress?: number }[] {
    const running = [...this.running.values()].map((r) => ({
      task_id: r.entry.task_id,
      lease_id: r.entry.lease_id,
      ...(r.progress !== undefined ? { progress: r.progress } : {}),
    }));
    const waiting = this.opts.journal
      .list()
      .filter((e) => e.phase === "reporting" && !this.running.has(e.task_id))
      .map((e) => ({ task_id: e.task_id, lease_id: e.lease_id }));
    return [...running, ...waiting];
  }

  /** Outcomes journalled but not yet acknowledged: the task reports in the outbox depth. */
  pendingReports(): number {
    return this.opts.journal.list().filter((e) => e.phase === "reporting").length;
  }

  /** The heartbeat said these leases are gone: abort their handlers, never report. */
  loseLeases(taskIds: string[]): void {
    for (const id of taskIds) this.running.get(id)?.controller.abort(new Error("lease lost"));
  }

  stopLeasing(): void {
    this.leasing = false;
  }

  /** Waits up to `ms` for in-flight tasks, then fails the rest as agent_shutdown (§10 SIGTERM). */
  async drain(ms: number): Promise<void> {
    this.leasing = false;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.race([all, new Promise((r) => setTimeout(r, ms).unref())]);
    for (const r of this.running.values()) {
      r.controller.abort(new HandlerError("agent_shutdown", "agent is shutting down", true));
    }
    await all;
  }

  /** Crash recovery over the journal left by a previous process (spec/agent.md §6). */
  async recover(): Promise<void> {
    for (const entry of this.opts.journal.list()) {
      let view: Parameters<typeof planRecovery>[1];
      try {
        const t = await this.opts.client.getTask(entry.task_id);
        view = { found: true, status: t.status, lease_id: t.lease_id };
      } catch (err) {
        if (err instanceof PlatformProblemError && err.status === 404) view = { found: false };
        else throw err;
      }
      const handler = this.opts.handlers.get(entry.command);
      const plan = planRecovery(entry, view, handler?.idempotent ?? false);
      this.opts.log(`recovery ${entry.task_id} (${entry.command}, ${entry.phase}): ${plan.action}`);
      if (plan.action === "drop") {
        await this.opts.journal.drop(entry.task_id);
        continue;
      }
      try {
        await this.opts.client.renew(entry.task_id, { lease_id: entry.lease_id });
      } catch (err) {
        if (leaseDead(err)) {
          await this.opts.journal.drop(entry.task_id);
          continue;
        }
        throw err;
      }
      if (plan.action === "resend") await this.report(entry);
      else if (plan.action === "fail_restarted") {
        await this.finish(entry, {
          kind: "fail",
          error_code: "agent_restarted",
          error_message: "the agent restarted while the task ran",
          retryable: false,
        });
      } else this.launch(entry, entry.phase === "leased");
    }
  }

  /** One pass: resend unreported outcomes, then lease into free slots. Returns tasks leased. */
  async tick(): Promise<number> {
    for (const entry of this.opts.journal.list()) {
      if (entry.phase === "reporting" && !this.running.has(entry.task_id)) await this.report(entry);
    }
    if (!this.leasing || this.freeSlots === 0) return 0;
    const { tasks } = await this.opts.client.lease({
      max: Math.min(16, this.freeSlots),
      commands: [...this.opts.handlers.keys()],
      wait_seconds: 0,
    });
    for (const task of tasks) {
      if (this.running.has(task.id) || this.opts.journal.get(task.id)) continue; // a re-offer of one we hold
      const entry = this.entryFor(task);
      await this.opts.journal.put(entry);
      this.launch({ ...entry, updated_at: new Date(this.now).toISOString() }, true);
    }
    return tasks.length;
  }

  /** Resolves when every running task has reported (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private entryFor(task: LeasedTask): Omit<JournalEntry, "updated_at"> {
    return {
      task_id: task.id,
      lease_id: task.lease_id,
      command: task.command,
      payload: task.payload,
      phase: "leased",
      lease_ttl_seconds: task.lease_ttl_seconds,
      attempt: task.attempt,
      max_attempts: task.max_attempts,
      timeout_seconds: task.timeout_seconds,
    };
  }

  private launch(entry: JournalEntry, needsStart: boolean): void {
    const controller = new AbortController();
    const slot: Running = { entry, controller, done: Promise.resolve() };
    this.running.set(entry.task_id, slot);
    slot.done = this.execute(slot, needsStart)
      .catch((err) => this.opts.log(`task ${entry.task_id}: ${(err as Error).message}`))
      .finally(() => this.running.delete(entry.task_id));
  }

  private async execute(slot: Running, needsStart: boolean): Promise<void> {
    const { entry, controller } = slot;
    if (needsStart) {
      try {
        await this.opts.client.start(entry.task_id, { lease_id: entry.lease_id });
      } catch (err) {
        if (leaseDead(err)) return this.opts.journal.drop(entry.task_id);
        throw err;
      }
      await this.opts.journal.update(entry.task_id, { phase: "running" });
    }
    const stopRenewing = this.renewLoop(slot);
    let outcome: JournalOutcome;
    try {
      outcome = await this.dispatch(slot);
    } finally {
      stopRenewing();
    }
    if (controller.signal.aborted && !(controller.signal.reason instanceof HandlerError)) {
      // The lease died: the server re-queued or cancelled the task; the result is discarded.
      await this.opts.journal.drop(entry.task_id);
      return;
    }
    await this.finish(entry, outcome);
  }

  private async dispatch(slot: Running): Promise<JournalOutcome> {
    const { entry, controller } = slot;
    const handler = this.opts.handlers.get(entry.command);
    if (!handler)
      return {
        kind: "fail",
        error_code: "unknown_command",
        error_message: `this agent does not run ${entry.command}`,
        retryable: false,
      };
    const parsed = handler.payload.safeParse(entry.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        kind: "fail",
        error_code: "invalid_payload",
        error_message: `${issue?.path.join(".") || "payload"}: ${issue?.message}`,
        retryable: false,
      };
    }
    let lastProgress = 0;
    try {
      const result = await handler.run({
        payload: parsed.data,
        signal: controller.signal,
        paths: this.opts.paths,
        taskId: entry.task_id,
        ...(this.opts.events ? { events: this.opts.events } : {}),
        progress: (n) => {
          // Throttled to one update a second; the value rides on the next renewal.
          if (this.now - lastProgress < 1000) return;
          lastProgress = this.now;
          slot.progress = Math.max(0, Math.min(100, Math.round(n)));
        },
      });
      return { kind: "complete", result };
    } catch (err) {
      const reason = controller.signal.reason;
      const e = err instanceof HandlerError ? err : reason instanceof HandlerError ? reason : null;
      if (e) return { kind: "fail", error_code: e.code, error_message: e.message, retryable: e.retryable };
      return {
        kind: "fail",
        error_code: "handler_error",
        error_message: (err as Error).message ?? String(err),
        retryable: true,
      };
    }
  }

  private renewLoop(slot: Running): () => void {
    const { entry, controller } = slot;
    const ttlMs = entry.lease_ttl_seconds * 1000;
    let lastOk = this.now;
    const timer = setInterval(
      async () => {
        if (this.now - lastOk > ttlMs + 15_000) {
          controller.abort(new Error("no successful renewal for TTL + 15 s"));
          return;
        }
        try {
          await this.opts.client.renew(entry.task_id, {
            lease_id: entry.lease_id,
            ...(slot.progress !== undefined ? { progress: slot.progress } : {}),
          });
          lastOk = this.now;
        } catch (err) {
          if (leaseDead(err)) controller.abort(err);
        }
      },
      Math.max(1000, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  private async finish(entry: JournalEntry, outcome: JournalOutcome): Promise<void> {
    const completion_id = entry.completion_id ?? randomUUID();
    await this.opts.journal.update(entry.task_id, { phase: "reporting", completion_id, outcome });
    await this.report({ ...entry, phase: "reporting", completion_id, outcome });
  }

  /** Sends a journalled report; keeps it for a later tick when the platform is unreachable. */
  private async report(entry: JournalEntry): Promise<void> {
    const { outcome, completion_id } = entry;
    if (!outcome || !completion_id) return;
    try {
      let status: string;
      if (outcome.kind === "complete") {
        try {
          status = (
            await this.opts.client.complete(entry.task_id, {
              lease_id: entry.lease_id,
              completion_id,
              result: outcome.result,
            })
          ).status;
        } catch (err) {
          if (!(err instanceof PlatformProblemError && err.status === 400)) throw err;
          // The result failed the command's schema: say so with fail, under a new completion id.
          const failed: JournalOutcome = {
            kind: "fail",
            error_code: "invalid_result",
            error_message: err.message.slice(0, 4000),
            retryable: false,
          };
          const next = { ...entry, completion_id: randomUUID(), outcome: failed };
          await this.opts.journal.update(entry.task_id, { completion_id: next.completion_id, outcome: failed });
          return await this.report(next);
        }
      } else {
        status = (
          await this.opts.client.fail(entry.task_id, {
            lease_id: entry.lease_id,
            completion_id,
            error_code: outcome.error_code,
            error_message: outcome.error_message.slice(0, 4000),
            retryable: outcome.retryable,
          })
        ).status;
      }
      await this.opts.journal.drop(entry.task_id);
      this.opts.onReported?.(entry, status);
    } catch (err) {
      if (leaseDead(err)) {
        await this.opts.journal.drop(entry.task_id);
        return;
      }
      this.opts.log(`report for ${entry.task_id} kept for retry: ${(err as Error).message}`);
    }
  }
}
