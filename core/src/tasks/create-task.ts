// Creating a task: the one path every producer (task.create, instance operations, skills, the gate's
// appliers) uses. Validates the payload against the command, checks the subject, deduplicates on the
// idempotency key (spec/domain.md §2.2 "Create idempotency") and logs the creation.
import { createHash } from "node:crypto";
import { type DbOrTx, node_instances, nodes, provider_connections, provider_regions, tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { AppError, conflict, fromZodError, invalidInput } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { canonicalJson } from "../lib/canonical-json.ts";
import { findInAccount } from "../lib/find.ts";
import { acceptsSubject, getCommand, type TaskCommand, type TaskSubjectType } from "./commands.ts";
import { appendTaskEvents, taskEventRefs } from "./task-log.ts";
import type { TaskRow } from "./task-output.ts";

export { type TaskOutput, type TaskRow, TaskSchema, taskOut } from "./task-output.ts";

/** How long a task may wait for a lease before the reaper expires it (spec/domain.md §1.3). */
export const TASK_EXPIRY_MS = 48 * 3600 * 1000;

export interface CreateTaskInput {
  subject_type: TaskSubjectType;
  subject_id: string;
  command: string;
  payload?: Record<string, unknown>;
  priority?: number;
  exclusive?: boolean;
  idempotency_key?: string;
  correlation_id?: string | null;
  approval_request_id?: string | null;
  retry_of_task_id?: string | null;
  available_at?: Date;
}

export const payloadSha256 = (payload: Record<string, unknown>) =>
  createHash("sha256").update(canonicalJson(payload)).digest("hex");

/** The subject must exist in the caller's account; instances also gate new work (terminated, cordoned). */
async function checkSubject(db: DbOrTx, accountId: string, type: TaskSubjectType, id: string, cmd: TaskCommand) {
  switch (type) {
    case "node":
      await findInAccount(db, nodes, accountId, id, "node");
      return;
    case "node_instance": {
      const inst = await findInAccount(db, node_instances, accountId, id, "node instance");
      if (inst.status === "terminated") {
        throw conflict(`node instance ${id} is terminated and takes no new tasks`, {
          reason: "subject_terminated",
          current_state: inst.status,
        });
      }
      // A cordon fences the instance from new node-side work (spec/mcp.md §6 "instance.cordon").
      if (cmd.executor === "agent" && inst.cordoned_at) {
        throw conflict(`node instance ${id} is cordoned; uncordon it to run ${cmd.name}`, {
          reason: "cordoned",
          current_state: inst.status,
        });
      }
      return;
    }
    case "provider_connection":
      await findInAccount(db, provider_connections, accountId, id, "provider connection");
      return;
    case "provider_region":
      await findInAccount(db, provider_regions, accountId, id, "provider region");
      return;
    default:
      throw new AppError("invalid_input", `task subject type ${type} has no table yet`, {
        errors: [{ path: "subject_type", message: "no command runs on this subject type yet" }],
      });
  }
}

function sameRequest(existing: TaskRow, input: CreateTaskInput, sha: string) {
  return (
    existing.payload_sha256 === sha &&
    existing.command === input.command &&
    existing.subject_type === input.subject_type &&
    existing.subject_id === input.subject_id
  );
}

async function byKey(db: DbOrTx, accountId: string, key: string) {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.account_id, accountId), eq(tasks.idempotency_key, key)))
    .limit(1);
  return row;
}

function replay(existing: TaskRow, input: CreateTaskInput, sha: string) {
  if (!sameRequest(existing, input, sha)) {
    throw conflict("this idempotency key was used for a different task", {
      reason: "idempotency_mismatch",
      details: { task_id: existing.id },
    });
  }
  return { task: existing, deduplicated: true };
}

export async function createTask(
  ctx: OpContext,
  input: CreateTaskInput,
): Promise<{ task: TaskRow; deduplicated: boolean }> {
  const cmd = getCommand(input.command);
  if (!acceptsSubject(cmd, input.subject_type)) {
    throw invalidInput(`${cmd.name} runs on a ${cmd.subjectType}, not a ${input.subject_type}`, [
      { path: "subject_type", message: `must be ${cmd.subjectType} for ${cmd.name}` },
    ]);
  }
  const parsed = cmd.payload.safeParse(input.payload ?? {});
  if (!parsed.success) throw fromZodError(parsed.error, "payload");
  const payload = parsed.data as Record<string, unknown>;
  const sha = payloadSha256(payload);
  const accountId = ctx.principal.accountId;
  const key = input.idempotency_key;

  if (key) {
    const existing = await byKey(ctx.db, accountId, key);
    if (existing) return replay(existing, input, sha);
  }
  await checkSubject(ctx.db, accountId, input.subject_type, input.subject_id, cmd);

  const insert = ctx.db.insert(tasks).values({
    account_id: accountId,
    subject_type: input.subject_type,
    subject_id: input.subject_id,
    command: cmd.name,
    payload,
    executor: cmd.executor,
    priority: input.priority ?? 0,
    exclusive: input.exclusive ?? false,
    idempotency_key: key ?? null,
    payload_sha256: sha,
    max_attempts: cmd.maxAttempts,
    available_at: input.available_at ?? ctx.now,
    expires_at: new Date(ctx.now.getTime() + TASK_EXPIRY_MS),
    lease_ttl_seconds: cmd.leaseTtlSeconds,
    timeout_seconds: cmd.timeoutSeconds,
    initiated_by_type: ctx.principal.actorType,
    initiated_by_id: ctx.principal.actorId,
    approval_request_id: input.approval_request_id ?? null,
    correlation_id: input.correlation_id ?? ctx.correlationId,
    retry_of_task_id: input.retry_of_task_id ?? null,
    created_at: ctx.now,
    updated_at: ctx.now,
  });
  // A concurrent create with the same key waits on ours, then does nothing: read the winner instead.
  const [row] = key
    ? await insert.onConflictDoNothing({ target: [tasks.account_id, tasks.idempotency_key] }).returning()
    : await insert.returning();
  if (!row) {
    const winner = key ? await byKey(ctx.db, accountId, key) : undefined;
    if (!winner) throw new Error("task insert returned nothing");
    return replay(winner, input, sha);
  }

  await appendTaskEvents(ctx.db, ctx.now, [
    {
      taskId: row.id,
      type: "created",
      message: `${cmd.name} created`,
      data: { command: cmd.name, executor: cmd.executor, retry_of_task_id: row.retry_of_task_id },
    },
  ]);
  await emitEvent(ctx.db, ctx, {
    kind: "task.created",
    payload: {
      command: cmd.name,
      executor: cmd.executor,
      subject_type: row.subject_type,
      subject_id: row.subject_id,
      priority: row.priority,
      exclusive: row.exclusive,
      ...(row.retry_of_task_id ? { retry_of_task_id: row.retry_of_task_id } : {}),
    },
    ...taskEventRefs(row),
  });
  ctx.afterCommit(() => ctx.services.onTasksChanged(cmd.executor));
  return { task: row, deduplicated: false };
}
