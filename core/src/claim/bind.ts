// Claiming and forgetting unclaimed devices (spec/mcp.md §6 unclaimed_device.claim): the operator
// types the code a box shows, and the box becomes a physical instance of an existing node or of a
// node created on the spot, all in the operation's transaction. The box's next poll picks up its
// bootstrap token (poll.ts), so the token's hour starts when the box is there to use it.
import { randomBytes } from "node:crypto";
import { bootstrap_tokens, node_instances, nodes, unclaimed_devices } from "@nodepilot/store";
import { and, eq, isNull } from "drizzle-orm";
import type { OpContext } from "../catalog/context.ts";
import { AppError, conflict, invalidInput, notFound } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import type { InstanceRow } from "../instances/instance-schema.ts";
import { transitionInstance } from "../instances/lifecycle.ts";
import { findInAccount } from "../lib/find.ts";
import { nodeCreate } from "../operations/node.ts";
import { ResourceName } from "../schemas/common.ts";
import { hashClaimCode, normalizeClaimCode } from "./claim-code.ts";
import { type DeviceStatus, type DeviceWithToken, deviceStatus, selectDevices } from "./device-schema.ts";

export interface NewNodeInput {
  name: string;
  node_template_id: string;
  environment_id?: string | undefined;
  description?: string | undefined;
}

export interface ClaimDeviceInput {
  claim_code: string;
  node_id?: string | undefined;
  node?: NewNodeInput | undefined;
  instance_name?: string | undefined;
}

export async function loadDevice(ctx: OpContext, id: string, forUpdate = false): Promise<DeviceWithToken> {
  const q = selectDevices(ctx.db)
    .where(and(eq(unclaimed_devices.id, id), eq(unclaimed_devices.account_id, ctx.principal.accountId)))
    .limit(1);
  const [row] = forUpdate ? await q.for("update", { of: unclaimed_devices }) : await q;
  if (!row) throw notFound("unclaimed device", id);
  return row;
}

export async function claimDevice(
  ctx: OpContext,
  input: ClaimDeviceInput,
): Promise<{ device: DeviceWithToken; instance: InstanceRow }> {
  if ((input.node_id === undefined) === (input.node === undefined)) {
    const message = "give exactly one of node_id (an existing node) or node (a node to create)";
    throw invalidInput(message, [{ path: input.node_id === undefined ? "node_id" : "node", message }]);
  }
  const code = normalizeClaimCode(input.claim_code);
  if (!code) {
    const message = "must be the 8-character code the device shows (letters and digits, dashes optional)";
    throw invalidInput(`claim_code: ${message}`, [{ path: "claim_code", message }]);
  }
  const [found] = await selectDevices(ctx.db)
    .where(
      and(
        eq(unclaimed_devices.account_id, ctx.principal.accountId),
        eq(unclaimed_devices.claim_code, hashClaimCode(code)),
      ),
    )
    .limit(1)
    .for("update", { of: unclaimed_devices });
  // One answer for "no such code" and "forgotten": the code is the only thing the caller knows.
  if (!found || found.expires_at <= ctx.now) {
    throw new AppError("not_found", "no unclaimed device shows this claim code", { reason: "unknown_claim_code" });
  }
  if (found.claimed_node_instance_id) {
    throw conflict(`this device was already claimed as instance ${found.claimed_node_instance_id}`, {
      reason: "already_claimed",
      current_state: deviceStatus(found),
      details: { instance_id: found.claimed_node_instance_id },
    });
  }

  const node = input.node_id
    ? await findInAccount(ctx.db, nodes, ctx.principal.accountId, input.node_id, "node")
    : await nodeCreate.execute(ctx, nodeCreate.input.parse(input.node));
  if (!node.enabled) {
    throw conflict(`node ${node.name} is disabled; enable it before claiming a device for it`, {
      reason: "node_disabled",
    });
  }
  const architecture = found.architecture === "arm64" ? "arm64" : "amd64";
  const [created] = await ctx.db
    .insert(node_instances)
    .values({
      account_id: ctx.principal.accountId,
      node_id: node.id,
      name: input.instance_name ?? (await defaultName(ctx, node.id, node.name, found.discovered_hostname)),
      variety: "physical",
      status: "pending",
      status_changed_at: ctx.now,
      architecture,
      environment_id: node.environment_id,
      claim_code: found.claim_code,
      claimed_at: ctx.now,
      discovered_dmi_uuid: found.discovered_dmi_uuid,
      discovered_hostname: found.discovered_hostname,
      discovered_mac: found.discovered_mac,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .returning();
  if (!created) throw new Error("instance insert returned nothing");
  await emitEvent(ctx.db, ctx, {
    kind: "instance.created",
    payload: { name: created.name, variety: "physical", unclaimed_device_id: found.id },
    subject_type: "node_instance",
    subject_id: created.id,
    node_id: node.id,
    node_instance_id: created.id,
  });
  // The box exists and is booting: it is provisioning until its first heartbeat marks it running.
  const instance = await transitionInstance(ctx.db, ctx, created, "provision", { reason: "claimed" });
  const [bound] = await ctx.db
    .update(unclaimed_devices)
    .set({ claimed_node_instance_id: instance.id })
    .where(and(eq(unclaimed_devices.id, found.id), isNull(unclaimed_devices.claimed_node_instance_id)))
    .returning();
  if (!bound) throw conflict("this device was claimed concurrently", { reason: "already_claimed" });
  await emitEvent(ctx.db, ctx, {
    kind: "unclaimed_device.claimed",
    payload: {
      node_id: node.id,
      node_instance_id: instance.id,
      mac: found.discovered_mac,
      dmi_uuid: found.discovered_dmi_uuid,
      hostname: found.discovered_hostname,
    },
    subject_type: "unclaimed_device",
    subject_id: found.id,
    node_id: node.id,
    node_instance_id: instance.id,
  });
  return { device: { ...bound, token_created_at: null, token_consumed_at: null }, instance };
}

/** The box's hostname when it is a valid, free instance name on the node; else `<node>-<8 hex>`. */
async function defaultName(ctx: OpContext, nodeId: string, nodeName: string, hostname: string | null) {
  const candidate = hostname?.toLowerCase().split(".")[0];
  if (candidate && ResourceName.safeParse(candidate).success) {
    const [taken] = await ctx.db
      .select({ id: node_instances.id })
      .from(node_instances)
      .where(and(eq(node_instances.node_id, nodeId), eq(node_instances.name, candidate)))
      .limit(1);
    if (!taken) return candidate;
  }
  return `${nodeName.slice(0, 54)}-${randomBytes(4).toString("hex")}`;
}

/**
 * Forgets a device. A token handed out but not yet used is revoked with it, so a claim can be
 * taken back before the box enrolls; the instance itself is kept (terminate it separately). A box
 * still polling comes back as a new pending device under a new code.
 */
export async function forgetDevice(
  ctx: OpContext,
  id: string,
): Promise<{ status: DeviceStatus; tokenRevoked: boolean }> {
  const device = await loadDevice(ctx, id, true);
  let tokenRevoked = false;
  if (device.bootstrap_token_id) {
    const revoked = await ctx.db
      .update(bootstrap_tokens)
      .set({ revoked_at: ctx.now })
      .where(
        and(
          eq(bootstrap_tokens.id, device.bootstrap_token_id),
          isNull(bootstrap_tokens.consumed_at),
          isNull(bootstrap_tokens.revoked_at),
        ),
      )
      .returning({ id: bootstrap_tokens.id });
    tokenRevoked = revoked.length > 0;
  }
  await ctx.db.delete(unclaimed_devices).where(eq(unclaimed_devices.id, device.id));
  const status = deviceStatus(device);
  await emitEvent(ctx.db, ctx, {
    kind: "unclaimed_device.forgotten",
    severity: tokenRevoked ? "medium" : "low",
    payload: {
      status,
      mac: device.discovered_mac,
      dmi_uuid: device.discovered_dmi_uuid,
      token_revoked: tokenRevoked,
    },
    subject_type: "unclaimed_device",
    subject_id: device.id,
    ...(device.claimed_node_instance_id ? { node_instance_id: device.claimed_node_instance_id } : {}),
  });
  return { status, tokenRevoked };
}
