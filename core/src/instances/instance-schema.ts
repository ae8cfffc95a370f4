// The public shape of a node_instance row, shared by the instance operations and anything that
// returns an instance (pools, skills). Identity secrets (claim codes) never leave the store.
import type { node_instances } from "@nodepilot/store";
import { z } from "zod";
import { INSTANCE_STATES } from "../machines/instance-machine.ts";
import { NullableTimestamp, Timestamp, toJson, Uuid } from "../schemas/common.ts";

export type InstanceRow = typeof node_instances.$inferSelect;

const Hold = z.strictObject({ by: z.string(), reason: z.string(), at: Timestamp });

export const InstanceSchema = z.strictObject({
  id: Uuid,
  node_id: Uuid,
  name: z.string(),
  variety: z.enum(["cloud", "physical", "local"]),
  status: z.enum(INSTANCE_STATES),
  status_changed_at: Timestamp,
  status_reason: z.string().nullable(),
  architecture: z.enum(["amd64", "arm64"]),
  network_profile: z.enum(["lightweight", "heavyweight"]),
  provider_connection_id: Uuid.nullable(),
  provider_region_id: Uuid.nullable(),
  provider_zone_id: Uuid.nullable(),
  instance_type_id: Uuid.nullable(),
  image_id: Uuid.nullable(),
  cloud_instance_id: z.string().nullable(),
  boot_mode: z.enum(["direct_kernel", "uefi_disk", "cloud_init"]).nullable(),
  environment_id: Uuid.nullable(),
  private_ip: z.string().nullable(),
  public_ip: z.string().nullable(),
  vpn_ip: z.string().nullable(),
  mac_address: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  last_heartbeat_at: NullableTimestamp,
  agent_version: z.string().nullable(),
  boot_id: z.string().nullable(),
  booted_image_git_sha: z.string().nullable(),
  running_module_digests: z.record(z.string(), z.string()),
  capabilities: z.array(z.string()),
  mount_mode: z.enum(["kernel", "fuse", "extracted"]).nullable(),
  last_synced_at: NullableTimestamp,
  claimed_at: NullableTimestamp,
  discovered_dmi_uuid: z.string().nullable(),
  discovered_hostname: z.string().nullable(),
  discovered_mac: z.string().nullable(),
  hold: Hold.nullable(),
  cordoned_at: NullableTimestamp,
  config: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type InstanceOut = z.infer<typeof InstanceSchema>;

export function instanceOut(row: InstanceRow): InstanceOut {
  const { account_id: _a, claim_code: _c, ...rest } = row;
  return toJson(rest) as InstanceOut;
}
