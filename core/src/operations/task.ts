// Task operations (spec/mcp.md §6 "Tasks"): create any registered command, read and long-poll,
// list, cancel, abort and retry. Executors use the holder protocol in core/src/tasks/lease.ts.
import { TASK_STATES, TASK_SUBJECT_TYPES, task_events, tasks } from "@nodepilot/store";
import { count, desc, eq, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import { hasScope } from "../auth/scopes.ts";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { conflict, forbidden } from "../errors.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { allowedEvents } from "../machines/machine.ts";
import { FINAL_TASK_STATES, type TaskState, taskMachine } from "../machines/task-machine.ts";
import { IdempotencyKey, IdInput, Uuid } from "../schemas/common.ts";
import { cancelTask } from "../tasks/cancel.ts";
import { getCommand, type TaskCommand } from "../tasks/commands.ts";
import { createTask } from "../tasks/create-task.ts";
import { appendTaskEvents } from "../tasks/task-log.ts";
import {
  type TaskEventRow,
  TaskEventSchema,
  type TaskRow,
  TaskSchema,
  taskEventOut,
  taskOut,
} from "../tasks/task-output.ts";

const TaskAndFlag = z.strictObject({ task: TaskSchema, deduplicated: z.boolean() });
const TaskOnly = z.strictObject({ task: TaskSchema });
const LIST_ERROR_CHARS = 300;
const EVENTS_SHOWN = 20;
const POLL_MS = 200;

/** The command's own scope, on top of the operation's (run_script and terminate need fleet:admin). */
function requireCommandScope(ctx: OpContext, cmd: TaskCommand) {
  if (!hasScope(ctx.principal.scopes, ctx.principal.role, cmd.scope)) {
    throw forbidden(`command ${cmd.name} requires scope ${cmd.scope}`, {
      reason: "missing_scope",
      details: { required_scope: cmd.scope },
    });
  }
}

const loadTask = (ctx: OpContext, id: string, forUpdate = false) =>
  findInAccount(ctx.db, tasks, ctx.principal.accountId, id, "task", { forUpdate });

export const taskCreate = defineOperation({
  name: "task.create",
  title: "Create a task",
  description:
    "Queue one registered command on a subject (usually a node instance), e.g. collect_facts, sync_modules, probe.node_inspect, run_script. The payload is validated against the command; the command's own scope applies too (run_script, terminate and decommission need fleet:admin). Prefer the instance.* operations (reboot, stop, refresh_modules...) when one exists: they also move the instance's state. Returns {task, deduplicated} at once; follow it with task.get and wait_seconds.",
  examples: [
    {
      phrase: "collect facts from instance 0190…",
      input: { subject_type: "node_instance", subject_id: "<instance id>", command: "collect_facts" },
    },
    {
      phrase: "run the disk-usage script on instance 0190…",
      input: {
        subject_type: "node_instance",
        subject_id: "<instance id>",
        command: "run_script",
        payload: { script_id: "disk-usage", args: ["/var"] },
      },
    },
  ],
  input: z.strictObject({
    subject_type: z.enum(TASK_SUBJECT_TYPES).describe("What the task runs on; fixed by the command."),
    subject_id: Uuid,
    command: z.string().min(1).max(64).describe("A registered command name."),
    payload: z.record(z.string(), z.unknown()).default({}).describe("The command's payload; unknown keys are refused."),
    priority: z.number().int().min(-1000).max(1000).default(0).describe("Higher is leased first."),
    exclusive: z
      .boolean()
      .default(false)
      .describe("Run alone on the subject: nothing else is leased there while it is leased or running."),
    idempotency_key: IdempotencyKey,
  }),
  output: TaskAndFlag,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "task.create",
  idempotent: false,
  // Any registered command: the input names it.
  taskCommand: "*",
  http: { method: "POST", path: "/tasks", status: 202 },
  async execute(ctx, input) {
    const cmd = getCommand(input.command);
    requireCommandScope(ctx, cmd);
    const { task, deduplicated } = await createTask(ctx, input);
    return { task: taskOut(task), deduplicated };
  },
});

export const taskGet = defineOperation({
  name: "task.get",
  title: "Get a task",
  description:
    "Read one task: status, progress, attempts, lease, result or error (redacted, up to 16 KB), plus its newest 20 events (oldest of those first) and events_total. With wait_seconds (up to 45) the call waits until the task is final (succeeded, failed, cancelled, expired) or the time is up, then answers.",
  examples: [
    { phrase: "what happened to task 0190…", input: { id: "<task id>" } },
    { phrase: "wait up to 30 seconds for task 0190… to finish", input: { id: "<task id>", wait_seconds: 30 } },
  ],
  input: z.strictObject({
    ...IdInput,
    wait_seconds: z.number().int().min(0).max(45).default(0).describe("Long-poll until final, up to 45 s."),
  }),
  output: z.strictObject({ task: TaskSchema, events: z.array(TaskEventSchema), events_total: z.number().int() }),
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/tasks/:id" },
  async execute(ctx, input) {
    // Reads run on the pool, so waiting holds no transaction or connection between polls.
    const deadline = Date.now() + input.wait_seconds * 1000;
    let row = await loadTask(ctx, input.id);
    while (!FINAL_TASK_STATES.includes(row.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(deadline - Date.now(), 0))));
      row = await loadTask(ctx, input.id);
    }
    const newest = await ctx.db
      .select()
      .from(task_events)
      .where(eq(task_events.task_id, row.id))
      .orderBy(desc(task_events.seq))
      .limit(EVENTS_SHOWN);
    const [total] = await ctx.db.select({ c: count() }).from(task_events).where(eq(task_events.task_id, row.id));
    return {
      task: taskOut(row),
      events: newest.reverse().map((e: TaskEventRow) => taskEventOut(e)),
      events_total: total?.c ?? 0,
    };
  },
});

const cutError = (row: TaskRow): TaskRow =>
  row.error_message && row.error_message.length > LIST_ERROR_CHARS
    ? { ...row, error_message: `${row.error_message.slice(0, LIST_ERROR_CHARS - 1)}…` }
    : row;

export const taskList = defineOperation({
  name: "task.list",
  title: "List tasks",
  description:
    "List tasks newest first, filtered by subject (subject_type + subject_id), status (one or more) and command. Error messages are cut to 300 characters: use task.get for the full (redacted) error and the events. Paginated with limit and cursor.",
  examples: [
    { phrase: "show failed tasks", input: { status: ["failed"] } },
    {
      phrase: "what is running on instance 0190…",
      input: { subject_type: "node_instance", subject_id: "<instance id>", status: ["leased", "running"] },
    },
  ],
  input: z.strictObject({
    ...listInputShape,
    subject_type: z.enum(TASK_SUBJECT_TYPES).optional(),
    subject_id: Uuid.optional(),
    status: z.array(z.enum(TASK_STATES)).min(1).optional(),
    command: z.string().min(1).max(64).optional(),
  }),
  output: listOutput(TaskSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/tasks" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: tasks.created_at, id: tasks.id }, input.cursor, true);
    const statuses = input.status ? [...new Set(input.status)] : undefined;
    const filters: (SQL | undefined)[] = [
      eq(tasks.account_id, ctx.principal.accountId),
      input.subject_type ? eq(tasks.subject_type, input.subject_type) : undefined,
      input.subject_id ? eq(tasks.subject_id, input.subject_id) : undefined,
      statuses ? inArray(tasks.status, statuses) : undefined,
      input.command ? eq(tasks.command, input.command) : undefined,
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(tasks)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, (r) => taskOut(cutError(r)));
  },
});

export const taskCancel = defineOperation({
  name: "task.cancel",
  title: "Cancel a task",
  description:
    "Cancel a pending or leased task, with a reason. The holder's next call is refused, so the work does not start. A running task cannot be cancelled: use task.abort. Returns the cancelled task.",
  examples: [
    { phrase: "cancel task 0190…, it was queued by mistake", input: { id: "<task id>", reason: "queued by mistake" } },
    { phrase: "drop the pending facts collection 0190…", input: { id: "<task id>", reason: "not needed any more" } },
  ],
  input: z.strictObject({ ...IdInput, reason: z.string().trim().min(1).max(500).describe("Why; kept on the task.") }),
  output: TaskOnly,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "task.cancel",
  idempotent: true,
  http: { method: "POST", path: "/tasks/:id/cancel", status: 200 },
  async execute(ctx, input) {
    const row = await loadTask(ctx, input.id, true);
    const task = await cancelTask(ctx.db, ctx, row, { event: "cancel", reason: input.reason });
    // The subject may have been blocked by this task's exclusivity.
    ctx.afterCommit(() => ctx.services.onTasksChanged(task.executor));
    return { task: taskOut(task) };
  },
});

export const taskAbort = defineOperation({
  name: "task.abort",
  title: "Abort a running task",
  description:
    "Stop a running task: it becomes cancelled (cancel_reason aborted) and the holder is told to stop at its next renewal. Work already done on the node is not undone, and a late result is kept only as a task event. For a task that has not started, use task.cancel. Returns the task.",
  examples: [
    { phrase: "abort the script running as task 0190…", input: { id: "<task id>", reason: "wrong arguments" } },
    { phrase: "stop task 0190… now", input: { id: "<task id>" } },
  ],
  input: z.strictObject({ ...IdInput, reason: z.string().trim().min(1).max(500).default("aborted by operator") }),
  output: TaskOnly,
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "task.abort",
  idempotent: true,
  http: { method: "POST", path: "/tasks/:id/abort", status: 200 },
  async execute(ctx, input) {
    const row = await loadTask(ctx, input.id, true);
    const task = await cancelTask(ctx.db, ctx, row, { event: "abort", reason: input.reason });
    ctx.afterCommit(() => ctx.services.onTasksChanged(task.executor));
    return { task: taskOut(task) };
  },
});

const RETRYABLE_STATES: readonly TaskState[] = ["failed", "expired", "cancelled"];

export const taskRetry = defineOperation({
  name: "task.retry",
  title: "Retry a task",
  description:
    "Queue a new pending task with the same subject, command, payload, priority and exclusivity as a failed, expired or cancelled one; the new task records retry_of_task_id and starts from attempt 0. The command's own scope applies. Returns the new task.",
  examples: [
    { phrase: "retry task 0190…", input: { id: "<task id>" } },
    { phrase: "run the failed module sync 0190… again", input: { id: "<task id>", idempotency_key: "retry-0190-1" } },
  ],
  input: z.strictObject({ ...IdInput, idempotency_key: IdempotencyKey }),
  output: TaskOnly,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "task.retry",
  idempotent: false,
  // The retried task's command.
  taskCommand: "*",
  http: { method: "POST", path: "/tasks/:id/retry", status: 202 },
  async execute(ctx, input) {
    const row = await loadTask(ctx, input.id, true);
    if (!RETRYABLE_STATES.includes(row.status)) {
      throw conflict(`cannot retry task ${row.id} in state ${row.status}: only failed, expired or cancelled tasks`, {
        reason: "invalid_transition",
        current_state: row.status,
        details: { event: "retry", allowed_events: allowedEvents(taskMachine, row.status) },
      });
    }
    const cmd = getCommand(row.command);
    requireCommandScope(ctx, cmd);
    const { task } = await createTask(ctx, {
      subject_type: row.subject_type,
      subject_id: row.subject_id,
      command: row.command,
      payload: row.payload,
      priority: row.priority,
      exclusive: row.exclusive,
      ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
      correlation_id: ctx.correlationId ?? row.correlation_id,
      retry_of_task_id: row.id,
    });
    await appendTaskEvents(ctx.db, ctx.now, [
      { taskId: row.id, type: "retried", message: `retried as task ${task.id}`, data: { retry_task_id: task.id } },
    ]);
    return { task: taskOut(task) };
  },
});

export const taskOperations = [taskCreate, taskGet, taskList, taskCancel, taskAbort, taskRetry];
