// Task-backed instance actions: each moves the instance into its transitional state and queues the
// task that will settle it, in the caller's transaction, so either both happen or neither does.
import { instance_pool_members, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { conflict } from "../errors.ts";
import { findInAccount } from "../lib/find.ts";
import type { InstanceEvent } from "../machines/instance-machine.ts";
import { createTask, type TaskRow } from "../tasks/create-task.ts";
import type { InstanceRow } from "./instance-schema.ts";
import { type TransitionOptions, transitionInstance } from "./lifecycle.ts";
import { assertProviderManaged } from "./provider-access.ts";

const PROVIDER_POWER_COMMANDS = ["start", "stop", "power_cycle"];

export interface ActionRequest {
  instanceId: string;
  event: InstanceEvent;
  command: string;
  payload: Record<string, unknown>;
  idempotencyKey?: string | undefined;
  transition?: TransitionOptions;
  /** The instance's pool is removing it: allowed even while another caller holds it claimed. */
  asPool?: boolean;
}

export const loadInstance = (ctx: OpContext, id: string) =>
  findInAccount(ctx.db, node_instances, ctx.principal.accountId, id, "instance");

export async function runInstanceAction(
  ctx: OpContext,
  req: ActionRequest,
): Promise<{ instance: InstanceRow; task: TaskRow }> {
  const current = await loadInstance(ctx, req.instanceId);
  if (req.event === "terminate" && !req.asPool) await assertMayRemove(ctx, current);
  // Removal of an instance no provider manages is bookkeeping only; power actions need a provider.
  if (PROVIDER_POWER_COMMANDS.includes(req.command) || (req.event === "terminate" && current.provider_connection_id)) {
    await assertProviderManaged(ctx.db, ctx.services.providers, current);
  }
  const instance = await transitionInstance(ctx.db, ctx, current, req.event, req.transition);
  const { task } = await createTask(ctx, {
    subject_type: "node_instance",
    subject_id: instance.id,
    command: req.command,
    payload: req.payload,
    ...(req.idempotencyKey ? { idempotency_key: req.idempotencyKey } : {}),
  });
  return { instance, task };
}

/** §2.1: a claimed pool member may be terminated only by its claimer or its pool (a system actor). */
async function assertMayRemove(ctx: OpContext, instance: InstanceRow): Promise<void> {
  const [member] = await ctx.db
    .select()
    .from(instance_pool_members)
    .where(
      and(
        eq(instance_pool_members.node_instance_id, instance.id),
        eq(instance_pool_members.account_id, ctx.principal.accountId),
      ),
    )
    .limit(1);
  if (member?.state !== "claimed" || ctx.principal.actorType === "system") return;
  const claimer = member.claimed_by_type === ctx.principal.actorType && member.claimed_by_id === ctx.principal.actorId;
  if (!claimer) {
    throw conflict(`instance ${instance.name} is claimed from its pool by someone else; release it first`, {
      reason: "claimed",
      current_state: instance.status,
      details: { instance_pool_id: member.instance_pool_id, claimed_by_type: member.claimed_by_type },
    });
  }
}
