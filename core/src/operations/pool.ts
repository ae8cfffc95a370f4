// Instance pool operations (spec/domain.md §1.6, §2.3; spec/mcp.md §6 "Pools"): warm capacity
// created from a template and read with derived counts; the lifecycle and claim actions are in
// pool-actions.ts. The machinery lives in core/src/pools; these are the catalog entries.
import { environments, instance_pools, instance_types, node_templates, provider_regions } from "@nodepilot/store";
import { and, eq, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { conflict, invalidInput } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { addMembers } from "../pools/add-members.ts";
import { countsOf, loadPool, PoolDetailSchema, poolDetail } from "../pools/pool-detail.ts";
import { memberCounts } from "../pools/pool-queries.ts";
import { emptyCounts, PoolMetadata, PoolSchema, poolOut } from "../pools/pool-schema.ts";
import { sizeErrors } from "../pools/pool-sizes.ts";
import { IdInput, ResourceName, Uuid } from "../schemas/common.ts";
import { assertNoLiveMembers, LifecycleClass, poolActionOperations } from "./pool-actions.ts";

const MAX_POOL_SIZE = 100;
const Size = z.number().int().min(0).max(MAX_POOL_SIZE);
// Member nodes are named `<pool>-<n>`, which must still be a valid resource name.
const PoolName = ResourceName.refine(
  (s) => s.length <= 56,
  "at most 56 characters (member nodes are named <pool>-<n>)",
);

function assertSizes(sizes: { min_size: number; target_size: number; max_size: number }) {
  const errors = sizeErrors(sizes);
  const first = errors[0];
  if (first) throw invalidInput(`${first.path}: ${first.message}`, errors);
}

/** Optional references are checked up front, so a size-0 pool cannot carry a dangling id. */
async function checkPlacement(
  ctx: OpContext,
  input: { provider_region_id?: string | null | undefined; instance_type_id?: string | null | undefined },
) {
  const accountId = ctx.principal.accountId;
  if (input.provider_region_id)
    await findInAccount(ctx.db, provider_regions, accountId, input.provider_region_id, "region");
  if (input.instance_type_id)
    await findInAccount(ctx.db, instance_types, accountId, input.instance_type_id, "instance type");
}

export const poolList = defineOperation({
  name: "pool.list",
  title: "List instance pools",
  description:
    "List instance pools (warm capacity that callers claim with pool.acquire), oldest first, with member counts per state, deficit (members still to warm to reach target) and surplus (ready − target). Filter by status, lifecycle_class, environment or a name substring. Use pool.get for the members themselves.",
  examples: [
    { phrase: "list instance pools", input: {} },
    { phrase: "which spot pools are active", input: { lifecycle_class: "spot", status: "active" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    status: z.enum(["active", "paused", "draining", "archived"]).optional(),
    lifecycle_class: LifecycleClass.optional(),
    environment_id: Uuid.optional(),
    name_contains: z.string().min(1).max(63).optional(),
  }),
  output: listOutput(PoolSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/instance_pools" },
  async execute(ctx, input) {
    const t = instance_pools;
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(t.account_id, ctx.principal.accountId),
      input.status ? eq(t.status, input.status) : undefined,
      input.lifecycle_class ? eq(t.lifecycle_class, input.lifecycle_class) : undefined,
      input.environment_id ? eq(t.environment_id, input.environment_id) : undefined,
      containsFilter(t.name, input.name_contains),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(t)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    const counts = await memberCounts(
      ctx.db,
      ctx.principal.accountId,
      rows.map((r) => r.id),
    );
    return toPage(rows, input.limit, (r) => poolOut(r, counts.get(r.id) ?? emptyCounts()));
  },
});

export const poolGet = defineOperation({
  name: "pool.get",
  title: "Get an instance pool",
  description:
    "Read one instance pool: sizes, placement, status, metadata (warming timeout, TTLs, reuse), member counts per state, deficit and surplus, and up to 50 members (live ones first, oldest first) with their state, instance status, heartbeat and claimer.",
  examples: [
    { phrase: "show pool ci-runners", input: { id: "<pool id>" } },
    { phrase: "how many ready members does this pool have", input: { id: "<pool id>" } },
  ],
  input: z.strictObject(IdInput),
  output: PoolDetailSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/instance_pools/:id" },
  async execute(ctx, input) {
    return poolDetail(ctx, await loadPool(ctx, input.id));
  },
});

export const poolCreate = defineOperation({
  name: "pool.create",
  title: "Create an instance pool",
  description:
    "Create a pool of warm instances from a node template and start warming target_size members at once: each gets a node named <pool>-<n>, an instance provisioned with the pool's region and instance type (defaults: the local provider), and a provision task. Sizes must satisfy max_size ≥ target_size ≥ min_size ≥ 0 (max 100). Members become ready on their first heartbeat; claim one with pool.acquire. Returns the pool with its members and provision task ids.",
  examples: [
    {
      phrase: "create a pool ci-runners of 3 from template base",
      input: { name: "ci-runners", node_template_id: "<template id>", target_size: 3 },
    },
    {
      phrase: "a spot pool of 2 gpu machines, up to 5",
      input: {
        name: "gpu-spot",
        node_template_id: "<template id>",
        lifecycle_class: "spot",
        target_size: 2,
        max_size: 5,
        instance_type_id: "<type id>",
      },
    },
  ],
  input: z.strictObject({
    name: PoolName.describe("Unique per account, ≤ 56 chars."),
    node_template_id: Uuid,
    provider_region_id: Uuid.optional(),
    instance_type_id: Uuid.optional(),
    preferred_regions: z.array(z.string().min(1).max(100)).max(20).default([]),
    lifecycle_class: LifecycleClass.default("ephemeral"),
    target_size: Size.default(1),
    min_size: Size.default(0),
    max_size: Size.default(10),
    environment_id: Uuid.optional().describe("Defaults to the template's environment."),
    metadata: PoolMetadata.default(PoolMetadata.parse({})),
  }),
  output: z.strictObject({ ...PoolDetailSchema.shape, provision_task_ids: z.array(Uuid) }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "pool.create",
  alwaysGated: true,
  idempotent: true,
  http: { method: "POST", path: "/instance_pools" },
  async execute(ctx, input) {
    assertSizes(input);
    const accountId = ctx.principal.accountId;
    const template = await findInAccount(ctx.db, node_templates, accountId, input.node_template_id, "node template");
    if (input.environment_id) await findInAccount(ctx.db, environments, accountId, input.environment_id, "environment");
    await checkPlacement(ctx, input);
    const [pool] = await ctx.db
      .insert(instance_pools)
      .values({
        account_id: accountId,
        name: input.name,
        node_template_id: template.id,
        provider_region_id: input.provider_region_id ?? null,
        instance_type_id: input.instance_type_id ?? null,
        preferred_regions: input.preferred_regions,
        lifecycle_class: input.lifecycle_class,
        target_size: input.target_size,
        min_size: input.min_size,
        max_size: input.max_size,
        environment_id: input.environment_id ?? template.environment_id,
        metadata: input.metadata,
        last_replenished_at: input.target_size > 0 ? ctx.now : null,
        created_at: ctx.now,
        updated_at: ctx.now,
      })
      .returning();
    if (!pool) throw new Error("pool insert returned nothing");
    await emitEvent(ctx.db, ctx, {
      kind: "pool.created",
      payload: { name: pool.name, target_size: pool.target_size, lifecycle_class: pool.lifecycle_class },
      subject_type: "instance_pool",
      subject_id: pool.id,
      instance_pool_id: pool.id,
    });
    const added = await addMembers(
      ctx,
      pool,
      Array.from({ length: input.target_size }, (_, i) => i + 1),
    );
    return { ...(await poolDetail(ctx, pool)), provision_task_ids: added.map((a) => a.task_id) };
  },
});

export const poolUpdate = defineOperation({
  name: "pool.update",
  title: "Update an instance pool",
  description:
    "Change a pool's sizes, placement, preferred regions, lifecycle class or metadata (merged key by key). Sizes are checked against the result: max_size ≥ target_size ≥ min_size ≥ 0. Existing members are not touched; the replenisher warms or trims towards the new target. Archived pools cannot change. Pass `version` to refuse a stale write.",
  examples: [
    { phrase: "grow pool ci-runners to 5", input: { id: "<pool id>", target_size: 5 } },
    {
      phrase: "let claims on this pool expire after an hour",
      input: { id: "<pool id>", metadata: { claimed_ttl_seconds: 3600 } },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    version: z.number().int().positive().optional().describe("Expected current version (optimistic concurrency)."),
    target_size: Size.optional(),
    min_size: Size.optional(),
    max_size: Size.optional(),
    provider_region_id: Uuid.nullable().optional(),
    instance_type_id: Uuid.nullable().optional(),
    preferred_regions: z.array(z.string().min(1).max(100)).max(20).optional(),
    lifecycle_class: LifecycleClass.optional(),
    metadata: PoolMetadata.partial().optional(),
  }),
  output: PoolSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "pool.update",
  idempotent: true,
  http: { method: "PATCH", path: "/instance_pools/:id" },
  async execute(ctx, input) {
    const current = await loadPool(ctx, input.id, true);
    if (input.version !== undefined && input.version !== current.version) {
      throw conflict(`pool ${current.name} is at version ${current.version}, not ${input.version}`, {
        reason: "stale_version",
        details: { current_version: current.version },
      });
    }
    if (current.status === "archived") {
      throw conflict(`pool ${current.name} is archived`, {
        reason: "invalid_transition",
        current_state: current.status,
      });
    }
    const { id: _id, version: _v, metadata, ...changes } = input;
    assertSizes({
      min_size: changes.min_size ?? current.min_size,
      target_size: changes.target_size ?? current.target_size,
      max_size: changes.max_size ?? current.max_size,
    });
    await checkPlacement(ctx, changes);
    const merged = metadata ? PoolMetadata.parse({ ...PoolMetadata.parse(current.metadata), ...metadata }) : undefined;
    const [row] = await ctx.db
      .update(instance_pools)
      .set({ ...changes, ...(merged ? { metadata: merged } : {}), version: current.version + 1, updated_at: ctx.now })
      .where(and(eq(instance_pools.id, current.id), eq(instance_pools.version, current.version)))
      .returning();
    if (!row) throw conflict("pool changed concurrently", { reason: "stale_version" });
    await emitEvent(ctx.db, ctx, {
      kind: "pool.updated",
      payload: { fields: Object.keys(input).filter((k) => k !== "id" && k !== "version") },
      subject_type: "instance_pool",
      subject_id: row.id,
      instance_pool_id: row.id,
    });
    return poolOut(row, await countsOf(ctx, row.id));
  },
});

export const poolDelete = defineOperation({
  name: "pool.delete",
  title: "Delete an instance pool",
  description:
    "Delete a pool and its removed-member history. Refused with conflict/in_use while any member is not removed: use pool.drain first. The member nodes are kept (delete them with node.delete). Returns the deleted id.",
  examples: [
    { phrase: "delete pool ci-runners", input: { id: "<pool id>" } },
    { phrase: "remove this empty pool", input: { id: "<pool id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "pool.delete",
  idempotent: true,
  http: { method: "DELETE", path: "/instance_pools/:id" },
  async execute(ctx, input) {
    const pool = await loadPool(ctx, input.id, true);
    assertNoLiveMembers(pool, await countsOf(ctx, pool.id));
    await ctx.db.delete(instance_pools).where(eq(instance_pools.id, pool.id));
    await emitEvent(ctx.db, ctx, {
      kind: "pool.deleted",
      severity: "medium",
      payload: { name: pool.name },
      subject_type: "instance_pool",
      subject_id: pool.id,
      instance_pool_id: pool.id,
    });
    return { id: pool.id, deleted: true as const };
  },
});

export const poolOperations = [poolList, poolGet, poolCreate, poolUpdate, poolDelete, ...poolActionOperations];
