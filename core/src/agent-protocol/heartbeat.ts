// Heartbeat messages (spec/agent.md §5): schema_version 1, strict, at most 64 KB on the wire.
import { z } from "zod";
import { MountMode, MountState, ProtoTimestamp, ProtoUuid, Sha256Digest } from "./primitives.ts";

export const HEARTBEAT_MAX_BYTES = 64 * 1024;
export const HEARTBEAT_SCHEMA_VERSION = 1;

export const CAPABILITY_NAMES = [
  "erofs",
  "overlayfs",
  "fsverity",
  "fsverity_tool",
  "composefs",
  "fuse",
  "mounts_permitted",
] as const;

export const HeartbeatCapabilities = z.strictObject({
  erofs: z.boolean(),
  overlayfs: z.boolean(),
  fsverity: z.boolean(),
  fsverity_tool: z.boolean(),
  composefs: z.boolean(),
  fuse: z.boolean(),
  mounts_permitted: z.boolean(),
});
export type HeartbeatCapabilities = z.infer<typeof HeartbeatCapabilities>;

const count = z.int().min(0);

export const HeartbeatRequest = z.strictObject({
  schema_version: z.literal(HEARTBEAT_SCHEMA_VERSION),
  seq: count,
  boot_id: z.string().min(1).max(64),
  agent_version: z.string().min(1).max(64),
  architecture: z.enum(["amd64", "arm64"]),
  uptime_seconds: z.number().min(0),
  module_digests: z.record(ProtoUuid, Sha256Digest).optional(),
  mount_state: MountState.optional(),
  mount_mode: MountMode.optional(),
  load_average: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]).optional(),
  memory_free_kb: count.optional(),
  persist_free_kb: count.optional(),
  booted_image_git_sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, "must be a hex git SHA")
    .optional(),
  capabilities: HeartbeatCapabilities.optional(),
  lkg: z
    .strictObject({
      present: z.boolean(),
      confirmed_at: ProtoTimestamp.nullable().optional(),
      module_count: count,
      booted_from_lkg: z.boolean(),
      age_seconds: count.nullable().optional(),
    })
    .optional(),
  boot_incomplete: z.boolean().optional(),
  active_leases: z
    .array(z.strictObject({ task_id: ProtoUuid, lease_id: ProtoUuid, progress: z.int().min(0).max(100).optional() }))
    .max(64)
    .optional(),
  verification_audit: z
    .array(
      z.strictObject({
        stage: z.string().min(1).max(64),
        digest: z.string().min(1).max(80),
        reason: z.string().min(1).max(500),
        count: z.int().min(1),
        first_seen: ProtoTimestamp,
        last_seen: ProtoTimestamp,
      }),
    )
    .max(100)
    .optional(),
  outbox_depth: count.optional(),
  dropped_events: count.optional(),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HEARTBEAT_ACTIONS = ["rotate_certificate", "resync_modules"] as const;

export const HeartbeatResponse = z.strictObject({
  server_time: ProtoTimestamp,
  next_heartbeat_seconds: z.int().min(5).max(300),
  tasks_pending: count,
  assignments_revision: z.string(),
  renewed_leases: z.array(z.strictObject({ task_id: ProtoUuid, lease_expires_at: ProtoTimestamp })),
  lost_leases: z.array(z.strictObject({ task_id: ProtoUuid, reason: z.string() })),
  actions: z.array(z.enum(HEARTBEAT_ACTIONS)),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;
