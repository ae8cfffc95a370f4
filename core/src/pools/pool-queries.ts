// Reads shared by the pool operations: member counts per pool, members joined with their instance,
// and a member looked up by its own id or by its instance's id.
import { type DbOrTx, instance_pool_members, node_instances } from "@nodepilot/store";
import { and, asc, count, eq, inArray, type SQL, sql } from "drizzle-orm";
import { notFound } from "../errors.ts";
import { emptyCounts, type MemberCounts, type MemberWithInstance } from "./pool-schema.ts";

export async function memberCounts(
  db: DbOrTx,
  accountId: string,
  poolIds: string[],
): Promise<Map<string, MemberCounts>> {
  const out = new Map<string, MemberCounts>(poolIds.map((id) => [id, emptyCounts()]));
  if (poolIds.length === 0) return out;
  const rows = await db
    .select({ pool: instance_pool_members.instance_pool_id, state: instance_pool_members.state, n: count() })
    .from(instance_pool_members)
    .where(
      and(eq(instance_pool_members.account_id, accountId), inArray(instance_pool_members.instance_pool_id, poolIds)),
    )
    .groupBy(instance_pool_members.instance_pool_id, instance_pool_members.state);
  for (const r of rows) {
    const c = out.get(r.pool);
    if (c) c[r.state] = r.n;
  }
  return out;
}

const withInstance = {
  member: instance_pool_members,
  node_id: node_instances.node_id,
  instance_status: node_instances.status,
  last_heartbeat_at: node_instances.last_heartbeat_at,
};

/** Up to `limit` members, live ones first, each oldest first by warming start. */
export async function listMembers(
  db: DbOrTx,
  accountId: string,
  poolId: string,
  limit: number,
): Promise<MemberWithInstance[]> {
  return db
    .select(withInstance)
    .from(instance_pool_members)
    .innerJoin(node_instances, eq(node_instances.id, instance_pool_members.node_instance_id))
    .where(and(eq(instance_pool_members.account_id, accountId), eq(instance_pool_members.instance_pool_id, poolId)))
    .orderBy(
      sql`(${instance_pool_members.state} = 'removed')`,
      asc(instance_pool_members.warming_started_at),
      asc(instance_pool_members.id),
    )
    .limit(limit);
}

export async function memberWithInstance(db: DbOrTx, memberId: string): Promise<MemberWithInstance> {
  const [row] = await db
    .select(withInstance)
    .from(instance_pool_members)
    .innerJoin(node_instances, eq(node_instances.id, instance_pool_members.node_instance_id))
    .where(eq(instance_pool_members.id, memberId))
    .limit(1);
  if (!row) throw notFound("pool member", memberId);
  return row;
}

/** Lock one member of the account, named by its id or its instance's id. */
export async function lockMember(
  db: DbOrTx,
  accountId: string,
  by: { member_id?: string | undefined; instance_id?: string | undefined },
) {
  const key: SQL = by.member_id
    ? eq(instance_pool_members.id, by.member_id)
    : eq(instance_pool_members.node_instance_id, by.instance_id ?? "");
  const [row] = await db
    .select()
    .from(instance_pool_members)
    .where(and(key, eq(instance_pool_members.account_id, accountId)))
    .limit(1)
    .for("update");
  if (!row) throw notFound(by.member_id ? "pool member" : "pool member for instance", by.member_id ?? by.instance_id);
  return row;
}
