// The embedded default: PGlite (with pgvector) served on loopback over the PostgreSQL wire
// protocol, so every caller speaks the same `pg` protocol it would to a PostgreSQL server (ADR 0001).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { serveWire } from "./pglite-wire.ts";

export interface EmbeddedServer {
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory under which the database files live; undefined keeps the database in memory. */
  dataDir?: string | undefined;
  maxConnections: number;
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  let dataDir: string | undefined;
  if (opts.dataDir) {
    dataDir = join(opts.dataDir, "pgdata");
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector } });
  await pglite.exec("CREATE EXTENSION IF NOT EXISTS vector");
  const server = await serveWire(pglite, { maxConnections: opts.maxConnections });
  return {
    url: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
    async close() {
      await server.close();
      await pglite.close();
    },
  };
}
