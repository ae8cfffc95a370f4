// Operator controls on an instance that are not lifecycle states (spec/domain.md §1.2 Controls):
// the cordon fences it from allocation and new tasks; the hold blocks start, reboot and terminate.
// A request that changes nothing (cordoning a cordoned instance) writes nothing and is not an error.
import { node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { conflict } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { loadInstance } from "./actions.ts";
import type { InstanceRow } from "./instance-schema.ts";

type ControlChange = Partial<Pick<InstanceRow, "cordoned_at" | "hold">>;

async function writeControl(
  ctx: OpContext,
  instance: InstanceRow,
  change: ControlChange,
  kind: string,
  payload: Record<string, unknown>,
): Promise<InstanceRow> {
  const [row] = await ctx.db
    .update(node_instances)
    .set({ ...change, version: instance.version + 1, updated_at: ctx.now })
    .where(and(eq(node_instances.id, instance.id), eq(node_instances.version, instance.version)))
    .returning();
  if (!row) {
    throw conflict(`instance ${instance.name} changed concurrently; retry`, {
      reason: "concurrent_update",
      current_state: instance.status,
    });
  }
  await emitEvent(ctx.db, ctx, {
    kind,
    payload,
    subject_type: "node_instance",
    subject_id: row.id,
    node_id: row.node_id,
    node_instance_id: row.id,
  });
  return row;
}

function refuseTerminated(instance: InstanceRow, what: string): void {
  if (instance.status === "terminated") {
    throw conflict(`instance ${instance.name} is terminated; it cannot be ${what}`, {
      reason: "invalid_transition",
      current_state: "terminated",
    });
  }
}

export async function setCordon(ctx: OpContext, id: string, cordon: boolean): Promise<InstanceRow> {
  const instance = await loadInstance(ctx, id);
  refuseTerminated(instance, cordon ? "cordoned" : "uncordoned");
  if ((instance.cordoned_at !== null) === cordon) return instance;
  return writeControl(
    ctx,
    instance,
    { cordoned_at: cordon ? ctx.now : null },
    cordon ? "instance.cordoned" : "instance.uncordoned",
    {},
  );
}

export async function setHold(ctx: OpContext, id: string, reason: string): Promise<InstanceRow> {
  const instance = await loadInstance(ctx, id);
  refuseTerminated(instance, "held");
  if (instance.hold) {
    if (instance.hold.reason === reason) return instance;
    // Replacing someone's hold would erase who placed it and why; release it explicitly first.
    throw conflict(`instance ${instance.name} is already held: ${instance.hold.reason}`, {
      reason: "already_held",
      current_state: instance.status,
      details: { hold: instance.hold },
    });
  }
  const hold = { by: `${ctx.principal.actorType}:${ctx.principal.actorId}`, reason, at: ctx.now.toISOString() };
  return writeControl(ctx, instance, { hold }, "instance.held", { reason });
}

export async function releaseHold(ctx: OpContext, id: string, reason: string | undefined): Promise<InstanceRow> {
  const instance = await loadInstance(ctx, id);
  if (!instance.hold) return instance;
  return writeControl(ctx, instance, { hold: null }, "instance.hold_released", {
    previous: instance.hold,
    reason: reason ?? null,
  });
}
