// Creates an instance of a node and its `provision` task in the caller's transaction (spec/domain.md
// §1.2, §1.3). The control-plane runner does the provider work; this only decides placement, writes
// the pending row and queues the task. Used by instance.provision and by pools.
import { randomBytes } from "node:crypto";
import { environments, node_instances, nodes, tasks } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { conflict } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { createTask, type TaskRow } from "../tasks/create-task.ts";
import type { InstanceRow } from "./instance-schema.ts";
import { resolvePlacement } from "./placement.ts";

export interface ProvisionInput {
  node_id: string;
  name?: string | undefined;
  provider_region_id?: string | undefined;
  instance_type_id?: string | undefined;
  image_id?: string | undefined;
  zone_code?: string | undefined;
  environment_id?: string | undefined;
  architecture?: "amd64" | "arm64" | undefined;
  spot?: boolean | undefined;
  idempotency_key?: string | undefined;
}

export interface Provisioned {
  instance: InstanceRow;
  task: TaskRow;
  /** True when the idempotency key matched an earlier provision and nothing new was created. */
  deduplicated: boolean;
}

/** `<node>-<8 hex>`: unique per node in practice, and still a valid resource name (≤ 63). */
const generatedName = (nodeName: string) => `${nodeName.slice(0, 54)}-${randomBytes(4).toString("hex")}`;

export async function provisionInstance(ctx: OpContext, input: ProvisionInput): Promise<Provisioned> {
  const accountId = ctx.principal.accountId;
  const node = await findInAccount(ctx.db, nodes, accountId, input.node_id, "node");
  const placement = await resolvePlacement(ctx.db, accountId, input);
  // Refused here, before anything is queued, when this deployment cannot drive the provider.
  ctx.services.providers.get(placement.providerType, "instances");
  const payload = {
    provider_region_id: placement.region.id,
    instance_type_id: placement.instanceType.id,
    ...(placement.image ? { image_id: placement.image.id } : {}),
    ...(placement.zone ? { zone_code: placement.zone.zone_code } : {}),
    ...(input.spot === undefined ? {} : { spot: input.spot }),
  };

  if (input.idempotency_key) {
    const replay = await replayProvision(ctx, input.idempotency_key, node.id, payload);
    if (replay) return replay;
  }
  if (!node.enabled) {
    throw conflict(`node ${node.name} is disabled; enable it before provisioning`, { reason: "node_disabled" });
  }
  const environmentId = input.environment_id ?? node.environment_id;
  if (input.environment_id) await findInAccount(ctx.db, environments, accountId, input.environment_id, "environment");

  const [instance] = await ctx.db
    .insert(node_instances)
    .values({
      account_id: accountId,
      node_id: node.id,
      name: input.name ?? generatedName(node.name),
      variety: placement.providerType === "local" ? "local" : "cloud",
      status: "pending",
      status_changed_at: ctx.now,
      architecture: placement.architecture,
      provider_connection_id: placement.connectionId,
      provider_region_id: placement.region.id,
      provider_zone_id: placement.zone?.id ?? null,
      instance_type_id: placement.instanceType.id,
      image_id: placement.image?.id ?? null,
      boot_mode: placement.image?.boot_mode ?? null,
      environment_id: environmentId,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .returning();
  if (!instance) throw new Error("instance insert returned nothing");
  await emitEvent(ctx.db, ctx, {
    kind: "instance.created",
    payload: {
      name: instance.name,
      provider_type: placement.providerType,
      region_code: placement.region.region_code,
      instance_type_code: placement.instanceType.instance_type_code,
    },
    subject_type: "node_instance",
    subject_id: instance.id,
    node_id: node.id,
    node_instance_id: instance.id,
  });
  const { task } = await createTask(ctx, {
    subject_type: "node_instance",
    subject_id: instance.id,
    command: "provision",
    payload,
    ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
  });
  return { instance, task, deduplicated: false };
}

/** An idempotency key seen before: the same request returns the first instance and task. */
async function replayProvision(
  ctx: OpContext,
  key: string,
  nodeId: string,
  payload: Record<string, unknown>,
): Promise<Provisioned | undefined> {
  const [prior] = await ctx.db
    .select()
    .from(tasks)
    .where(and(eq(tasks.account_id, ctx.principal.accountId), eq(tasks.idempotency_key, key)))
    .limit(1);
  if (!prior) return undefined;
  const [instance] =
    prior.command === "provision" && prior.subject_type === "node_instance"
      ? await ctx.db.select().from(node_instances).where(eq(node_instances.id, prior.subject_id)).limit(1)
      : [];
  if (!instance || instance.node_id !== nodeId) {
    throw conflict("this idempotency key was used for a different request", { reason: "idempotency_mismatch" });
  }
  // createTask compares the payload hash: a different placement under the same key is a mismatch.
  const { task } = await createTask(ctx, {
    subject_type: "node_instance",
    subject_id: instance.id,
    command: "provision",
    payload,
    idempotency_key: key,
  });
  return { instance, task, deduplicated: true };
}
