// Queues termination of a pool member's instance (drain, recycle-on-release). An instance that is
// already on its way out, or held, is left alone: the member follows once the instance terminates.
import { node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { runInstanceAction } from "../instances/actions.ts";
import { instanceMachine } from "../machines/instance-machine.ts";
import { transition } from "../machines/machine.ts";

/** Returns the terminate task id, or null when the instance could not be terminated now. */
export async function terminateMemberInstance(
  ctx: OpContext,
  instanceId: string,
  reason: string,
): Promise<string | null> {
  const [instance] = await ctx.db
    .select({ status: node_instances.status, hold: node_instances.hold })
    .from(node_instances)
    .where(and(eq(node_instances.id, instanceId), eq(node_instances.account_id, ctx.principal.accountId)))
    .limit(1);
  if (!instance || instance.hold || !transition(instanceMachine, instance.status, "terminate").ok) return null;
  const { task } = await runInstanceAction(ctx, {
    instanceId,
    event: "terminate",
    command: "terminate",
    payload: { release_ips: true },
    transition: { reason },
  });
  return task.id;
}
