// The start-time step that picks how similar() searches (ADR 0007). The migrations create
// `learnings.embedding real[]` everywhere; where pgvector exists this step adds `embedding_vec
// vector(D)`, a trigger that keeps it equal to `embedding`, and an HNSW `vector_cosine_ops` index.
// Without pgvector the exact scan (cosine over real[] in SQL) is the search. Not a drizzle migration,
// because D is the configured embedder's dimension and the extension may be missing.
import type { Database, DbOrTx } from "@nodepilot/store";
import { sql } from "drizzle-orm";
import type { Logger } from "../catalog/context.ts";
import type { Embedder } from "./embedder.ts";

export type SearchMode = "hnsw" | "exact";

/** What similar() and embedPending() need: how to search, and with which embedder. */
export interface LearningsIndex {
  mode: SearchMode;
  embedder: Embedder;
}

const PREPARE_LOCK = 72_410_007;

async function vectorColumnType(db: DbOrTx): Promise<string | undefined> {
  const r = await db.execute<{ type: string }>(sql`
    SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
    WHERE a.attrelid = 'learnings'::regclass AND a.attname = 'embedding_vec' AND NOT a.attisdropped`);
  return r.rows[0]?.type;
}

/** Column, trigger and index all in place for this dimension: nothing to do (no table locks taken). */
async function vectorIndexReady(db: DbOrTx, dimensions: number): Promise<boolean> {
  if ((await vectorColumnType(db)) !== `vector(${dimensions})`) return false;
  const r = await db.execute<{ ok: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'learnings'::regclass AND tgname = 'learnings_embedding_vec')
       AND EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'learnings' AND indexname = 'learnings_embedding_hnsw') AS ok`);
  return r.rows[0]?.ok === true;
}

async function addVectorIndex(db: DbOrTx, dimensions: number): Promise<void> {
  const d = sql.raw(String(Math.trunc(dimensions)));
  await db.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
  if (await vectorIndexReady(db, dimensions)) return;
  const existing = await vectorColumnType(db);
  if (existing !== undefined && existing !== `vector(${dimensions})`) {
    // The embedder's dimension changed: the old vectors cannot be compared with new ones.
    await db.execute(sql`ALTER TABLE learnings DROP COLUMN embedding_vec`);
  }
  await db.execute(sql`ALTER TABLE learnings ADD COLUMN IF NOT EXISTS embedding_vec vector(${d})`);
  await db.execute(sql`
    CREATE OR REPLACE FUNCTION learnings_embedding_vec() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.embedding_vec := CASE WHEN array_length(NEW.embedding, 1) = ${d} THEN NEW.embedding::vector(${d}) END;
      RETURN NEW;
    END $$`);
  await db.execute(sql`DROP TRIGGER IF EXISTS learnings_embedding_vec ON learnings`);
  await db.execute(sql`
    CREATE TRIGGER learnings_embedding_vec BEFORE INSERT OR UPDATE OF embedding ON learnings
    FOR EACH ROW EXECUTE FUNCTION learnings_embedding_vec()`);
  await db.execute(sql`
    UPDATE learnings SET embedding_vec = embedding::vector(${d})
    WHERE embedding_vec IS NULL AND array_length(embedding, 1) = ${d}`);
  await db.execute(sql`
    CREATE INDEX IF NOT EXISTS learnings_embedding_hnsw ON learnings USING hnsw (embedding_vec vector_cosine_ops)`);
}

/**
 * Run once per process start, before similar() is used. Rows embedded by another model go back to
 * pending (§5.3: a model change re-embeds all rows). Logs the chosen search mode.
 */
export async function prepareLearningsIndex(
  database: Pick<Database, "db" | "hasVector">,
  embedder: Embedder,
  logger: Logger,
): Promise<LearningsIndex> {
  const prepare = (withVector: boolean) =>
    database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${PREPARE_LOCK})`);
      await tx.execute(sql`
        UPDATE learnings SET embedding_status = 'pending', embedding = NULL, embedding_attempts = 0,
          embedding_next_attempt_at = NULL, embedding_error = NULL
        WHERE embedding_model IS DISTINCT FROM ${embedder.model} AND embedding_status <> 'pending'`);
      if (!withVector) return "exact" as const;
      await addVectorIndex(tx, embedder.dimensions);
      return "hnsw" as const;
    });
  let mode: SearchMode;
  try {
    mode = await prepare(database.hasVector);
  } catch (err) {
    if (!database.hasVector) throw err;
    // Available but not installable here (CREATE EXTENSION needs rights this role lacks).
    logger.warn("learnings: pgvector available but could not be set up; using the exact scan", {
      error: err instanceof Error ? err.message : String(err),
    });
    mode = await prepare(false);
  }
  if (mode === "hnsw") {
    logger.info("learnings: pgvector HNSW", { model: embedder.model, dimensions: embedder.dimensions });
  } else {
    logger.info(
      database.hasVector
        ? "learnings: exact scan (pgvector not usable)"
        : "learnings: exact scan (no pgvector on this server)",
      {
        model: embedder.model,
        dimensions: embedder.dimensions,
      },
    );
  }
  return { mode, embedder };
}
