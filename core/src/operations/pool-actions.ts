// Pool actions (spec/domain.md §2.3): lifecycle steps through the pool machine, and the atomic
// claim and release of members. Grouped into poolOperations by pool.ts.
import { node_instances } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { conflict, invalidInput } from "../errors.ts";
import { InstanceSchema, instanceOut } from "../instances/instance-schema.ts";
import type { PoolEvent } from "../machines/pool-member-machine.ts";
import { claimReadyMember, releaseMember } from "../pools/claim.ts";
import { countsOf, loadPool, PoolDetailSchema, poolDetail } from "../pools/pool-detail.ts";
import { drainMembers, transitionPool } from "../pools/pool-lifecycle.ts";
import { memberWithInstance } from "../pools/pool-queries.ts";
import { liveMembers, MemberSchema, memberOut } from "../pools/pool-schema.ts";
import { IdempotencyKey, IdInput, ResourceName, Uuid } from "../schemas/common.ts";

export const LifecycleClass = z.enum(["ephemeral", "spot"]);

/** Refuse to retire a pool whose members still hold machines. */
export function assertNoLiveMembers(pool: { name: string; status: string }, counts: Parameters<typeof liveMembers>[0]) {
  if (liveMembers(counts) > 0) {
    throw conflict(`pool ${pool.name} still has ${liveMembers(counts)} members that are not removed`, {
      reason: "in_use",
      current_state: pool.status,
      details: { counts },
    });
  }
}

interface LifecycleSpec {
  event: PoolEvent;
  title: string;
  description: string;
  phrases: [string, string];
  effect: "write" | "destructive";
}

function lifecycleOperation(spec: LifecycleSpec) {
  return defineOperation({
    name: `pool.${spec.event}`,
    title: spec.title,
    description: spec.description,
    examples: spec.phrases.map((phrase) => ({ phrase, input: { id: "<pool id>" } })),
    input: z.strictObject(IdInput),
    output: z.strictObject({ ...PoolDetailSchema.shape, terminate_task_ids: z.array(Uuid) }),
    scope: spec.effect === "write" ? "fleet:write" : "fleet:admin",
    effect: spec.effect,
    actionCategory: `pool.${spec.event}`,
    idempotent: true,
    http: { method: "POST", path: `/instance_pools/:id/${spec.event}`, status: 200 },
    async execute(ctx, input) {
      const pool = await loadPool(ctx, input.id, true);
      if (spec.event === "archive") assertNoLiveMembers(pool, await countsOf(ctx, pool.id));
      const moved = await transitionPool(ctx, pool, spec.event);
      const terminate_task_ids = spec.event === "drain" ? await drainMembers(ctx, moved) : [];
      return { ...(await poolDetail(ctx, moved)), terminate_task_ids };
    },
  });
}

export const poolPause = lifecycleOperation({
  event: "pause",
  title: "Pause an instance pool",
  description:
    "Stop replenishing a pool (active → paused). Ready members stay claimable. Undo with pool.resume. Refused with conflict/invalid_transition from any other state.",
  phrases: ["pause pool ci-runners", "stop warming new machines for this pool"],
  effect: "write",
});

export const poolResume = lifecycleOperation({
  event: "resume",
  title: "Resume an instance pool",
  description:
    "Make a paused or draining pool active again (→ active); the replenisher then warms it back to target. Refused with conflict/invalid_transition from any other state.",
  phrases: ["resume pool ci-runners", "start warming this pool again"],
  effect: "write",
});

export const poolDrain = lifecycleOperation({
  event: "drain",
  title: "Drain an instance pool",
  description:
    "Wind a pool down (active or paused → draining): replenishment stops and the machines of ready and warming members are terminated (held instances are skipped); claimed members are kept until released. Returns the terminate task ids. Follow with pool.archive once every member is removed, or pool.resume to undo.",
  phrases: ["drain pool ci-runners", "shut down the idle machines of this pool"],
  effect: "destructive",
});

export const poolArchive = lifecycleOperation({
  event: "archive",
  title: "Archive an instance pool",
  description:
    "Retire a paused or draining pool for good (→ archived, final). Refused with conflict/in_use while any member is not removed: drain it first and wait for terminations.",
  phrases: ["archive pool ci-runners", "retire this drained pool"],
  effect: "destructive",
});

const exactlyOne = (input: Record<string, unknown>, keys: string[]) => {
  const given = keys.filter((k) => input[k] !== undefined);
  if (given.length !== 1) {
    const message = `give exactly one of ${keys.join(", ")}`;
    throw invalidInput(
      message,
      (given.length ? given : keys).map((path) => ({ path, message })),
    );
  }
};

export const poolAcquire = defineOperation({
  name: "pool.acquire",
  title: "Claim a ready pool member",
  description:
    "Atomically claim the oldest ready member of a pool, chosen by exactly one of pool_id, pool_name or lifecycle_class (any active or paused pool of that class). Concurrent callers never get the same member. The claim records you as the claimer and expires after claim_ttl_seconds (default: the pool's claimed_ttl_seconds; none means no expiry). Returns the member and its running instance. Refused with conflict/no_ready_members when nothing is ready. Give it back with pool.release.",
  examples: [
    { phrase: "get me a machine from pool ci-runners", input: { pool_name: "ci-runners" } },
    { phrase: "claim a spot instance for 30 minutes", input: { lifecycle_class: "spot", claim_ttl_seconds: 1800 } },
  ],
  input: z.strictObject({
    pool_id: Uuid.optional(),
    pool_name: ResourceName.optional(),
    lifecycle_class: LifecycleClass.optional(),
    claim_ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86400)
      .optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: z.strictObject({ pool_id: Uuid, member: MemberSchema, instance: InstanceSchema }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "pool.acquire",
  idempotent: false,
  http: { method: "POST", path: "/instance_pools/acquire", status: 200 },
  async execute(ctx, input) {
    exactlyOne(input, ["pool_id", "pool_name", "lifecycle_class"]);
    const member = await claimReadyMember(ctx, input, input.claim_ttl_seconds);
    const [instance] = await ctx.db
      .select()
      .from(node_instances)
      .where(eq(node_instances.id, member.node_instance_id))
      .limit(1);
    if (!instance) throw new Error(`claimed member ${member.id} has no instance`);
    return {
      pool_id: member.instance_pool_id,
      member: memberOut(await memberWithInstance(ctx.db, member.id)),
      instance: instanceOut(instance),
    };
  },
});

export const poolRelease = defineOperation({
  name: "pool.release",
  title: "Release a claimed pool member",
  description:
    "Give back a member you claimed with pool.acquire, named by member_id or instance_id. disposition recycle (default) terminates its machine; reuse returns it to ready without a reset, allowed only when the pool's metadata.reuse_without_reset is true and the instance is running with a fresh heartbeat (conflict/reuse_not_allowed otherwise). Only the claimer or a fleet:admin caller may release. Returns the member and the terminate task id (null for reuse).",
  examples: [
    { phrase: "release instance 0190… back to its pool", input: { instance_id: "<instance id>" } },
    { phrase: "return this member for reuse", input: { member_id: "<member id>", disposition: "reuse" } },
  ],
  input: z.strictObject({
    member_id: Uuid.optional(),
    instance_id: Uuid.optional(),
    disposition: z.enum(["recycle", "reuse"]).default("recycle"),
  }),
  output: z.strictObject({ member: MemberSchema, task_id: Uuid.nullable() }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "pool.release",
  idempotent: true,
  http: { method: "POST", path: "/instance_pools/release", status: 200 },
  async execute(ctx, input) {
    exactlyOne(input, ["member_id", "instance_id"]);
    const { member, task_id } = await releaseMember(ctx, input);
    return { member: memberOut(await memberWithInstance(ctx.db, member.id)), task_id };
  },
});

export const poolActionOperations = [poolPause, poolResume, poolDrain, poolArchive, poolAcquire, poolRelease];
