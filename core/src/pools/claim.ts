// Atomic claims on warm capacity (spec/domain.md §2.3): the oldest ready member by warming start is
// taken with FOR UPDATE SKIP LOCKED, so concurrent acquires never get the same member and never wait
// on each other; release hands the member back for recycling or, when the pool allows, for reuse.
import { instance_pool_members, instance_pools, node_instances } from "@nodepilot/store";
import { and, asc, eq, inArray, type SQL } from "drizzle-orm";
import { hasScope } from "../auth/scopes.ts";
import type { OpContext } from "../catalog/context.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { findInAccount } from "../lib/find.ts";
import { HEARTBEAT_STALE_AFTER_MS } from "../machines/instance-machine.ts";
import { mustTransition } from "../machines/machine.ts";
import { type MemberState, poolMemberMachine } from "../machines/pool-member-machine.ts";
import { transitionMember } from "./member-transition.ts";
import { lockMember } from "./pool-queries.ts";
import { type MemberRow, PoolMetadata } from "./pool-schema.ts";
import { terminateMemberInstance } from "./terminate-member.ts";

export interface PoolSelector {
  pool_id?: string | undefined;
  pool_name?: string | undefined;
  lifecycle_class?: "ephemeral" | "spot" | undefined;
}

// Operators reach the catalog as users or tokens; other actors run on behalf of a skill.
function claimer(ctx: OpContext): { type: "user" | "token" | "task" | "skill"; id: string } {
  const t = ctx.principal.actorType;
  return { type: t === "user" || t === "token" ? t : "skill", id: ctx.principal.actorId };
}

async function poolFilter(ctx: OpContext, sel: PoolSelector): Promise<SQL> {
  if (sel.pool_id) {
    await findInAccount(ctx.db, instance_pools, ctx.principal.accountId, sel.pool_id, "instance pool");
    return eq(instance_pools.id, sel.pool_id);
  }
  if (sel.pool_name) {
    const [pool] = await ctx.db
      .select({ id: instance_pools.id })
      .from(instance_pools)
      .where(and(eq(instance_pools.account_id, ctx.principal.accountId), eq(instance_pools.name, sel.pool_name)))
      .limit(1);
    if (!pool) throw notFound("instance pool", sel.pool_name);
    return eq(instance_pools.id, pool.id);
  }
  return eq(instance_pools.lifecycle_class, sel.lifecycle_class ?? "ephemeral");
}

export async function claimReadyMember(
  ctx: OpContext,
  sel: PoolSelector,
  ttlSeconds: number | undefined,
): Promise<MemberRow> {
  const filter = await poolFilter(ctx, sel);
  const [candidate] = await ctx.db
    .select({ member: instance_pool_members, metadata: instance_pools.metadata })
    .from(instance_pool_members)
    .innerJoin(instance_pools, eq(instance_pools.id, instance_pool_members.instance_pool_id))
    .where(
      and(
        eq(instance_pool_members.account_id, ctx.principal.accountId),
        eq(instance_pool_members.state, "ready"),
        // Paused pools stop replenishing but still serve claims; draining and archived ones do not.
        inArray(instance_pools.status, ["active", "paused"]),
        filter,
      ),
    )
    .orderBy(asc(instance_pool_members.warming_started_at), asc(instance_pool_members.id))
    .limit(1)
    .for("update", { of: instance_pool_members, skipLocked: true });
  if (!candidate) {
    throw conflict("no ready member is available to claim", { reason: "no_ready_members", details: { selector: sel } });
  }
  const ttl = ttlSeconds ?? PoolMetadata.parse(candidate.metadata).claimed_ttl_seconds;
  const who = claimer(ctx);
  return transitionMember(ctx.db, ctx, candidate.member, "claim", {
    kind: "pool.member_claimed",
    set: {
      claimed_at: ctx.now,
      claimed_by_type: who.type,
      claimed_by_id: who.id,
      claim_expires_at: ttl === undefined ? null : new Date(ctx.now.getTime() + ttl * 1000),
    },
    payload: { claimed_by_type: who.type, claimed_by_id: who.id },
  });
}

export interface ReleaseRequest {
  member_id?: string | undefined;
  instance_id?: string | undefined;
  disposition: "recycle" | "reuse";
}

/** Why a reuse release is refused, or null when the member may go straight back to ready. */
function reuseRefusal(reuseAllowed: boolean, status: string, heartbeat: Date | null, now: Date): string | null {
  if (!reuseAllowed) return "the pool's metadata.reuse_without_reset is false";
  if (status !== "running") return `the instance is ${status}, not running`;
  if (!heartbeat || now.getTime() - heartbeat.getTime() > HEARTBEAT_STALE_AFTER_MS)
    return "the instance's heartbeat is stale";
  return null;
}

export async function releaseMember(
  ctx: OpContext,
  req: ReleaseRequest,
): Promise<{ member: MemberRow; task_id: string | null }> {
  const member = await lockMember(ctx.db, ctx.principal.accountId, req);
  mustTransition(
    poolMemberMachine,
    member.state as MemberState,
    req.disposition === "reuse" ? "release_reuse" : "release",
    `pool member ${member.id}`,
  );
  const who = claimer(ctx);
  const isClaimer = member.claimed_by_type === who.type && member.claimed_by_id === who.id;
  if (!isClaimer && !hasScope(ctx.principal.scopes, ctx.principal.role, "fleet:admin")) {
    throw forbidden("only the claimer or a fleet:admin caller may release this member", {
      reason: "not_claimer",
      details: { claimed_by_type: member.claimed_by_type },
    });
  }
  if (req.disposition === "reuse") {
    const [row] = await ctx.db
      .select({
        metadata: instance_pools.metadata,
        status: node_instances.status,
        heartbeat: node_instances.last_heartbeat_at,
      })
      .from(instance_pools)
      .innerJoin(node_instances, eq(node_instances.id, member.node_instance_id))
      .where(eq(instance_pools.id, member.instance_pool_id))
      .limit(1);
    const refusal = row
      ? reuseRefusal(PoolMetadata.parse(row.metadata).reuse_without_reset, row.status, row.heartbeat, ctx.now)
      : "the member's pool is gone";
    if (refusal) {
      throw conflict(`cannot reuse pool member ${member.id}: ${refusal}; release with disposition recycle`, {
        reason: "reuse_not_allowed",
        current_state: member.state,
      });
    }
    const released = await transitionMember(ctx.db, ctx, member, "release_reuse", {
      kind: "pool.member_released",
      set: { ready_at: ctx.now, claimed_at: null, claimed_by_type: null, claimed_by_id: null, claim_expires_at: null },
      payload: { disposition: "reuse" },
    });
    return { member: released, task_id: null };
  }
  // The claimer fields stay as history; only the expiry goes, so the claim sweeper ignores the member.
  const released = await transitionMember(ctx.db, ctx, member, "release", {
    kind: "pool.member_released",
    set: { claim_expires_at: null },
    payload: { disposition: "recycle" },
  });
  const taskId = await terminateMemberInstance(ctx, member.node_instance_id, "pool_release");
  return { member: released, task_id: taskId };
}
