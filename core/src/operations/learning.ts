// Reading the learning loop's records (spec/autonomy.md §5.1): a filtered, newest-first list and
// one learning by id. The embedding vector stays in the store; its status is shown.
import {
  EMBEDDING_STATUSES,
  LEARNING_CATEGORIES,
  LEARNING_POLARITIES,
  LEARNING_SOURCES,
  LEARNING_STATUSES,
  learnings,
} from "@nodepilot/store";
import { and, arrayContains, eq, type SQL } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { notFound } from "../errors.ts";
import { containsFilter, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdInput, NullableTimestamp, Timestamp, Uuid } from "../schemas/common.ts";

const LearningSchema = z.strictObject({
  id: Uuid,
  source: z.enum(LEARNING_SOURCES),
  title: z.string(),
  content: z.string(),
  category: z.enum(LEARNING_CATEGORIES),
  status: z.enum(LEARNING_STATUSES),
  polarity: z.enum(LEARNING_POLARITIES),
  signal_kind: z.string().nullable(),
  action_category: z.string(),
  tags: z.array(z.string()),
  situation_text: z.string(),
  importance_score: z.number(),
  confidence_score: z.number(),
  effectiveness_score: z.number().nullable(),
  access_count: z.number().int(),
  evidence: z.array(z.string()),
  contradiction_note: z.string().nullable(),
  embedding_status: z.enum(EMBEDDING_STATUSES),
  last_reinforced_at: NullableTimestamp,
  created_at: Timestamp,
  updated_at: Timestamp,
});

type LearningRow = Omit<
  typeof learnings.$inferSelect,
  | "account_id"
  | "agent_id"
  | "scope"
  | "situation_hash"
  | "embedding"
  | "embedding_model"
  | "embedding_attempts"
  | "embedding_next_attempt_at"
  | "embedding_error"
  | "injection_count"
  | "positive_outcome_count"
  | "negative_outcome_count"
  | "decay_rate"
  | "superseded_by_id"
  | "verified_at"
  | "verified_by"
  | "disproven_at"
  | "disproven_by"
>;

function learningOut(r: LearningRow): z.infer<typeof LearningSchema> {
  return {
    id: r.id,
    source: r.source,
    title: r.title,
    content: r.content,
    category: r.category,
    status: r.status,
    polarity: r.polarity,
    signal_kind: r.signal_kind,
    action_category: r.action_category,
    tags: r.tags,
    situation_text: r.situation_text,
    importance_score: r.importance_score,
    confidence_score: r.confidence_score,
    effectiveness_score: r.effectiveness_score,
    access_count: r.access_count,
    evidence: r.evidence,
    contradiction_note: r.contradiction_note,
    embedding_status: r.embedding_status,
    last_reinforced_at: r.last_reinforced_at ? r.last_reinforced_at.toISOString() : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

// The columns shown: not the vector and its bookkeeping.
const columns: { [K in keyof LearningRow]: (typeof learnings)[K] } = {
  id: learnings.id,
  source: learnings.source,
  title: learnings.title,
  content: learnings.content,
  category: learnings.category,
  status: learnings.status,
  polarity: learnings.polarity,
  signal_kind: learnings.signal_kind,
  action_category: learnings.action_category,
  tags: learnings.tags,
  situation_text: learnings.situation_text,
  importance_score: learnings.importance_score,
  confidence_score: learnings.confidence_score,
  effectiveness_score: learnings.effectiveness_score,
  access_count: learnings.access_count,
  evidence: learnings.evidence,
  contradiction_note: learnings.contradiction_note,
  embedding_status: learnings.embedding_status,
  last_reinforced_at: learnings.last_reinforced_at,
  created_at: learnings.created_at,
  updated_at: learnings.updated_at,
};

export const learningList = defineOperation({
  name: "learning.list",
  title: "List learnings",
  description:
    "The learnings the autonomy loop has recorded from decision outcomes, approvals and attribution feedback, newest first: what worked (confirmed), what did not (rejected) and neutral facts, with importance and confidence scores (0–1), access count and tags. Filters: source (decision_outcome, approval_outcome, attribution_feedback, operator), polarity, status, category, tag (exact, e.g. attribution, outcome:rejected or module:<id>) and q (words in the title). Paginate with cursor.",
  examples: [
    { phrase: "what has autonomy learned so far", input: {} },
    {
      phrase: "show rejected attribution learnings",
      input: { source: "attribution_feedback", polarity: "rejected" },
    },
  ],
  input: z.strictObject({
    ...listInputShape,
    source: z.enum(LEARNING_SOURCES).optional(),
    polarity: z.enum(LEARNING_POLARITIES).optional(),
    status: z.enum(LEARNING_STATUSES).optional(),
    category: z.enum(LEARNING_CATEGORIES).optional(),
    tag: z.string().min(1).max(200).optional().describe("Only learnings carrying this exact tag."),
    q: z.string().min(1).max(200).optional().describe("Case-insensitive text in the title."),
  }),
  output: listOutput(LearningSchema),
  scope: "autonomy:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/learnings" },
  async execute(ctx, input) {
    const filters: (SQL | undefined)[] = [
      eq(learnings.account_id, ctx.principal.accountId),
      input.source ? eq(learnings.source, input.source) : undefined,
      input.polarity ? eq(learnings.polarity, input.polarity) : undefined,
      input.status ? eq(learnings.status, input.status) : undefined,
      input.category ? eq(learnings.category, input.category) : undefined,
      input.tag ? arrayContains(learnings.tags, [input.tag]) : undefined,
      containsFilter(learnings.title, input.q),
    ];
    const { after, order } = pageClause({ createdAt: learnings.created_at, id: learnings.id }, input.cursor, true);
    const rows = await ctx.db
      .select(columns)
      .from(learnings)
      .where(whereAll(...filters, after))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, learningOut);
  },
});

export const learningGet = defineOperation({
  name: "learning.get",
  title: "Get a learning",
  description:
    "Read one learning by id: title and content, source, category, polarity and status, the situation it describes, its importance, confidence and effectiveness scores, access count, tags, evidence ids, any contradiction note and its embedding status.",
  examples: [
    { phrase: "show learning 0190…", input: { id: "<learning id>" } },
    { phrase: "open the learning my confirmation recorded", input: { id: "<learning id>" } },
  ],
  input: z.strictObject(IdInput),
  output: LearningSchema,
  scope: "autonomy:read",
  effect: "read",
  http: { method: "GET", path: "/learnings/:id" },
  async execute(ctx, input) {
    const [row] = await ctx.db
      .select(columns)
      .from(learnings)
      .where(and(eq(learnings.id, input.id), eq(learnings.account_id, ctx.principal.accountId)))
      .limit(1);
    if (!row) throw notFound("learning", input.id);
    return learningOut(row);
  },
});

export const learningOperations = [learningList, learningGet];
