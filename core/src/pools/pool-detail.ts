// The full read of one pool shared by pool.get and the pool actions: the row with its derived
// counts plus up to 50 members (live ones first), each joined with its instance.
import { instance_pools } from "@nodepilot/store";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { findInAccount } from "../lib/find.ts";
import { listMembers, memberCounts } from "./pool-queries.ts";
import { emptyCounts, MemberSchema, memberOut, type PoolRow, PoolSchema, poolOut } from "./pool-schema.ts";

const MEMBER_PAGE = 50;

export const PoolDetailSchema = z.strictObject({
  ...PoolSchema.shape,
  members: z.array(MemberSchema),
  members_truncated: z.boolean(),
});

export async function poolDetail(ctx: OpContext, pool: PoolRow): Promise<z.infer<typeof PoolDetailSchema>> {
  const counts = (await memberCounts(ctx.db, ctx.principal.accountId, [pool.id])).get(pool.id);
  const members = await listMembers(ctx.db, ctx.principal.accountId, pool.id, MEMBER_PAGE + 1);
  return {
    ...poolOut(pool, counts ?? emptyCounts()),
    members: members.slice(0, MEMBER_PAGE).map(memberOut),
    members_truncated: members.length > MEMBER_PAGE,
  };
}

export const loadPool = (ctx: OpContext, id: string, forUpdate = false) =>
  findInAccount(ctx.db, instance_pools, ctx.principal.accountId, id, "instance pool", { forUpdate });

/** Counts of one pool's members by state. */
export async function countsOf(ctx: OpContext, poolId: string) {
  return (await memberCounts(ctx.db, ctx.principal.accountId, [poolId])).get(poolId) ?? emptyCounts();
}
