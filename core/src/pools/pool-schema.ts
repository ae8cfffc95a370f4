// Public shapes of instance pools and their members, and the derived counts (spec/domain.md §1.6):
// deficit = max(target − (ready + warming), 0) and surplus = ready − target.
import type { instance_pool_members, instance_pools } from "@nodepilot/store";
import { z } from "zod";
import { NullableTimestamp, Timestamp, toJson, Uuid } from "../schemas/common.ts";

export type PoolRow = typeof instance_pools.$inferSelect;
export type MemberRow = typeof instance_pool_members.$inferSelect;

export const MEMBER_STATES = ["warming", "ready", "claimed", "draining", "errored", "removed"] as const;
export type MemberCounts = Record<(typeof MEMBER_STATES)[number], number>;

const Seconds = z
  .number()
  .int()
  .min(1)
  .max(30 * 86400);

/** The allow-listed keys of `instance_pools.metadata`, with their defaults. */
export const PoolMetadata = z.strictObject({
  warming_timeout_seconds: Seconds.default(900).describe("A warming member not ready by then is errored."),
  ready_ttl_seconds: Seconds.optional().describe("Recycle ready members older than this."),
  claimed_ttl_seconds: Seconds.optional().describe("Default claim lifetime; absent means claims never expire."),
  reuse_without_reset: z.boolean().default(false).describe("Allow release with disposition reuse."),
  errored_terminate_max_attempts: z.number().int().min(1).max(50).default(5),
});

export const MemberCountsSchema = z.strictObject(
  Object.fromEntries(MEMBER_STATES.map((s) => [s, z.number().int()])) as Record<
    (typeof MEMBER_STATES)[number],
    z.ZodNumber
  >,
);

export const PoolSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  node_template_id: Uuid,
  provider_region_id: Uuid.nullable(),
  instance_type_id: Uuid.nullable(),
  preferred_regions: z.array(z.string()),
  lifecycle_class: z.enum(["ephemeral", "spot"]),
  target_size: z.number().int(),
  min_size: z.number().int(),
  max_size: z.number().int(),
  status: z.enum(["active", "paused", "draining", "archived"]),
  last_replenished_at: NullableTimestamp,
  environment_id: Uuid.nullable(),
  metadata: PoolMetadata,
  counts: MemberCountsSchema,
  deficit: z.number().int(),
  surplus: z.number().int().describe("ready − target; negative when short of ready members."),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type PoolOut = z.infer<typeof PoolSchema>;

export const MemberSchema = z.strictObject({
  id: Uuid,
  instance_pool_id: Uuid,
  node_instance_id: Uuid,
  node_id: Uuid,
  instance_status: z.string(),
  last_heartbeat_at: NullableTimestamp,
  state: z.enum(MEMBER_STATES),
  warming_started_at: Timestamp,
  ready_at: NullableTimestamp,
  claimed_at: NullableTimestamp,
  claimed_by_type: z.enum(["user", "token", "task", "skill"]).nullable(),
  claimed_by_id: z.string().nullable(),
  claim_expires_at: NullableTimestamp,
  terminate_attempts: z.number().int(),
  last_error: z.string().nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type MemberOut = z.infer<typeof MemberSchema>;

export const emptyCounts = (): MemberCounts => ({
  warming: 0,
  ready: 0,
  claimed: 0,
  draining: 0,
  errored: 0,
  removed: 0,
});

export function derive(counts: MemberCounts, target: number): { deficit: number; surplus: number } {
  return { deficit: Math.max(target - (counts.ready + counts.warming), 0), surplus: counts.ready - target };
}

/** Members that still hold (or are about to hold) a machine. */
export const liveMembers = (c: MemberCounts) => c.warming + c.ready + c.claimed + c.draining + c.errored;

export function poolOut(row: PoolRow, counts: MemberCounts): PoolOut {
  const { account_id: _a, metadata, ...rest } = row;
  return toJson({ ...rest, metadata: PoolMetadata.parse(metadata), counts, ...derive(counts, row.target_size) });
}

export interface MemberWithInstance {
  member: MemberRow;
  node_id: string;
  instance_status: string;
  last_heartbeat_at: Date | null;
}

export function memberOut(m: MemberWithInstance): MemberOut {
  const { account_id: _a, ...rest } = m.member;
  return toJson({
    ...rest,
    node_id: m.node_id,
    instance_status: m.instance_status,
    last_heartbeat_at: m.last_heartbeat_at,
  });
}
