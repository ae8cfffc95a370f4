// Appliers that queue agent tasks (spec/autonomy.md §3.9): module.sync → `sync_modules` on the
// drifted instance, config.apply → `apply_config` on each running instance of the node. Tasks go
// through task.create with the remediation's key (one task per instance: `<key>:<instance id>`),
// so a repeated apply finds the same tasks instead of queueing more.
import { invoke } from "@nodepilot/core";
import { node_instances } from "@nodepilot/store";
import { and, eq, inArray } from "drizzle-orm";
import { type Applier, type ApplierContext, type ApplyInput, type ApplyOutcome, refused } from "./applier.ts";

async function runningInstances(ctx: ApplierContext, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return ctx.services.database.db
    .select({ id: node_instances.id, status: node_instances.status })
    .from(node_instances)
    .where(and(eq(node_instances.account_id, ctx.principal.accountId), inArray(node_instances.id, [...ids])));
}

async function queue(
  ctx: ApplierContext,
  input: ApplyInput,
  applier: string,
  command: string,
  instanceIds: readonly string[],
  payload: Record<string, unknown>,
): Promise<ApplyOutcome> {
  const rows = await runningInstances(ctx, instanceIds);
  const live = rows.filter((r) => r.status === "running").map((r) => r.id);
  if (live.length === 0) return refused(rows.length === 0 ? "target_not_found" : "instance_not_running");
  const op = ctx.catalog.get("task.create")!;
  const taskIds: string[] = [];
  let deduplicated = 0;
  for (const id of live) {
    const key = live.length === 1 ? input.key : `${input.key}:${id}`;
    const out = (await invoke(
      ctx.services,
      op,
      ctx.principal,
      { subject_type: "node_instance", subject_id: id, command, payload, idempotency_key: key },
      { source: `applier:${applier}`, correlationId: ctx.correlationId, idempotencyKey: key },
    )) as { task: { id: string }; deduplicated: boolean };
    taskIds.push(out.task.id);
    if (out.deduplicated) deduplicated++;
  }
  return {
    status: "applied",
    task_ids: taskIds,
    result: { command, instances: live.length, deduplicated },
    scored: true,
  };
}

export const moduleSync: Applier = {
  name: "module_sync",
  categories: ["module.sync"],
  operations: ["task.create"],
  apply: (ctx, input) =>
    queue(ctx, input, "module_sync", "sync_modules", [input.action.target.id], { force_resync: true }),
};

export const configApply: Applier = {
  name: "config_apply",
  categories: ["config.apply"],
  operations: ["task.create"],
  apply(ctx, input) {
    const ids = input.action.params.instance_ids;
    const list = Array.isArray(ids) ? ids.filter((v): v is string => typeof v === "string") : [];
    return queue(ctx, input, "config_apply", "apply_config", list, {});
  },
};
