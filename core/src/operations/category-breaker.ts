// Category circuit breakers as operations (spec/autonomy.md §4.2): see which are open, and reset
// one (audited: the event names who and why). While open, every autonomous decision of the
// category goes to approval.
import { category_breakers } from "@nodepilot/store";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { closeBreaker } from "../autonomy/breakers.ts";
import { findCategory } from "../autonomy/categories.ts";
import { defineOperation } from "../catalog/operation.ts";
import { conflict, invalidInput } from "../errors.ts";
import { NullableTimestamp } from "../schemas/common.ts";

const BreakerSchema = z.strictObject({
  action_category: z.string(),
  state: z.enum(["closed", "open"]),
  opened_at: NullableTimestamp,
  opened_with: z.record(z.string(), z.unknown()).nullable(),
  closed_at: NullableTimestamp,
  closed_by: z.string().nullable(),
  close_reason: z.string().nullable(),
});

type BreakerRow = typeof category_breakers.$inferSelect;

const breakerOut = (b: BreakerRow): z.infer<typeof BreakerSchema> => ({
  action_category: b.action_category,
  state: b.state,
  opened_at: b.opened_at ? b.opened_at.toISOString() : null,
  opened_with: b.opened_with ?? null,
  closed_at: b.closed_at ? b.closed_at.toISOString() : null,
  closed_by: b.closed_by,
  close_reason: b.close_reason,
});

export const categoryBreakerList = defineOperation({
  name: "category_breaker.list",
  title: "List category circuit breakers",
  description:
    "The autonomy circuit breakers of this account, one per action category that ever tripped: open means the last hour held at least five scored remediations of the category and half of them were ineffective or failed, so every autonomous decision of the category now asks for approval. Shows when and with which figures it opened, and who closed it.",
  examples: [
    { phrase: "are any autonomy breakers open", input: {} },
    { phrase: "why does module sync keep asking for approval", input: {} },
  ],
  input: z.strictObject({}),
  output: z.strictObject({ items: z.array(BreakerSchema) }),
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/autonomy/breakers" },
  async execute(ctx) {
    const rows = await ctx.db
      .select()
      .from(category_breakers)
      .where(eq(category_breakers.account_id, ctx.principal.accountId))
      .orderBy(asc(category_breakers.action_category));
    return { items: rows.map(breakerOut) };
  },
});

export const categoryBreakerReset = defineOperation({
  name: "category_breaker.reset",
  title: "Reset a category circuit breaker",
  description:
    "Close an open autonomy circuit breaker so the category's decisions follow their policy again. Give the reason; the reset is recorded with who did it (autonomy.breaker_closed). Refused when the breaker is not open.",
  examples: [
    {
      phrase: "reset the module sync breaker, the registry is fixed",
      input: { action_category: "module.sync", reason: "registry outage fixed" },
    },
    {
      phrase: "close the config apply breaker",
      input: { action_category: "config.apply", reason: "bad template reverted" },
    },
  ],
  input: z.strictObject({
    action_category: z.string().min(1).describe("The category whose breaker to close, e.g. module.sync."),
    reason: z.string().min(1).max(500),
  }),
  output: BreakerSchema,
  scope: "autonomy:write",
  effect: "write",
  actionCategory: "autonomy.configure",
  idempotent: true,
  http: { method: "POST", path: "/autonomy/breakers/:action_category/reset", status: 200 },
  async execute(ctx, input) {
    if (!findCategory(input.action_category)) {
      throw invalidInput(`${input.action_category} is not an action category`, [
        { path: "action_category", message: "not a registered action category" },
      ]);
    }
    const by = ctx.principal.userId
      ? `user:${ctx.principal.userId}`
      : `token:${ctx.principal.tokenId ?? ctx.principal.actorId}`;
    const closed = await closeBreaker(ctx.db, ctx, input.action_category, by, input.reason);
    if (!closed) throw conflict(`the ${input.action_category} breaker is not open`, { reason: "not_open" });
    const [row] = await ctx.db
      .select()
      .from(category_breakers)
      .where(
        and(
          eq(category_breakers.account_id, ctx.principal.accountId),
          eq(category_breakers.action_category, input.action_category),
        ),
      );
    return breakerOut(row!);
  },
});

export const categoryBreakerOperations = [categoryBreakerList, categoryBreakerReset];
