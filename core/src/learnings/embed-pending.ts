// Embedding learnings outside the transaction that wrote them (spec/autonomy.md §5.3): a batch of
// pending rows due for an attempt is embedded in one call; failures back off 1 min, 2, 4 … capped at
// 1 h, and a row still failing 24 h after it was written becomes `failed` (its exact situation_hash
// match keeps working). Meant to run as a job, repeatedly, until it reports nothing left.
import type { DbOrTx } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import type { Embedder } from "./embedder.ts";

export interface EmbedPendingResult {
  embedded: number;
  retried: number;
  failed: number;
}

/** A PostgreSQL array literal; passed as one text parameter (drizzle would spread a JS array). */
export const realArray = (v: readonly number[]): string => `{${v.join(",")}}`;

const GIVE_UP_MS = 24 * 3600_000;

/** Minutes before attempt n+1 after n failed attempts: 1, 2, 4, … 60. */
export const embedBackoffMs = (attempts: number): number => Math.min(60, 2 ** Math.max(0, attempts - 1)) * 60_000;

export async function embedPending(
  db: DbOrTx,
  embedder: Embedder,
  opts: { now?: Date; batchSize?: number; signal?: AbortSignal; accountId?: string } = {},
): Promise<EmbedPendingResult> {
  const now = opts.now ?? new Date();
  const batch = await db.execute<{
    id: string;
    situation_text: string;
    attempts: number;
    created_at: Date | string;
  }>(sql`
    SELECT id, situation_text, embedding_attempts AS attempts, created_at FROM learnings
    WHERE embedding_status = 'pending' AND (embedding_next_attempt_at IS NULL OR embedding_next_attempt_at <= ${now})
      ${opts.accountId ? sql`AND account_id = ${opts.accountId}::uuid` : sql``}
    ORDER BY embedding_next_attempt_at NULLS FIRST, id LIMIT ${opts.batchSize ?? 64}`);
  const rows = batch.rows;
  if (rows.length === 0) return { embedded: 0, retried: 0, failed: 0 };
  let vectors: number[][];
  try {
    vectors = await embedder.embed(
      rows.map((r) => r.situation_text),
      opts.signal,
    );
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    let failed = 0;
    for (const r of rows) {
      const attempts = r.attempts + 1;
      const giveUp = now.getTime() - new Date(r.created_at).getTime() >= GIVE_UP_MS;
      if (giveUp) failed++;
      await db.execute(sql`
        UPDATE learnings SET embedding_attempts = ${attempts}, embedding_error = ${message},
          embedding_status = ${giveUp ? "failed" : "pending"},
          embedding_next_attempt_at = ${giveUp ? null : new Date(now.getTime() + embedBackoffMs(attempts))}
        WHERE id = ${r.id} AND embedding_status = 'pending'`);
    }
    return { embedded: 0, retried: rows.length - failed, failed };
  }
  // One statement for the batch; a row re-marked pending meanwhile (model change) is left alone.
  const values = rows.map((r, i) => sql`(${r.id}::uuid, ${realArray(vectors[i] ?? [])}::real[])`);
  await db.execute(sql`
    UPDATE learnings l SET embedding = v.embedding, embedding_model = ${embedder.model},
      embedding_status = 'ready', embedding_error = NULL, embedding_next_attempt_at = NULL
    FROM (VALUES ${sql.join(values, sql`, `)}) AS v(id, embedding)
    WHERE l.id = v.id AND l.embedding_status = 'pending'`);
  return { embedded: rows.length, retried: 0, failed: 0 };
}
