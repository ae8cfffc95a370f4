// Loads an account's active intervention policies in the shape resolvePolicy takes.
import { type DbOrTx, intervention_policies } from "@nodepilot/store";
import { and, eq, inArray } from "drizzle-orm";
import type { PolicyRow } from "./policy.ts";

/** The active rows that could apply to `category` (its own and the `*` rows). */
export async function loadPolicyRows(db: DbOrTx, accountId: string, category: string): Promise<PolicyRow[]> {
  const p = intervention_policies;
  return db
    .select({
      id: p.id,
      scope: p.scope,
      action_category: p.action_category,
      actor_type: p.actor_type,
      agent_id: p.agent_id,
      user_id: p.user_id,
      policy: p.policy,
      priority: p.priority,
      conditions: p.conditions,
      approval_chain_id: p.approval_chain_id,
      preferred_channels: p.preferred_channels,
      is_active: p.is_active,
    })
    .from(p)
    .where(and(eq(p.account_id, accountId), eq(p.is_active, true), inArray(p.action_category, [category, "*"])));
}
