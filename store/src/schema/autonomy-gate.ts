// The autonomy gate's records (spec/autonomy.md §0, §3): the account's autonomy agent, intervention
// policies, approval chains, approval requests with their decisions, and the decision log. The
// per-module consent budget lives on node_modules (modules.ts).
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { EVENT_SEVERITIES } from "./events.ts";
import { accounts, users } from "./tenancy.ts";

/** `supervised < monitored < trusted < autonomous` (§3.2); an unscored actor counts as supervised. */
export const TRUST_TIERS = ["supervised", "monitored", "trusted", "autonomous"] as const;
export const AGENT_TYPES = ["monitor"] as const;

/**
 * The actors that act autonomously in an account. Every account has one, "Fleet Autonomy" (type
 * monitor, tier monitored): the tick acts as it (§0), and policies name it by id.
 */
export const autonomy_agents = pgTable(
  "autonomy_agents",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    agent_type: text("agent_type", { enum: AGENT_TYPES }).notNull(),
    trust_tier: text("trust_tier", { enum: TRUST_TIERS }).notNull(),
    is_active: boolean("is_active").notNull().default(true),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("autonomy_agents_account_name").on(t.account_id, t.name),
    check("autonomy_agents_type", inSet(t.agent_type, AGENT_TYPES)),
    check("autonomy_agents_trust_tier", inSet(t.trust_tier, TRUST_TIERS)),
  ],
);

export const POLICY_SCOPES = ["global", "agent"] as const;
export const POLICY_ACTOR_TYPES = ["agent", "user"] as const;

export interface PolicyConditions {
  trust_tier_minimum?: (typeof TRUST_TIERS)[number];
  quiet_hours?: { start: number; end: number; timezone: string };
}

/**
 * One intervention policy row (§3.2). `policy` is deliberately unconstrained: a level this build does
 * not know (written by a newer one, or by hand) must resolve to block, not fail the read.
 */
export const intervention_policies = pgTable(
  "intervention_policies",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    scope: text("scope", { enum: POLICY_SCOPES }).notNull(),
    action_category: text("action_category").notNull(),
    actor_type: text("actor_type", { enum: POLICY_ACTOR_TYPES }).notNull(),
    agent_id: uuid("agent_id").references(() => autonomy_agents.id, { onDelete: "cascade" }),
    user_id: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    policy: text("policy").notNull(),
    priority: integer("priority").notNull().default(0),
    conditions: jsonb("conditions").$type<PolicyConditions>().notNull().default({}),
    approval_chain_id: uuid("approval_chain_id").references(() => approval_chains.id, { onDelete: "set null" }),
    preferred_channels: text("preferred_channels").array().notNull().default(sql`'{}'::text[]`),
    is_active: boolean("is_active").notNull().default(true),
    created_by: text("created_by").notNull(),
    source_proposal_id: uuid("source_proposal_id"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    // A duplicate is an active row with the same match key and priority: it could only ever tie.
    uniqueIndex("intervention_policies_active_key")
      .on(
        t.account_id,
        t.scope,
        t.action_category,
        t.actor_type,
        sql`coalesce(${t.agent_id}, '00000000-0000-0000-0000-000000000000'::uuid)`,
        sql`coalesce(${t.user_id}, '00000000-0000-0000-0000-000000000000'::uuid)`,
        t.priority,
      )
      .where(sql`${t.is_active}`),
    index("intervention_policies_account_category").on(t.account_id, t.action_category),
    check("intervention_policies_scope", inSet(t.scope, POLICY_SCOPES)),
    check("intervention_policies_actor_type", inSet(t.actor_type, POLICY_ACTOR_TYPES)),
    check("intervention_policies_priority", sql`${t.priority} BETWEEN -1000 AND 1000`),
  ],
);

export const CHAIN_STATES = ["active", "inactive"] as const;

export interface ApprovalStep {
  name: string;
  /** `"*"` (any active user allowed to decide), a user id, or `role:<role>`. */
  approvers: string[];
  required_approvals: number;
}

export const approval_chains = pgTable(
  "approval_chains",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    trigger_type: text("trigger_type", { enum: ["autonomy_action"] })
      .notNull()
      .default("autonomy_action"),
    status: text("status", { enum: CHAIN_STATES }).notNull().default("active"),
    is_sequential: boolean("is_sequential").notNull().default(true),
    timeout_hours: integer("timeout_hours").notNull().default(4),
    timeout_action: text("timeout_action", { enum: ["reject"] })
      .notNull()
      .default("reject"),
    steps: jsonb("steps").$type<ApprovalStep[]>().notNull(),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("approval_chains_account_name").on(t.account_id, t.name),
    check("approval_chains_status", inSet(t.status, CHAIN_STATES)),
    check("approval_chains_timeout", sql`${t.timeout_hours} >= 1`),
  ],
);

export const APPROVAL_STATES = ["pending", "approved", "rejected", "expired", "cancelled"] as const;
export const EXECUTION_STATES = ["executing", "applied", "refused", "failed", "stale", "obsolete"] as const;

export interface ActionPayload {
  account_id: string;
  action_category: string;
  target: { type: string; id: string };
  params: Record<string, unknown>;
}

export const approval_requests = pgTable(
  "approval_requests",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    chain_id: uuid("chain_id").references(() => approval_chains.id, { onDelete: "set null" }),
    /** The chain as it was when the request was made: later chain edits never change a pending request. */
    chain_snapshot: jsonb("chain_snapshot")
      .$type<{ name: string; is_sequential: boolean; steps: ApprovalStep[] }>()
      .notNull(),
    source: text("source").notNull(),
    action_category: text("action_category").notNull(),
    dedup_key: text("dedup_key").notNull(),
    fingerprint: text("fingerprint"),
    signal_kind: text("signal_kind"),
    severity: text("severity", { enum: EVENT_SEVERITIES }).notNull(),
    description: text("description").notNull(),
    action_payload: jsonb("action_payload").$type<ActionPayload>().notNull(),
    payload_hash: text("payload_hash").notNull(),
    plan: jsonb("plan").$type<Record<string, unknown>>(),
    reasoning: text("reasoning"),
    learning_evidence: jsonb("learning_evidence").$type<unknown[]>().notNull().default([]),
    matched_policy_id: uuid("matched_policy_id"),
    status: text("status", { enum: APPROVAL_STATES }).notNull().default("pending"),
    current_step: integer("current_step").notNull().default(0),
    expires_at: ts("expires_at").notNull(),
    requested_by_agent_id: uuid("requested_by_agent_id").references(() => autonomy_agents.id, {
      onDelete: "set null",
    }),
    requested_by_user_id: uuid("requested_by_user_id").references(() => users.id, { onDelete: "set null" }),
    decided_at: ts("decided_at"),
    rejection_reason: text("rejection_reason"),
    execution_status: text("execution_status", { enum: EXECUTION_STATES }),
    execution_result: jsonb("execution_result").$type<Record<string, unknown>>(),
    executed_at: ts("executed_at"),
    /** The autonomy-gate graph thread paused on this request (LangGraph interrupt); resumed on a verdict. */
    graph_thread_id: text("graph_thread_id"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    // Refresh in place (§3.4 rule 5): at most one pending request per dedup key.
    uniqueIndex("approval_requests_pending_dedup").on(t.account_id, t.dedup_key).where(sql`${t.status} = 'pending'`),
    index("approval_requests_account_status").on(t.account_id, t.status, t.expires_at),
    index("approval_requests_account_created").on(t.account_id, t.created_at),
    check("approval_requests_status", inSet(t.status, APPROVAL_STATES)),
    check(
      "approval_requests_execution_status",
      sql`${t.execution_status} IS NULL OR ${inSet(t.execution_status, EXECUTION_STATES)}`,
    ),
    check("approval_requests_description", sql`char_length(${t.description}) <= 500`),
  ],
);

export const APPROVAL_VERDICTS = ["approve", "reject"] as const;

export const approval_decisions = pgTable(
  "approval_decisions",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    approval_request_id: uuid("approval_request_id")
      .notNull()
      .references(() => approval_requests.id, { onDelete: "cascade" }),
    step_index: integer("step_index").notNull(),
    user_id: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    verdict: text("verdict", { enum: APPROVAL_VERDICTS }).notNull(),
    comment: text("comment"),
    payload_hash_seen: text("payload_hash_seen").notNull(),
    decided_at: ts("decided_at").notNull(),
    /** Set when a refresh changed the payload hash: the approval no longer counts (§3.4 rule 5). */
    voided_at: ts("voided_at"),
  },
  (t) => [
    index("approval_decisions_request").on(t.approval_request_id, t.step_index),
    check("approval_decisions_verdict", inSet(t.verdict, APPROVAL_VERDICTS)),
  ],
);

export const DECISIONS = ["proceed", "pending", "blocked", "deduped", "skipped", "suppressed", "deferred"] as const;

export interface DecisionReason {
  code: string;
  detail?: unknown;
}

/** One gate decision with its reasons (§3.5 step 15). */
export const fleet_decisions = pgTable(
  "fleet_decisions",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    tick_id: uuid("tick_id"),
    signal_kind: text("signal_kind"),
    fingerprint: text("fingerprint"),
    severity: text("severity", { enum: EVENT_SEVERITIES }),
    action_category: text("action_category"),
    agent_id: uuid("agent_id").references(() => autonomy_agents.id, { onDelete: "set null" }),
    decision: text("decision", { enum: DECISIONS }).notNull(),
    gate: text("gate"),
    base_policy: text("base_policy"),
    matched_policy_id: uuid("matched_policy_id"),
    reasons: jsonb("reasons").$type<DecisionReason[]>().notNull().default([]),
    disruption_pct: integer("disruption_pct"),
    plan: jsonb("plan").$type<Record<string, unknown>>(),
    action_payload_hash: text("action_payload_hash"),
    budget: jsonb("budget").$type<Record<string, unknown>>(),
    learning_influence: jsonb("learning_influence").$type<Record<string, unknown>>(),
    approval_request_id: uuid("approval_request_id").references(() => approval_requests.id, {
      onDelete: "set null",
    }),
    remediation_id: uuid("remediation_id"),
    created_at: createdAt(),
  },
  (t) => [
    index("fleet_decisions_account_created").on(t.account_id, t.created_at),
    index("fleet_decisions_account_fingerprint").on(t.account_id, t.fingerprint),
    check("fleet_decisions_decision", inSet(t.decision, DECISIONS)),
  ],
);
