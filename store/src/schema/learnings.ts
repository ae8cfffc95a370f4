// The learning loop's records (spec/autonomy.md §5): one learning per (account, situation_hash,
// polarity), and policy proposals derived from clusters of them. The embedding is stored as a plain
// `real[]` so that the same migrations run on a server without pgvector; where the extension exists a
// start-time step adds a `vector(D)` copy with an HNSW index (ADR 0007, core/src/learnings/vector-index.ts).
import { sql } from "drizzle-orm";
import {
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, ts, updatedAt } from "./columns.ts";
import { accounts } from "./tenancy.ts";

export const LEARNING_SOURCES = ["decision_outcome", "approval_outcome", "attribution_feedback", "operator"] as const;
export const LEARNING_CATEGORIES = [
  "pattern",
  "anti_pattern",
  "best_practice",
  "discovery",
  "fact",
  "failure_mode",
  "review_finding",
  "performance_insight",
] as const;
export const LEARNING_SCOPES = ["team", "global"] as const;
export const LEARNING_STATUSES = ["active", "verified", "deprecated", "superseded", "disproven", "retired"] as const;
export const LEARNING_POLARITIES = ["confirmed", "rejected", "neutral"] as const;
export const EMBEDDING_STATUSES = ["pending", "ready", "failed"] as const;

const inList = (col: unknown, values: readonly string[]) =>
  sql`${col} IN (${sql.raw(values.map((v) => `'${v}'`).join(", "))})`;

export const learnings = pgTable(
  "learnings",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    agent_id: uuid("agent_id"),
    source: text("source", { enum: LEARNING_SOURCES }).notNull(),
    title: text("title").notNull(),
    content: text("content").notNull().default(""),
    category: text("category", { enum: LEARNING_CATEGORIES }).notNull(),
    scope: text("scope", { enum: LEARNING_SCOPES }).notNull().default("team"),
    status: text("status", { enum: LEARNING_STATUSES }).notNull().default("active"),
    polarity: text("polarity", { enum: LEARNING_POLARITIES }).notNull(),
    signal_kind: text("signal_kind"),
    /** The gate's action category (`module.sync`), or `attribution` for attribution feedback. */
    action_category: text("action_category").notNull(),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    situation_text: text("situation_text").notNull(),
    situation_hash: text("situation_hash").notNull(),
    /** L2-normalised, so a dot product is the cosine similarity; null until embedded. */
    embedding: real("embedding").array(),
    /** The embedder (`local-hash-256`, or the remote model name) that produced `embedding`. */
    embedding_model: text("embedding_model"),
    embedding_status: text("embedding_status", { enum: EMBEDDING_STATUSES }).notNull().default("pending"),
    embedding_attempts: integer("embedding_attempts").notNull().default(0),
    embedding_next_attempt_at: ts("embedding_next_attempt_at"),
    embedding_error: text("embedding_error"),
    importance_score: doublePrecision("importance_score").notNull(),
    confidence_score: doublePrecision("confidence_score").notNull(),
    effectiveness_score: doublePrecision("effectiveness_score"),
    access_count: integer("access_count").notNull().default(0),
    injection_count: integer("injection_count").notNull().default(0),
    positive_outcome_count: integer("positive_outcome_count").notNull().default(0),
    negative_outcome_count: integer("negative_outcome_count").notNull().default(0),
    decay_rate: doublePrecision("decay_rate").notNull().default(0.01),
    evidence: text("evidence").array().notNull().default(sql`'{}'::text[]`),
    superseded_by_id: uuid("superseded_by_id"),
    verified_at: ts("verified_at"),
    verified_by: uuid("verified_by"),
    disproven_at: ts("disproven_at"),
    disproven_by: uuid("disproven_by"),
    contradiction_note: text("contradiction_note"),
    last_reinforced_at: ts("last_reinforced_at").notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("learnings_situation").on(t.account_id, t.situation_hash, t.polarity),
    index("learnings_similar").on(t.account_id, t.action_category, t.status, t.polarity),
    index("learnings_embedding_pending").on(t.embedding_next_attempt_at).where(sql`${t.embedding_status} = 'pending'`),
    check("learnings_source", inList(t.source, LEARNING_SOURCES)),
    check("learnings_category", inList(t.category, LEARNING_CATEGORIES)),
    check("learnings_scope", inList(t.scope, LEARNING_SCOPES)),
    check("learnings_status", inList(t.status, LEARNING_STATUSES)),
    check("learnings_polarity", inList(t.polarity, LEARNING_POLARITIES)),
    check("learnings_embedding_status", inList(t.embedding_status, EMBEDDING_STATUSES)),
    check("learnings_title_length", sql`char_length(${t.title}) <= 120`),
    check("learnings_content_length", sql`char_length(${t.content}) <= 2000`),
    check("learnings_scores", sql`${t.importance_score} BETWEEN 0 AND 1 AND ${t.confidence_score} BETWEEN 0 AND 1`),
  ],
);

export const PROPOSAL_DIRECTIONS = ["tighten", "loosen"] as const;
export const PROPOSAL_STATUSES = ["open", "accepted", "dismissed", "superseded", "expired"] as const;

/** §5.5: what the learning loop suggests; only a human accept turns one into a policy row. */
export const policy_proposals = pgTable(
  "policy_proposals",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    action_category: text("action_category").notNull(),
    direction: text("direction", { enum: PROPOSAL_DIRECTIONS }).notNull(),
    from_policy: text("from_policy").notNull(),
    to_policy: text("to_policy").notNull(),
    suggested_conditions: jsonb("suggested_conditions").$type<Record<string, unknown>>(),
    evidence_learning_ids: uuid("evidence_learning_ids").array().notNull(),
    rationale: text("rationale").notNull(),
    status: text("status", { enum: PROPOSAL_STATUSES }).notNull().default("open"),
    expires_at: ts("expires_at").notNull(),
    decided_by: uuid("decided_by"),
    decided_at: ts("decided_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    // ≤ 1 open proposal per (category, direction).
    uniqueIndex("policy_proposals_open")
      .on(t.account_id, t.action_category, t.direction)
      .where(sql`${t.status} = 'open'`),
    check("policy_proposals_direction", inList(t.direction, PROPOSAL_DIRECTIONS)),
    check("policy_proposals_status", inList(t.status, PROPOSAL_STATUSES)),
  ],
);
