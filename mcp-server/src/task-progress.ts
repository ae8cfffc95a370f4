// Progress for task-backed tools (spec/mcp.md §5 "Long work"). MCP allows no progress notification
// after the response, so a task-backed call whose request carries a progressToken is held open: the
// session follows the account's committed fleet events for the call's task and sends
// notifications/progress on each state or progress change, until the task is final or the wait
// (45 s) is over. The result is the operation's output with the task as it stands then, re-read
// through task.get, and a final state is also logged (notifications/message at info, subject to the
// client's logging/setLevel). Without a progressToken the call answers at once, as before.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type AnyOperation, invoke, type Principal, type Services } from "@nodepilot/core";
import { z } from "zod";
import type { CallSession } from "./call-session.ts";
import type { FleetEvent, FleetEventFeed } from "./fleet-events.ts";
import type { ToolIndex } from "./tool-definitions.ts";
import { successResult } from "./tool-result.ts";

/** The spec's bound on how long a call is held for progress. */
export const PROGRESS_WAIT_MS = 45_000;

// The task machine's final states (core's FINAL_TASK_STATES is not on its package surface).
const FINAL_STATES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "expired"]);

export interface ProgressDeps {
  services: Services;
  events: FleetEventFeed;
  tools: ToolIndex;
  /** How long a call is held for its task's progress; PROGRESS_WAIT_MS unless a test shortens it. */
  progressWaitMs?: number;
}

// Only the fields read here; the operation's output keeps everything else untouched.
const TaskFields = z.object({
  id: z.string(),
  command: z.string(),
  status: z.string(),
  progress: z.number(),
  error_code: z.string().nullable().optional(),
});
const WithTask = z.object({ task: TaskFields });
const Transitioned = z.object({ to: z.string() });
const Progressed = z.object({ progress: z.number(), message: z.string().optional() });

interface Seen {
  status: string;
  progress: number;
  note: string | undefined;
}

export const wantsProgress = (op: AnyOperation, session: CallSession | undefined): session is CallSession =>
  op.taskCommand !== undefined && session?.extra._meta?.progressToken !== undefined;

/** One 0–100 scale that grows as a task moves on: queued 0, leased 5, running 10–95 by its own percent, final 100. */
function scaled(s: Seen): number {
  if (FINAL_STATES.has(s.status)) return 100;
  if (s.status === "running") return 10 + Math.round(85 * s.progress) / 100;
  return s.status === "leased" ? 5 : 0;
}

/** The task's state after one of its fleet events (task.transitioned, task.progress, task.deferred). */
function applyEvent(s: Seen, e: FleetEvent): Seen {
  if (e.kind === "task.transitioned") {
    const p = Transitioned.safeParse(e.payload);
    return p.success ? { ...s, status: p.data.to, note: undefined } : s;
  }
  if (e.kind === "task.progress") {
    const p = Progressed.safeParse(e.payload);
    return p.success ? { ...s, progress: p.data.progress, note: p.data.message } : s;
  }
  if (e.kind === "task.deferred") return { ...s, note: "done on the node; waiting for it to confirm (a heartbeat)" };
  return s;
}

/**
 * The account's events from the moment of subscribing, buffered, so nothing the task does while
 * the operation commits (or before this call reads on) is missed; narrowed to one task once known.
 */
class Inbox {
  private items: (FleetEvent | null)[] = [];
  private taskId: string | undefined;
  private wake: (() => void) | undefined;

  readonly push = (e: FleetEvent | null) => {
    if (e && this.taskId !== undefined && e.task_id !== this.taskId) return;
    this.items.push(e);
    this.wake?.();
  };

  only(taskId: string): void {
    this.taskId = taskId;
    this.items = this.items.filter((e) => e === null || e.task_id === taskId);
  }

  /** The next event, `null` for a gap (re-read the task), or undefined once `until` passes or the call is cancelled. */
  async next(until: number, signal: AbortSignal): Promise<FleetEvent | null | undefined> {
    while (this.items.length === 0) {
      const left = until - Date.now();
      if (left <= 0 || signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, left);
        signal.addEventListener("abort", done);
        this.wake = done;
      });
    }
    return this.items.shift();
  }
}

/** Sends notifications/progress, each strictly above the last as MCP requires. */
class Reporter {
  private last = -1;
  private lastKey = "";

  constructor(
    private readonly session: CallSession,
    private readonly command: string,
  ) {}

  async report(s: Seen): Promise<void> {
    const key = `${s.status}|${s.progress}|${s.note ?? ""}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    // A task sent back to the queue (a retry, a lost lease) scores lower than before: step past the last value instead.
    const value = scaled(s);
    const progress = value > this.last ? value : Math.min(this.last + 0.01, 99.99);
    if (progress <= this.last) return;
    this.last = progress;
    const percent = s.status === "running" && s.progress > 0 ? ` ${s.progress}%` : "";
    const message = `${this.command}: ${s.status}${percent}${s.note ? ` (${s.note})` : ""}`;
    await this.session.extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: this.session.extra._meta!.progressToken!, progress, total: 100, message },
      })
      // A client that went away stops listening; the call still answers (or is cancelled by the signal).
      .catch(() => {});
  }
}

const readTask = async (deps: ProgressDeps, principal: Principal, id: string, requestId: string) => {
  const op = deps.tools.operation("task_get");
  if (!op) throw new Error("task.get is not an MCP tool");
  const got = (await invoke(deps.services, op, principal, { id }, { source: "mcp", requestId })) as {
    task: Record<string, unknown>;
  };
  return got.task;
};

/** Report the task's changes until it is final, the wait is over, or the client cancels the call. */
async function watch(
  deps: ProgressDeps,
  session: CallSession,
  inbox: Inbox,
  task: z.infer<typeof TaskFields>,
  read: () => Promise<Record<string, unknown>>,
): Promise<void> {
  const reporter = new Reporter(session, task.command);
  let seen: Seen = { status: task.status, progress: task.progress, note: undefined };
  await reporter.report(seen);
  const until = Date.now() + (deps.progressWaitMs ?? PROGRESS_WAIT_MS);
  while (!FINAL_STATES.has(seen.status)) {
    const e = await inbox.next(until, session.extra.signal);
    if (e === undefined) return;
    if (e === null) {
      // The feed dropped events for this follower: read where the task is now.
      const now = TaskFields.parse(await read());
      seen = { status: now.status, progress: now.progress, note: undefined };
    } else {
      seen = applyEvent(seen, e);
    }
    await reporter.report(seen);
  }
}

/** Tell the client a task ended (notifications/message, which the SDK filters by the session's logging level). */
async function logFinal(session: CallSession, task: z.infer<typeof TaskFields>): Promise<void> {
  await session.server
    .sendLoggingMessage(
      {
        level: "info",
        logger: "nodepilot",
        data: {
          message: `task ${task.id} (${task.command}) ${task.status}`,
          task_id: task.id,
          command: task.command,
          status: task.status,
          ...(task.error_code ? { error_code: task.error_code } : {}),
        },
      },
      session.extra.sessionId,
    )
    .catch(() => {});
}

/**
 * Run a task-backed operation (already past the gate) and hold the request open with progress
 * until its task is final or the wait is over. The caller maps a thrown error as for any call.
 */
export async function invokeWithProgress(
  deps: ProgressDeps,
  session: CallSession,
  op: AnyOperation,
  principal: Principal,
  input: Record<string, unknown>,
  requestId: string,
): Promise<CallToolResult> {
  const inbox = new Inbox();
  // Subscribed before the operation runs: its task's first transitions may commit before it returns.
  const unfollow = await deps.events.follow(principal.accountId, inbox.push);
  let value: Record<string, unknown>;
  let task: z.infer<typeof TaskFields>;
  const read = () => readTask(deps, principal, task.id, requestId);
  try {
    const out = await invoke(deps.services, op, principal, input, { source: "mcp", requestId });
    value = (out ?? {}) as Record<string, unknown>;
    const started = WithTask.safeParse(value);
    if (!started.success) return successResult(`${op.name} succeeded.`, value);
    task = started.data.task;
    inbox.only(task.id);
    await watch(deps, session, inbox, task, read);
  } finally {
    unfollow();
  }
  const latest = await read();
  const now = TaskFields.parse(latest);
  const settled = FINAL_STATES.has(now.status);
  if (settled) await logFinal(session, now);
  const summary = settled
    ? `${op.name}: task ${now.id} ${now.status}.`
    : `${op.name}: task ${now.id} is still ${now.status}; follow it with task_get and wait_seconds.`;
  return successResult(summary, { ...value, task: latest });
}
