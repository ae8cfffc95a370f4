// What every account's autonomy starts with (spec/autonomy.md §0, §3.2, §3.4): the Fleet Autonomy
// agent (type monitor, tier monitored), the "Fleet Autonomy Actions" approval chain, and one policy
// row per registered category at its §3.9 default. Seeded once, when the agent is first created, so
// an operator's later edits and deletions are never undone by a restart.
import {
  type ApprovalStep,
  approval_chains,
  autonomy_agents,
  type DbOrTx,
  intervention_policies,
} from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { notFound } from "../errors.ts";
import { ACTION_CATEGORIES } from "./categories.ts";

export const AUTONOMY_AGENT_NAME = "Fleet Autonomy";
export const SEEDED_CHAIN = {
  name: "Fleet Autonomy Actions",
  is_sequential: true,
  timeout_hours: 4,
  steps: [{ name: "Fleet Operator Approval", approvers: ["*"], required_approvals: 1 }] as ApprovalStep[],
} as const;
export const SEEDED_POLICY_PRIORITY = 10;

export async function seedAutonomy(db: DbOrTx, accountId: string): Promise<void> {
  const [agent] = await db
    .insert(autonomy_agents)
    .values({ account_id: accountId, name: AUTONOMY_AGENT_NAME, agent_type: "monitor", trust_tier: "monitored" })
    .onConflictDoNothing()
    .returning();
  if (!agent) return;
  await db
    .insert(approval_chains)
    .values({
      account_id: accountId,
      name: SEEDED_CHAIN.name,
      is_sequential: SEEDED_CHAIN.is_sequential,
      timeout_hours: SEEDED_CHAIN.timeout_hours,
      steps: SEEDED_CHAIN.steps,
    })
    .onConflictDoNothing();
  await db.insert(intervention_policies).values(
    ACTION_CATEGORIES.map((c) => ({
      account_id: accountId,
      scope: "agent" as const,
      action_category: c.name,
      actor_type: "agent" as const,
      agent_id: agent.id,
      policy: c.defaultLevel,
      priority: SEEDED_POLICY_PRIORITY,
      conditions: { trust_tier_minimum: "monitored" as const },
      created_by: "system:seed",
    })),
  );
}

/** The account's Fleet Autonomy agent, the actor every tick decides as. */
export async function loadAutonomyAgent(db: DbOrTx, accountId: string) {
  const [agent] = await db
    .select()
    .from(autonomy_agents)
    .where(and(eq(autonomy_agents.account_id, accountId), eq(autonomy_agents.name, AUTONOMY_AGENT_NAME)));
  if (!agent) throw notFound("the account's Fleet Autonomy agent");
  return agent;
}
