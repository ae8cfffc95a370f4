// Where gate threads are checkpointed: @langchain/langgraph-checkpoint-postgres on the process's
// own pool, in schema "langgraph" — the machine's PostgreSQL, or the embedded PGlite through its
// wire front (ADR 0001), so a paused approval survives a restart either way. The tables are made
// by migration 0012, so setup() here only confirms there is nothing left to do.
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Database } from "@nodepilot/store";

export const CHECKPOINT_SCHEMA = "langgraph";

export async function openCheckpointer(database: Database): Promise<PostgresSaver> {
  const saver = new PostgresSaver(database.pool, undefined, { schema: CHECKPOINT_SCHEMA });
  await saver.setup();
  return saver;
}
