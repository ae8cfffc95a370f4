// The embedded default: PGlite (with pgvector) served on loopback through pglite-socket, so every
// caller speaks the same `pg` wire protocol as it would to a PostgreSQL server.
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedServer {
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory under which the database files live; undefined keeps the database in memory. */
  dataDir?: string;
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
  const server = new PGLiteSocketServer({
    db: pglite,
    host: "127.0.0.1",
    port: 0,
    maxConnections: opts.maxConnections,
  });
  await server.start();
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    async close() {
      await server.stop();
      await pglite.close();
    },
  };
}
