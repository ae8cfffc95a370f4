// What the appliers did (spec/autonomy.md §3.7, §3.8): one row per applied, refused or failed
// action, inserted under its idempotency key before any side effect so that a retried or resumed
// decision acts at most once, then validated against later ticks (effective, ineffective, …).
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { approval_requests, fleet_decisions } from "./autonomy-gate.ts";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const REMEDIATION_STATES = ["applying", "applied", "refused", "failed"] as const;
export const REMEDIATION_OUTCOMES = [
  "pending",
  "effective",
  "ineffective",
  "failed",
  "inconclusive",
  "not_scored",
] as const;

export const fleet_remediations = pgTable(
  "fleet_remediations",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    decision_id: uuid("decision_id").references(() => fleet_decisions.id, { onDelete: "set null" }),
    approval_request_id: uuid("approval_request_id").references(() => approval_requests.id, {
      onDelete: "set null",
    }),
    action_category: text("action_category").notNull(),
    applier: text("applier").notNull(),
    signal_kind: text("signal_kind"),
    fingerprint: text("fingerprint"),
    /** The condition's episode when the action was taken (part of the autonomous idempotency key). */
    episode: integer("episode"),
    target_type: text("target_type").notNull(),
    target_id: text("target_id").notNull(),
    /** sha256(account|category|dedup_key|payload_hash|episode), or `approval:<request id>`. */
    idempotency_key: text("idempotency_key").notNull(),
    payload_hash: text("payload_hash").notNull(),
    /** `applying` while the side effect runs: a crash there leaves it to be finished, not repeated. */
    status: text("status", { enum: REMEDIATION_STATES }).notNull().default("applying"),
    refusal_reason: text("refusal_reason"),
    result: jsonb("result").$type<Record<string, unknown>>(),
    task_ids: uuid("task_ids").array().notNull().default(sql`'{}'::uuid[]`),
    /** The situation the decision was taken in (learnings §5.3), kept for the learning written at validation. */
    situation_text: text("situation_text"),
    acted_at: ts("acted_at"),
    settle_until: ts("settle_until"),
    outcome: text("outcome", { enum: REMEDIATION_OUTCOMES }).notNull().default("pending"),
    /** Ticks at settle or later whose owning sensor was not ok; 5 → inconclusive. */
    unvalidated_ticks: integer("unvalidated_ticks").notNull().default(0),
    validated_at: ts("validated_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("fleet_remediations_idempotency").on(t.account_id, t.idempotency_key),
    index("fleet_remediations_due").on(t.account_id, t.settle_until).where(sql`${t.outcome} = 'pending'`),
    index("fleet_remediations_fingerprint").on(t.account_id, t.fingerprint, t.acted_at),
    check("fleet_remediations_status", inSet(t.status, REMEDIATION_STATES)),
    check("fleet_remediations_outcome", inSet(t.outcome, REMEDIATION_OUTCOMES)),
  ],
);

export const BREAKER_STATES = ["closed", "open"] as const;

/**
 * The per-category circuit breaker (spec/autonomy.md §4.2): opened by the tick when the last hour
 * holds at least five scored remediations of the category and half of them failed or were
 * ineffective; while open, every decision of the category asks for approval. Closed by an operator
 * (audited) or by one approved execution validated effective.
 */
export const category_breakers = pgTable(
  "category_breakers",
  {
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    action_category: text("action_category").notNull(),
    state: text("state", { enum: BREAKER_STATES }).notNull().default("closed"),
    opened_at: ts("opened_at"),
    /** The window's figures when it opened: {scored, bad, ratio}. */
    opened_with: jsonb("opened_with").$type<Record<string, unknown>>(),
    closed_at: ts("closed_at"),
    /** `user:<id>` for an operator reset, `remediation:<id>` for a validated approved execution. */
    closed_by: text("closed_by"),
    close_reason: text("close_reason"),
    updated_at: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.account_id, t.action_category] }),
    check("category_breakers_state", inSet(t.state, BREAKER_STATES)),
  ],
);
