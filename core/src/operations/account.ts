// Account and environment reads, plus the account admin groups (users, API tokens) gathered into
// one list (spec/domain.md §1.1, spec/mcp.md §6 "Accounts, environments, events").
import { accounts, environments } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { notFound } from "../errors.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { Timestamp, toJson, Uuid } from "../schemas/common.ts";
import { apiTokenOperations } from "./account-tokens.ts";
import { userOperations } from "./account-users.ts";

export const AccountSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  slug: z.string(),
  status: z.enum(["active", "suspended"]),
  settings: z.record(z.string(), z.unknown()),
  /** The newest fleet event sequence number: where a live follower would start. */
  last_event_seq: z.number().int(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const EnvironmentSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  rank: z.number().int(),
  delivery_mode: z.enum(["following", "pinned"]),
  min_promotion_state: z.enum(["staging", "blessed", "live"]),
  protected: z.boolean(),
  signature_mode: z.enum(["enforce", "audit"]),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

type EnvironmentRow = typeof environments.$inferSelect;

export function environmentOut(row: EnvironmentRow): z.infer<typeof EnvironmentSchema> {
  const { account_id: _a, ...rest } = row;
  return toJson(rest);
}

export const accountGet = defineOperation({
  name: "account.get",
  title: "Get the current account",
  description:
    "Read the account the caller's token belongs to: name, slug, status (active or suspended), settings and the newest fleet event sequence number (a starting point for following events with event.list after_seq). Takes no arguments.",
  examples: [
    { phrase: "which account am I in", input: {} },
    { phrase: "is our account suspended", input: {} },
  ],
  input: z.strictObject({}),
  output: AccountSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/accounts/current" },
  async execute(ctx) {
    const [row] = await ctx.db.select().from(accounts).where(eq(accounts.id, ctx.principal.accountId)).limit(1);
    if (!row) throw notFound("account", ctx.principal.accountId);
    const { event_seq, ...rest } = row;
    return toJson({ ...rest, last_event_seq: event_seq });
  },
});

export const environmentList = defineOperation({
  name: "environment.list",
  title: "List environments",
  description:
    "List the account's environments (planes of the fleet such as dev, ci, ops, staging, prod) with rank, delivery mode (following or pinned), the minimum promotion state a module version needs there, whether the environment is protected, and its signature mode. Oldest first, which for the seeded set is rank order.",
  examples: [
    { phrase: "list environments", input: {} },
    { phrase: "which environments are protected", input: {} },
  ],
  input: z.strictObject({ ...listInputShape }),
  output: listOutput(EnvironmentSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/environments" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: environments.created_at, id: environments.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(environments)
      .where(whereAll(eq(environments.account_id, ctx.principal.accountId), after))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, environmentOut);
  },
});

export const accountOperations = [accountGet, environmentList, ...userOperations, ...apiTokenOperations];
