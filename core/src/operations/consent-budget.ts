// Per-module consent budgets over the catalog (spec/autonomy.md §3.3): how many autonomous actions a
// module may still take in its rolling 24 h window, and the operator's raise, lower and reset — each
// audited. The gate's own check and consume are in autonomy/consent-budget.ts.
import { node_modules } from "@nodepilot/store";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { consentBudgetOf } from "../autonomy/consent-budget.ts";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { IdInput, NullableTimestamp } from "../schemas/common.ts";

const BudgetSchema = z.strictObject({
  limit: z.number().int().nullable().describe("Autonomous actions per 24 h; null means unlimited."),
  used: z.number().int(),
  remaining: z.number().int().nullable(),
  window_start_at: NullableTimestamp,
  window_ends_at: NullableTimestamp,
});

const loadModule = (ctx: OpContext, id: string, forUpdate = false) =>
  findInAccount(ctx.db, node_modules, ctx.principal.accountId, id, "module", { forUpdate });

const budgetEvent = (
  ctx: OpContext,
  kind: string,
  moduleId: string,
  before: z.infer<typeof BudgetSchema>,
  after: z.infer<typeof BudgetSchema>,
) =>
  emitEvent(ctx.db, ctx, {
    kind,
    severity: "medium",
    subject_type: "node_module",
    subject_id: moduleId,
    node_module_id: moduleId,
    payload: { module_id: moduleId, before, after },
  });

export const moduleConsentBudget = defineOperation({
  name: "module.consent_budget",
  title: "Show a module's consent budget",
  description:
    "How many autonomous actions a module may still take: limit per 24 h (null = unlimited), used and remaining in the current window, and when the window started and ends. A window that ended reads as empty.",
  examples: [
    { phrase: "how much autonomy budget does nginx have left", input: { id: "<module id>" } },
    { phrase: "consent budget of module 0190…", input: { id: "<module id>" } },
  ],
  input: z.strictObject(IdInput),
  output: BudgetSchema,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/node_modules/:id/consent_budget" },
  async execute(ctx, input) {
    return consentBudgetOf(await loadModule(ctx, input.id), ctx.now);
  },
});

export const moduleSetConsentBudget = defineOperation({
  name: "module.set_consent_budget",
  title: "Set a module's consent budget",
  description:
    "Set how many autonomous actions a module may take per rolling 24 h (1–10000), or null/0 for unlimited. Lowering it below what was already used stops further autonomous actions until the window ends; actions over budget go to approval. The change is recorded.",
  examples: [
    { phrase: "allow 5 autonomous actions a day on nginx", input: { id: "<module id>", limit: 5 } },
    { phrase: "remove the consent budget of module 0190…", input: { id: "<module id>", limit: null } },
  ],
  input: z.strictObject({
    ...IdInput,
    limit: z.number().int().min(0).max(10_000).nullable().describe("Per 24 h; null or 0 = unlimited."),
  }),
  output: BudgetSchema,
  scope: "autonomy:admin",
  effect: "write",
  actionCategory: "autonomy.consent_budget",
  idempotent: true,
  http: { method: "PATCH", path: "/node_modules/:id/consent_budget" },
  async execute(ctx, input) {
    const mod = await loadModule(ctx, input.id, true);
    const before = consentBudgetOf(mod, ctx.now);
    const limit = input.limit === 0 ? null : input.limit;
    const [row] = await ctx.db
      .update(node_modules)
      .set({ consent_budget_per_day: limit, version: sql`${node_modules.version} + 1`, updated_at: ctx.now })
      .where(eq(node_modules.id, mod.id))
      .returning();
    const after = consentBudgetOf(row!, ctx.now);
    await budgetEvent(ctx, "autonomy.consent_budget_updated", mod.id, before, after);
    return after;
  },
});

export const moduleResetConsentBudget = defineOperation({
  name: "module.reset_consent_budget",
  title: "Reset a module's consent budget",
  description:
    "Empty a module's consent budget window: used goes to 0 and the next autonomous action starts a new 24 h window. The limit is kept. The reset is recorded.",
  examples: [
    { phrase: "reset the consent budget of nginx", input: { id: "<module id>" } },
    { phrase: "give module 0190… its autonomy budget back", input: { id: "<module id>" } },
  ],
  input: z.strictObject(IdInput),
  output: BudgetSchema,
  scope: "autonomy:admin",
  effect: "write",
  actionCategory: "autonomy.consent_budget",
  idempotent: true,
  http: { method: "POST", path: "/node_modules/:id/consent_budget/reset", status: 200 },
  async execute(ctx, input) {
    const mod = await loadModule(ctx, input.id, true);
    const before = consentBudgetOf(mod, ctx.now);
    const [row] = await ctx.db
      .update(node_modules)
      .set({ consent_budget_used_count: 0, consent_budget_window_start_at: null, updated_at: ctx.now })
      .where(eq(node_modules.id, mod.id))
      .returning();
    const after = consentBudgetOf(row!, ctx.now);
    await budgetEvent(ctx, "autonomy.consent_budget_reset", mod.id, before, after);
    return after;
  },
});

export const consentBudgetOperations = [moduleConsentBudget, moduleSetConsentBudget, moduleResetConsentBudget] as const;
