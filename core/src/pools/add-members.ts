// Grows a pool by N members: for each, a node `<pool>-<n>` from the pool's template, an instance
// provisioned with the pool's placement, and a `warming` member row, all in the caller's transaction.
import { instance_pool_members } from "@nodepilot/store";
import type { OpContext } from "../catalog/context.ts";
import { emitEvent } from "../events/emit.ts";
import { provisionInstance } from "../instances/provision.ts";
import { nodeCreate } from "../operations/node.ts";
import type { PoolRow } from "./pool-schema.ts";

export interface AddedMember {
  member_id: string;
  node_id: string;
  node_instance_id: string;
  task_id: string;
}

export async function addMembers(ctx: OpContext, pool: PoolRow, indexes: number[]): Promise<AddedMember[]> {
  const added: AddedMember[] = [];
  for (const n of indexes) {
    const node = await nodeCreate.execute(
      ctx,
      nodeCreate.input.parse({
        name: `${pool.name}-${n}`,
        description: `Member ${n} of instance pool ${pool.name}`,
        node_template_id: pool.node_template_id,
        ...(pool.environment_id ? { environment_id: pool.environment_id } : {}),
      }),
    );
    const { instance, task } = await provisionInstance(ctx, {
      node_id: node.id,
      provider_region_id: pool.provider_region_id ?? undefined,
      instance_type_id: pool.instance_type_id ?? undefined,
      environment_id: pool.environment_id ?? undefined,
      spot: pool.lifecycle_class === "spot",
      // Deterministic per pool slot, so a retried replenish never queues a second machine for it.
      idempotency_key: `pool:${pool.id}:member:${n}`,
    });
    const [member] = await ctx.db
      .insert(instance_pool_members)
      .values({
        account_id: pool.account_id,
        instance_pool_id: pool.id,
        node_instance_id: instance.id,
        state: "warming",
        warming_started_at: ctx.now,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!member) throw new Error("pool member insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "pool.member_added",
      payload: { member_id: member.id, pool: pool.name, task_id: task.id },
      subject_type: "instance_pool_member",
      subject_id: member.id,
      node_id: node.id,
      node_instance_id: instance.id,
      instance_pool_id: pool.id,
      task_id: task.id,
    });
    added.push({ member_id: member.id, node_id: node.id, node_instance_id: instance.id, task_id: task.id });
  }
  return added;
}
