// similar(situation, category) of spec/autonomy.md §5.3: active/verified, polar learnings of the
// same category whose cosine similarity to the situation is ≥ the threshold, best 20; a learning of
// the very same situation (same situation_hash) counts as sim 1.0 with or without an embedding, which
// is also what is left when the embedder is down. Never throws: a decision must not fail on this.
import type { DbOrTx } from "@nodepilot/store";
import { type SQL, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { realArray } from "./embed-pending.ts";
import { situationHash } from "./situation.ts";
import type { LearningsIndex, SearchMode } from "./vector-index.ts";

export interface SimilarQuery {
  accountId: string;
  situation_text: string;
  /** The action category; `attribution` selects attribution feedback (source = attribution_feedback). */
  category: string;
  threshold?: number;
  limit?: number;
  /** Force the exact scan (the recall oracle); default: the index's mode. */
  mode?: SearchMode;
  /** A query vector already computed (e.g. the learning's own embedding); skips the embedder. */
  vector?: number[];
}

export interface SimilarLearning {
  id: string;
  title: string;
  polarity: "confirmed" | "rejected";
  confidence: number;
  sim: number;
  /** Same situation_hash as the query. */
  exact: boolean;
  last_reinforced_at: Date;
}

export interface SimilarResult {
  learnings: SimilarLearning[];
  /** Why the answer may be partial: the embedder failed (exact matches only), or the search failed (empty). */
  degraded: null | "embedding_unavailable" | "search_failed";
}

const vectorLiteral = (v: readonly number[]) => `[${v.join(",")}]`;

function filters(q: SimilarQuery): SQL {
  const category =
    q.category === "attribution" ? sql`source = 'attribution_feedback'` : sql`action_category = ${q.category}`;
  return sql`account_id = ${q.accountId} AND ${category} AND status IN ('active', 'verified') AND polarity <> 'neutral'`;
}

function exactScan(
  q: SimilarQuery,
  hash: string,
  model: string,
  vector: number[] | undefined,
  threshold: number,
  limit: number,
): SQL {
  // Embeddings are stored L2-normalised, so the dot product is the cosine similarity.
  const sim = vector
    ? sql`CASE WHEN situation_hash = ${hash} THEN 1.0::float8
        ELSE (SELECT sum(a::float8 * b) FROM unnest(embedding, ${realArray(vector)}::real[]) AS t(a, b)) END`
    : sql`1.0::float8`;
  const candidates = vector
    ? sql`(situation_hash = ${hash} OR (embedding_status = 'ready' AND embedding_model = ${model}))`
    : sql`situation_hash = ${hash}`;
  return sql`
    SELECT * FROM (
      SELECT id, title, polarity, confidence_score AS confidence, situation_hash = ${hash} AS exact,
        last_reinforced_at, ${sim} AS sim
      FROM learnings WHERE ${filters(q)} AND ${candidates}
    ) s WHERE sim >= ${threshold} ORDER BY sim DESC, id LIMIT ${limit}`;
}

function hnswScan(
  q: SimilarQuery,
  hash: string,
  model: string,
  vector: number[],
  threshold: number,
  limit: number,
): SQL {
  const v = vectorLiteral(vector);
  return sql`
    WITH near AS (
      SELECT id, 1 - (embedding_vec <=> ${v}::vector) AS sim FROM learnings
      WHERE ${filters(q)} AND embedding_status = 'ready' AND embedding_model = ${model} AND embedding_vec IS NOT NULL
      ORDER BY embedding_vec <=> ${v}::vector LIMIT ${limit}
    ), same AS (
      SELECT id, 1.0::float8 AS sim FROM learnings WHERE ${filters(q)} AND situation_hash = ${hash}
    ), hits AS (
      SELECT id, max(sim) AS sim FROM (SELECT * FROM near UNION ALL SELECT * FROM same) u GROUP BY id
    )
    SELECT l.id, l.title, l.polarity, l.confidence_score AS confidence, l.situation_hash = ${hash} AS exact,
      l.last_reinforced_at, h.sim
    FROM hits h JOIN learnings l ON l.id = h.id
    WHERE h.sim >= ${threshold} ORDER BY h.sim DESC, l.id LIMIT ${limit}`;
}

type Row = {
  id: string;
  title: string;
  polarity: "confirmed" | "rejected";
  confidence: number;
  exact: boolean;
  last_reinforced_at: Date | string;
  sim: number | string;
};

export async function similarLearnings(db: DbOrTx, index: LearningsIndex, q: SimilarQuery): Promise<SimilarResult> {
  const threshold = q.threshold ?? 0.85;
  const limit = q.limit ?? 20;
  const hash = situationHash(q.situation_text);
  const model = index.embedder.model;
  let vector = q.vector;
  let degraded: SimilarResult["degraded"] = null;
  if (!vector) {
    try {
      [vector] = await index.embedder.embed([q.situation_text]);
    } catch {
      degraded = "embedding_unavailable";
    }
  }
  const mode = q.mode ?? index.mode;
  try {
    const query =
      mode === "hnsw" && vector
        ? hnswScan(q, hash, model, vector, threshold, limit)
        : exactScan(q, hash, model, vector, threshold, limit);
    // Inside a caller's transaction a failed statement would abort it: run under a savepoint there.
    const r =
      db instanceof PgTransaction ? await db.transaction((sp) => sp.execute<Row>(query)) : await db.execute<Row>(query);
    return {
      degraded,
      learnings: r.rows.map((x) => ({
        id: x.id,
        title: x.title,
        polarity: x.polarity,
        confidence: Number(x.confidence),
        // float4 embeddings make a self-match 0.9999999; clamp into [−1, 1].
        sim: Math.min(1, Math.max(-1, Number(x.sim))),
        exact: x.exact,
        last_reinforced_at: new Date(x.last_reinforced_at),
      })),
    };
  } catch {
    return { learnings: [], degraded: "search_failed" };
  }
}
