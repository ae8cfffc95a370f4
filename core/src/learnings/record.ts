// Writing a learning (spec/autonomy.md §5.2) inside the caller's transaction, with its fleet event:
// one row per (account, situation_hash, polarity); a repeat reinforces it, and the opposite-polarity
// row of the same situation is weakened and annotated. The embedding is left pending for
// embedPending(), so a decision never waits on an embedding model.
import { learnings, type Tx } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import { type EventOrigin, emitEvent } from "../events/emit.ts";
import { situationHash } from "./situation.ts";
import { LEARNING_TRIGGERS, type LearningTrigger } from "./triggers.ts";

export interface RecordLearningInput {
  trigger: LearningTrigger;
  /** situationText(…) or attributionSituationText(…). */
  situation_text: string;
  action_category: string;
  signal_kind?: string | null;
  agent_id?: string | null;
  title: string;
  content?: string;
  tags?: string[];
  /** Ids of what this learning rests on (decision, approval request, remediation). */
  evidence?: string[];
}

export interface RecordedLearning {
  id: string;
  polarity: "confirmed" | "rejected" | "neutral";
  /** False for a new row, true when an existing one was reinforced. */
  reinforced: boolean;
  confidence: number;
  /** The opposite-polarity learning that was weakened, if any. */
  contradicted_id: string | null;
}

const OPPOSITE = { confirmed: "rejected", rejected: "confirmed" } as const;

export async function recordLearning(
  tx: Tx,
  origin: EventOrigin,
  input: RecordLearningInput,
): Promise<RecordedLearning> {
  const rule = LEARNING_TRIGGERS[input.trigger];
  const accountId = origin.principal.accountId;
  const hash = situationHash(input.situation_text);
  const now = origin.now;
  const [row] = await tx
    .insert(learnings)
    .values({
      account_id: accountId,
      agent_id: input.agent_id ?? null,
      source: rule.source,
      title: input.title.slice(0, 120),
      content: (input.content ?? "").slice(0, 2000),
      category: rule.category,
      polarity: rule.polarity,
      signal_kind: input.signal_kind ?? null,
      action_category: input.action_category,
      tags: input.tags ?? [],
      situation_text: input.situation_text,
      situation_hash: hash,
      importance_score: rule.importance,
      confidence_score: rule.confidence,
      access_count: 1,
      evidence: input.evidence ?? [],
      last_reinforced_at: now,
    })
    .onConflictDoUpdate({
      target: [learnings.account_id, learnings.situation_hash, learnings.polarity],
      set: {
        access_count: sql`${learnings.access_count} + 1`,
        confidence_score: sql`GREATEST(${learnings.confidence_score}, LEAST(0.95, ${learnings.confidence_score} + 0.1 * (1 - ${learnings.confidence_score})))`,
        evidence: sql`ARRAY(SELECT DISTINCT e FROM unnest(${learnings.evidence} || excluded.evidence) AS e ORDER BY e)`,
        last_reinforced_at: now,
        updated_at: now,
      },
    })
    .returning({
      id: learnings.id,
      confidence: learnings.confidence_score,
      inserted: sql<boolean>`(xmax = 0)`,
    });
  if (!row) throw new Error("learning upsert returned nothing");
  let contradictedId: string | null = null;
  if (rule.polarity !== "neutral") {
    const [other] = await tx
      .update(learnings)
      .set({
        confidence_score: sql`${learnings.confidence_score} * 0.8`,
        contradiction_note: `Contradicted ${now.toISOString()} by ${rule.polarity} learning ${row.id} (${input.trigger})`,
        updated_at: now,
      })
      .where(
        and(
          eq(learnings.account_id, accountId),
          eq(learnings.situation_hash, hash),
          eq(learnings.polarity, OPPOSITE[rule.polarity]),
        ),
      )
      .returning({ id: learnings.id });
    contradictedId = other?.id ?? null;
  }
  await emitEvent(tx, origin, {
    kind: "autonomy.learning_recorded",
    severity: "low",
    subject_type: "learning",
    subject_id: row.id,
    payload: {
      learning_id: row.id,
      trigger: input.trigger,
      polarity: rule.polarity,
      category: rule.category,
      action_category: input.action_category,
      reinforced: !row.inserted,
      confidence: row.confidence,
      ...(contradictedId ? { contradicted_learning_id: contradictedId } : {}),
    },
  });
  return {
    id: row.id,
    polarity: rule.polarity,
    reinforced: !row.inserted,
    confidence: row.confidence,
    contradicted_id: contradictedId,
  };
}
