// Pool status transitions (spec/domain.md §2.3) persisted with optimistic concurrency, one
// `pool.transitioned` event each, and the drain effect: ready and warming members' machines are
// terminated while claimed members are kept for their claimers.
import { instance_pool_members, instance_pools } from "@nodepilot/store";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { conflict } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { mustTransition } from "../machines/machine.ts";
import { type PoolEvent, type PoolState, poolMachine } from "../machines/pool-member-machine.ts";
import { transitionMember } from "./member-transition.ts";
import type { PoolRow } from "./pool-schema.ts";
import { terminateMemberInstance } from "./terminate-member.ts";

export async function transitionPool(ctx: OpContext, pool: PoolRow, event: PoolEvent): Promise<PoolRow> {
  const step = mustTransition(poolMachine, pool.status as PoolState, event, `pool ${pool.name}`);
  const [row] = await ctx.db
    .update(instance_pools)
    .set({ status: step.to, version: pool.version + 1, updated_at: ctx.now })
    .where(and(eq(instance_pools.id, pool.id), eq(instance_pools.version, pool.version)))
    .returning();
  if (!row)
    throw conflict(`pool ${pool.name} changed concurrently`, {
      reason: "concurrent_update",
      current_state: pool.status,
    });
  await emitEvent(ctx.db, ctx, {
    kind: "pool.transitioned",
    severity: event === "drain" || event === "archive" ? "medium" : "low",
    payload: { from: step.from, to: step.to, event },
    subject_type: "instance_pool",
    subject_id: row.id,
    instance_pool_id: row.id,
  });
  return row;
}

/** Terminate the machines of ready and warming members; returns the terminate task ids. */
export async function drainMembers(ctx: OpContext, pool: PoolRow): Promise<string[]> {
  const members = await ctx.db
    .select()
    .from(instance_pool_members)
    .where(
      and(
        eq(instance_pool_members.instance_pool_id, pool.id),
        inArray(instance_pool_members.state, ["ready", "warming"]),
      ),
    )
    .orderBy(asc(instance_pool_members.warming_started_at), asc(instance_pool_members.id))
    .for("update");
  const taskIds: string[] = [];
  for (const m of members) {
    // A warming member has no path to draining: it stays warming until its instance terminates.
    if (m.state === "ready")
      await transitionMember(ctx.db, ctx, m, "recycle", {
        kind: "pool.member_recycled",
        payload: { cause: "pool_drain" },
      });
    const taskId = await terminateMemberInstance(ctx, m.node_instance_id, "pool_drain");
    if (taskId) taskIds.push(taskId);
  }
  return taskIds;
}
