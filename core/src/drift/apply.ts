// Carrying out one drift item's remediation plan inside the request's transaction, through the same
// core functions the engine's appliers use (graphs/src/appliers): createTask for `sync_modules` and
// `apply_config` on running instances, transitionInstance for an instance whose provider reports it
// stopped, terminated or errored. A task of the same command already queued or running on the
// instance is reused rather than doubled (spec/autonomy.md §3.8 `task_in_flight`), and each new task
// carries a key of the item's episode and attempt, so a replayed request finds it again.
import { createHash } from "node:crypto";
import { node_instances, tasks } from "@nodepilot/store";
import { and, eq, inArray } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { conflict } from "../errors.ts";
import { transitionInstance } from "../instances/lifecycle.ts";
import { createTask } from "../tasks/create-task.ts";
import type { DriftRow } from "./read.ts";
import type { RemediationPlan } from "./remediation.ts";

const ACTIVE_TASK = ["pending", "leased", "running"] as const;

const taskKey = (row: DriftRow, attempt: number, instanceId: string) =>
  `drift:${createHash("sha256")
    .update([row.kind, row.fingerprint, row.episode, attempt, instanceId].join("|"))
    .digest("hex")
    .slice(0, 40)}`;

async function instancesOf(ctx: OpContext, ids: readonly string[]) {
  return ctx.db
    .select()
    .from(node_instances)
    .where(and(eq(node_instances.account_id, ctx.principal.accountId), inArray(node_instances.id, [...ids])))
    .orderBy(node_instances.id)
    .for("update");
}

/** The running instances a plan acts on, or the conflict naming the item's field. */
export async function runningTargets(ctx: OpContext, plan: RemediationPlan, field: string) {
  const ids = plan.type === "tasks" ? plan.instance_ids : [plan.instance_id];
  const rows = await instancesOf(ctx, ids);
  const live = rows.filter((r) => r.status === "running");
  if (live.length === 0) {
    const state = rows.length === 0 ? "gone" : rows.map((r) => r.status).join(", ");
    throw conflict(`${field}: no instance this remediation acts on is running (${state})`, {
      reason: "instance_not_running",
      errors: [{ path: field, message: "its instance is not running" }],
    });
  }
  return live;
}

/** Runs the plan; returns the task ids it queued or reused (none for a state reconcile). */
export async function applyPlan(
  ctx: OpContext,
  row: DriftRow,
  plan: RemediationPlan,
  attempt: number,
  field: string,
  approvalRequestId: string | null,
): Promise<string[]> {
  const live = await runningTargets(ctx, plan, field);
  if (plan.type === "instance_state") {
    await transitionInstance(ctx.db, ctx, live[0]!, plan.event, { reason: `provider reports ${plan.to_status}` });
    return [];
  }
  const inFlight = await ctx.db
    .select({ id: tasks.id, subject_id: tasks.subject_id })
    .from(tasks)
    .where(
      and(
        eq(tasks.account_id, ctx.principal.accountId),
        eq(tasks.subject_type, "node_instance"),
        inArray(
          tasks.subject_id,
          live.map((i) => i.id),
        ),
        eq(tasks.command, plan.command),
        inArray(tasks.status, [...ACTIVE_TASK]),
      ),
    );
  const taskIds: string[] = [];
  for (const instance of live) {
    const running = inFlight.find((t) => t.subject_id === instance.id);
    if (running) {
      taskIds.push(running.id);
      continue;
    }
    const { task } = await createTask(ctx, {
      subject_type: "node_instance",
      subject_id: instance.id,
      command: plan.command,
      payload: plan.payload,
      idempotency_key: taskKey(row, attempt, instance.id),
      approval_request_id: approvalRequestId,
    });
    taskIds.push(task.id);
  }
  return taskIds;
}
