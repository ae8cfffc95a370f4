// The public shape of an unclaimed device. The claim code and the sealed token never leave the
// store: an operator proves they saw the box by typing its code, so listing codes would defeat it.
import { bootstrap_tokens, type DbOrTx, unclaimed_devices } from "@nodepilot/store";
import { and, eq, getTableColumns, isNotNull, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import { NullableTimestamp, Timestamp, Uuid } from "../schemas/common.ts";

export const DEVICE_STATUSES = ["pending", "claimed", "enrolled"] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

export const DeviceSchema = z.strictObject({
  id: Uuid,
  status: z
    .enum(DEVICE_STATUSES)
    .describe("pending: waiting for a claim; claimed: bound to an instance, not yet enrolled; enrolled: done."),
  discovered_mac: z.string(),
  discovered_dmi_uuid: z.string(),
  discovered_hostname: z.string().nullable(),
  platform_hint: z.string().nullable(),
  architecture: z.string().nullable(),
  agent_version: z.string().nullable(),
  first_seen_at: Timestamp,
  last_seen_at: Timestamp,
  expires_at: Timestamp,
  claimed_node_instance_id: Uuid.nullable(),
  token_delivered_at: NullableTimestamp.describe("When the box picked up its bootstrap token."),
  created_at: Timestamp,
});
export type DeviceOut = z.infer<typeof DeviceSchema>;

type DeviceRow = typeof unclaimed_devices.$inferSelect;
export type DeviceWithToken = DeviceRow & { token_created_at: Date | null; token_consumed_at: Date | null };

export function deviceStatus(d: DeviceWithToken): DeviceStatus {
  if (!d.claimed_node_instance_id) return "pending";
  return d.token_consumed_at ? "enrolled" : "claimed";
}

export function deviceOut(d: DeviceWithToken): DeviceOut {
  return {
    id: d.id,
    status: deviceStatus(d),
    discovered_mac: d.discovered_mac,
    discovered_dmi_uuid: d.discovered_dmi_uuid,
    discovered_hostname: d.discovered_hostname,
    platform_hint: d.platform_hint,
    architecture: d.architecture,
    agent_version: d.agent_version,
    first_seen_at: d.first_seen_at.toISOString(),
    last_seen_at: d.last_seen_at.toISOString(),
    expires_at: d.expires_at.toISOString(),
    claimed_node_instance_id: d.claimed_node_instance_id,
    token_delivered_at: d.token_created_at?.toISOString() ?? null,
    created_at: d.created_at.toISOString(),
  };
}

/** Devices with the state of the bootstrap token they were handed, for status and display. */
export function selectDevices(db: DbOrTx) {
  return db
    .select({
      ...getTableColumns(unclaimed_devices),
      token_created_at: bootstrap_tokens.created_at,
      token_consumed_at: bootstrap_tokens.consumed_at,
    })
    .from(unclaimed_devices)
    .leftJoin(bootstrap_tokens, eq(bootstrap_tokens.id, unclaimed_devices.bootstrap_token_id));
}

export function statusFilter(status: DeviceStatus): SQL {
  switch (status) {
    case "pending":
      return isNull(unclaimed_devices.claimed_node_instance_id);
    case "claimed":
      return and(isNotNull(unclaimed_devices.claimed_node_instance_id), isNull(bootstrap_tokens.consumed_at)) as SQL;
    case "enrolled":
      return and(isNotNull(unclaimed_devices.claimed_node_instance_id), isNotNull(bootstrap_tokens.consumed_at)) as SQL;
  }
}
