// Intervention policies (spec/autonomy.md §3.2): the rows the gate resolves per action category and
// actor. Writes are validated field by field (category, level, tier, time zone, quiet hours), a
// second active row with the same match key is a conflict, and each write is a fleet event.
import {
  approval_chains,
  autonomy_agents,
  type DbOrTx,
  intervention_policies,
  POLICY_ACTOR_TYPES,
  POLICY_SCOPES,
  users,
} from "@nodepilot/store";
import { eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { findCategory } from "../autonomy/categories.ts";
import { POLICY_LEVELS, resolvePolicy, TRUST_TIER_ORDER } from "../autonomy/policy.ts";
import { loadPolicyRows } from "../autonomy/policy-rows.ts";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { invalidInput } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, Timestamp, Uuid } from "../schemas/common.ts";

const Level = z.enum(POLICY_LEVELS);
const Tier = z.enum(TRUST_TIER_ORDER);
const Hour = z.number().int().min(0).max(23);

const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const Conditions = z
  .strictObject({
    trust_tier_minimum: Tier.optional().describe("The caller's trust tier must be at least this."),
    quiet_hours: z
      .strictObject({
        start: Hour,
        end: Hour,
        timezone: z
          .string()
          .default("UTC")
          .refine(validTimeZone, "must be an IANA time zone such as UTC or Europe/Berlin"),
      })
      .refine((q) => q.start !== q.end, { message: "start and end must differ", path: ["end"] })
      .optional()
      .describe("The row does not apply while the local hour is in [start, end); start > end wraps midnight."),
  })
  .describe("Extra match conditions.");

const Category = z
  .string()
  .regex(/^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/, "must be an action category or *")
  .describe(
    "A registered action category (e.g. module.sync, instance.recover), an operation's action category for AI clients' calls (e.g. instance.terminate, with actor_type user), or * for all.",
  );

/** Registered for the gate's signals, or the category of a catalog operation (AI clients' calls); else 422. */
function checkCategory(ctx: OpContext, category: string) {
  if (category === "*" || findCategory(category)) return;
  if (ctx.services.operationCategories?.has(category)) return;
  throw invalidInput(`action_category: ${category} is not a registered action category`, [
    { path: "action_category", message: "must be a registered action category, an operation's category, or *" },
  ]);
}

const PolicySchema = z.strictObject({
  id: Uuid,
  scope: z.enum(POLICY_SCOPES),
  action_category: z.string(),
  actor_type: z.enum(POLICY_ACTOR_TYPES),
  agent_id: Uuid.nullable(),
  user_id: Uuid.nullable(),
  policy: z.string(),
  priority: z.number().int(),
  conditions: z.record(z.string(), z.unknown()),
  approval_chain_id: Uuid.nullable(),
  preferred_channels: z.array(z.string()),
  is_active: z.boolean(),
  created_by: z.string(),
  source_proposal_id: Uuid.nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

type PolicyRowDb = typeof intervention_policies.$inferSelect;

const policyOut = ({ account_id: _a, ...r }: PolicyRowDb): z.infer<typeof PolicySchema> => ({
  ...r,
  conditions: r.conditions as Record<string, unknown>,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

const actorOf = (ctx: OpContext) => ctx.principal.userId ?? `${ctx.principal.actorType}:${ctx.principal.actorId}`;

async function checkReferences(
  db: DbOrTx,
  accountId: string,
  refs: { agent_id?: string | null; user_id?: string | null; approval_chain_id?: string | null },
) {
  const missing = (path: string, what: string) =>
    invalidInput(`${path}: no such ${what} in this account`, [{ path, message: `no such ${what}` }]);
  if (refs.agent_id)
    await findInAccount(db, autonomy_agents, accountId, refs.agent_id, "agent").catch(() => {
      throw missing("agent_id", "agent");
    });
  if (refs.user_id)
    await findInAccount(db, users, accountId, refs.user_id, "user").catch(() => {
      throw missing("user_id", "user");
    });
  if (refs.approval_chain_id) {
    await findInAccount(db, approval_chains, accountId, refs.approval_chain_id, "approval chain").catch(() => {
      throw missing("approval_chain_id", "approval chain");
    });
  }
}

function checkShape(row: { scope: string; actor_type: string; agent_id: string | null; user_id: string | null }) {
  if (row.actor_type === "user" && row.agent_id) {
    throw invalidInput("agent_id: a user policy cannot name an agent", [
      { path: "agent_id", message: "must be empty when actor_type is user" },
    ]);
  }
  if (row.actor_type === "agent" && row.user_id) {
    throw invalidInput("user_id: an agent policy cannot name a user", [
      { path: "user_id", message: "must be empty when actor_type is agent" },
    ]);
  }
  if (row.scope === "agent" && row.actor_type === "agent" && !row.agent_id) {
    throw invalidInput("agent_id: an agent-scoped policy names its agent", [
      { path: "agent_id", message: "required when scope is agent" },
    ]);
  }
}

const emitPolicyEvent = (ctx: OpContext, kind: string, row: PolicyRowDb, extra: Record<string, unknown> = {}) =>
  emitEvent(ctx.db, ctx, {
    kind,
    severity: "medium",
    subject_type: "intervention_policy",
    subject_id: row.id,
    payload: {
      policy_id: row.id,
      action_category: row.action_category,
      policy: row.policy,
      scope: row.scope,
      actor_type: row.actor_type,
      agent_id: row.agent_id,
      user_id: row.user_id,
      priority: row.priority,
      is_active: row.is_active,
      version: row.version,
      ...extra,
    },
  });

export const interventionPolicyList = defineOperation({
  name: "intervention_policy.list",
  title: "List intervention policies",
  description:
    "List the account's intervention policies (what the autonomy gate does per action category and actor: auto_approve, notify_and_proceed, require_approval or block), oldest first, optionally filtered by category, actor type or active flag. Paginated with limit and cursor.",
  examples: [
    { phrase: "which autonomy policies are there", input: {} },
    { phrase: "policies for instance recovery", input: { action_category: "instance.recover" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    action_category: z.string().min(1).optional(),
    actor_type: z.enum(POLICY_ACTOR_TYPES).optional(),
    is_active: z.boolean().optional(),
  }),
  output: listOutput(PolicySchema),
  scope: "autonomy:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/autonomy/policies" },
  async execute(ctx, input) {
    const p = intervention_policies;
    const { after, order } = pageClause({ createdAt: p.created_at, id: p.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(p.account_id, ctx.principal.accountId),
      input.action_category ? eq(p.action_category, input.action_category) : undefined,
      input.actor_type ? eq(p.actor_type, input.actor_type) : undefined,
      input.is_active === undefined ? undefined : eq(p.is_active, input.is_active),
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(p)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, policyOut);
  },
});

export const interventionPolicyGet = defineOperation({
  name: "intervention_policy.get",
  title: "Get an intervention policy",
  description: "Read one intervention policy by id: category, actor, level, priority, conditions, chain and version.",
  examples: [
    { phrase: "show policy 0190…", input: { id: "<policy id>" } },
    { phrase: "what does this policy say", input: { id: "<policy id>" } },
  ],
  input: z.strictObject(IdInput),
  output: PolicySchema,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/policies/:id" },
  async execute(ctx, input) {
    return policyOut(await findInAccount(ctx.db, intervention_policies, ctx.principal.accountId, input.id, "policy"));
  },
});

export const interventionPolicyCreate = defineOperation({
  name: "intervention_policy.create",
  title: "Create an intervention policy",
  description:
    "Add a policy row: for action_category (registered, or *) and actor_type agent|user (optionally one agent_id or user_id), the level auto_approve, notify_and_proceed, require_approval, block (or silent, treated as block). The most specific matching row wins (user, agent, exact category, then priority −1000..1000). conditions may require a trust_tier_minimum or exclude quiet_hours {start, end, timezone}. A second active row with the same key and priority is a conflict. Applies from the next tick.",
  examples: [
    {
      phrase: "let the autonomy agent sync modules without asking",
      input: {
        scope: "agent",
        action_category: "module.sync",
        actor_type: "agent",
        agent_id: "<agent id>",
        policy: "auto_approve",
        priority: 20,
      },
    },
    {
      phrase: "block every autonomous action at night",
      input: {
        scope: "global",
        action_category: "*",
        actor_type: "agent",
        policy: "block",
        priority: 100,
        conditions: { quiet_hours: { start: 6, end: 22, timezone: "UTC" } },
      },
    },
  ],
  input: z.strictObject({
    scope: z.enum(POLICY_SCOPES).default("global"),
    action_category: Category,
    actor_type: z.enum(POLICY_ACTOR_TYPES),
    agent_id: Uuid.nullable().default(null),
    user_id: Uuid.nullable().default(null),
    policy: Level,
    priority: z.number().int().min(-1000).max(1000).default(0),
    conditions: Conditions.default({}),
    approval_chain_id: Uuid.nullable().default(null),
    preferred_channels: z.array(z.string().min(1).max(100)).max(20).default([]),
    is_active: z.boolean().default(true),
    idempotency_key: IdempotencyKey,
  }),
  output: PolicySchema,
  scope: "autonomy:admin",
  effect: "write",
  actionCategory: "autonomy.policy_manage",
  http: { method: "POST", path: "/autonomy/policies" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    checkShape(input);
    checkCategory(ctx, input.action_category);
    await checkReferences(ctx.db, accountId, input);
    const { idempotency_key: _key, ...values } = input;
    const [row] = await ctx.db
      .insert(intervention_policies)
      .values({ ...values, account_id: accountId, created_by: actorOf(ctx), created_at: ctx.now, updated_at: ctx.now })
      .returning();
    await emitPolicyEvent(ctx, "autonomy.policy_created", row!);
    return policyOut(row!);
  },
});

export const interventionPolicyUpdate = defineOperation({
  name: "intervention_policy.update",
  title: "Change an intervention policy",
  description:
    "Change a policy's level, priority, conditions, approval chain, preferred channels or active flag; fields not given keep their value. The same checks as create apply; the version goes up by one and the change is recorded. Applies from the next tick.",
  examples: [
    { phrase: "require approval for module sync again", input: { id: "<policy id>", policy: "require_approval" } },
    { phrase: "turn this policy off", input: { id: "<policy id>", is_active: false } },
  ],
  input: z.strictObject({
    ...IdInput,
    policy: Level.optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    conditions: Conditions.optional(),
    approval_chain_id: Uuid.nullable().optional(),
    preferred_channels: z.array(z.string().min(1).max(100)).max(20).optional(),
    is_active: z.boolean().optional(),
  }),
  output: PolicySchema,
  scope: "autonomy:admin",
  effect: "write",
  actionCategory: "autonomy.policy_manage",
  idempotent: true,
  http: { method: "PATCH", path: "/autonomy/policies/:id" },
  async execute(ctx, input) {
    const accountId = ctx.principal.accountId;
    const current = await findInAccount(ctx.db, intervention_policies, accountId, input.id, "policy", {
      forUpdate: true,
    });
    const { id, ...patch } = input;
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<
      typeof intervention_policies.$inferInsert
    >;
    await checkReferences(ctx.db, accountId, { approval_chain_id: changes.approval_chain_id ?? null });
    if (Object.keys(changes).length === 0) return policyOut(current);
    const [row] = await ctx.db
      .update(intervention_policies)
      .set({ ...changes, version: sql`${intervention_policies.version} + 1`, updated_at: ctx.now })
      .where(eq(intervention_policies.id, id))
      .returning();
    const changed = Object.fromEntries(
      Object.keys(changes).map((k) => [
        k,
        { from: current[k as keyof PolicyRowDb] ?? null, to: row![k as keyof PolicyRowDb] ?? null },
      ]),
    );
    await emitPolicyEvent(ctx, "autonomy.policy_updated", row!, { changed });
    return policyOut(row!);
  },
});

export const interventionPolicyDelete = defineOperation({
  name: "intervention_policy.delete",
  title: "Delete an intervention policy",
  description:
    "Delete a policy row; the gate then resolves with the remaining rows (no match means require_approval). Prefer update with is_active false to keep the row. The deletion is recorded.",
  examples: [
    { phrase: "delete policy 0190…", input: { id: "<policy id>" } },
    { phrase: "remove the night block", input: { id: "<policy id>" } },
  ],
  input: z.strictObject(IdInput),
  output: z.strictObject({ id: Uuid, deleted: z.literal(true) }),
  scope: "autonomy:admin",
  effect: "destructive",
  actionCategory: "autonomy.policy_manage",
  idempotent: true,
  http: { method: "DELETE", path: "/autonomy/policies/:id" },
  async execute(ctx, input) {
    const row = await findInAccount(ctx.db, intervention_policies, ctx.principal.accountId, input.id, "policy", {
      forUpdate: true,
    });
    await ctx.db.delete(intervention_policies).where(eq(intervention_policies.id, row.id));
    await emitPolicyEvent(ctx, "autonomy.policy_deleted", row);
    return { id: row.id, deleted: true as const };
  },
});

export const interventionPolicyResolve = defineOperation({
  name: "intervention_policy.resolve",
  title: "Resolve the policy for an action",
  description:
    "Which intervention policy applies to an action category and actor, and why: the effective level (silent and unknown levels read as block; no matching row means require_approval, no_matching_policy), the winning row, its chain and channels. The actor is an agent (agent_id) or a user (user_id) with an optional trust tier; at defaults to now (quiet hours depend on it).",
  examples: [
    {
      phrase: "what would the autonomy agent need to recover an instance",
      input: {
        action_category: "instance.recover",
        actor_type: "agent",
        agent_id: "<agent id>",
        trust_tier: "monitored",
      },
    },
    {
      phrase: "which policy applies to module sync at 3am",
      input: {
        action_category: "module.sync",
        actor_type: "agent",
        agent_id: "<agent id>",
        at: "2026-06-01T03:00:00Z",
      },
    },
  ],
  input: z.strictObject({
    action_category: Category,
    actor_type: z.enum(POLICY_ACTOR_TYPES),
    agent_id: Uuid.optional(),
    user_id: Uuid.optional(),
    trust_tier: Tier.optional().describe("The actor's trust tier; unscored actors count as supervised."),
    at: Timestamp.optional(),
  }),
  output: z.strictObject({
    level: z.enum(["auto_approve", "notify_and_proceed", "require_approval", "block"]),
    base_policy: z.string().nullable(),
    matched_policy_id: Uuid.nullable(),
    reason: z.enum(["matched", "no_matching_policy", "unknown_policy"]),
    approval_chain_id: Uuid.nullable(),
    preferred_channels: z.array(z.string()),
  }),
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/policies/resolve" },
  async execute(ctx, input) {
    checkCategory(ctx, input.action_category);
    const rows = await loadPolicyRows(ctx.db, ctx.principal.accountId, input.action_category);
    return resolvePolicy(rows, {
      category: input.action_category,
      actor: {
        type: input.actor_type,
        agent_id: input.agent_id ?? null,
        user_id: input.user_id ?? null,
        trust_tier: input.trust_tier ?? null,
      },
      now: input.at ? new Date(input.at) : ctx.now,
    });
  },
});

export const interventionPolicyOperations = [
  interventionPolicyList,
  interventionPolicyResolve,
  interventionPolicyGet,
  interventionPolicyCreate,
  interventionPolicyUpdate,
  interventionPolicyDelete,
] as const;
