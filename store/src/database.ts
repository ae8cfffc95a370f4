// The database factory: one path for every process, the `pg` driver, pointed either at the
// machine's PostgreSQL (DATABASE_URL) or at the embedded PGlite served on loopback.
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { type EmbeddedServer, embeddedConnectionLimit, startEmbeddedPostgres } from "./embedded.ts";
import { runMigrations } from "./migrate.ts";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;
/** A transaction handle; any query helper that takes a Db also accepts this. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  kind: "embedded" | "postgres";
  url: string;
  pool: pg.Pool;
  db: Db;
  /** Whether the server has the pgvector extension available. */
  hasVector: boolean;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  /** Embedded data directory; undefined with no databaseUrl means an in-memory database. */
  dataDir?: string | undefined;
  poolSize?: number;
  migrate?: boolean;
  /**
   * An embedded server already booting (see `startEmbeddedPostgres`), so a caller can overlap the
   * cluster's first initdb with loading the rest of the program. Only without `databaseUrl`.
   */
  embedded?: Promise<EmbeddedServer> | undefined;
}

// Timestamps come back as Date; bigints that fit are numbers. Parsers are per pool, not global.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const poolSize = opts.poolSize ?? 10;
  let kind: Database["kind"] = "postgres";
  let url = opts.databaseUrl;
  let closeEmbedded: (() => Promise<void>) | undefined;
  if (url && opts.embedded) throw new Error("openDatabase: pass databaseUrl or an embedded server, not both");
  if (!url) {
    const embedded = await (opts.embedded ??
      startEmbeddedPostgres({ dataDir: opts.dataDir, maxConnections: embeddedConnectionLimit(poolSize) }));
    url = embedded.url;
    closeEmbedded = embedded.close;
    kind = "embedded";
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  pool.on("error", () => {
    // An idle client lost its connection (server restart); the pool replaces it on next use.
  });
  try {
    if (opts.migrate !== false) await runMigrations(pool);
    const ext = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    const db = drizzle(pool, { schema });
    return {
      kind,
      url,
      pool,
      db,
      hasVector: (ext.rowCount ?? 0) > 0,
      async close() {
        await pool.end();
        if (closeEmbedded) await closeEmbedded();
      },
    };
  } catch (err) {
    await pool.end().catch(() => {});
    if (closeEmbedded) await closeEmbedded().catch(() => {});
    throw err;
  }
}
