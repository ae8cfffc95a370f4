// The two backends every benchmark runs on: the embedded PGlite (on disk, as `npm start` uses it)
// and the machine's PostgreSQL (a fresh database created for the run and dropped after).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@nodepilot/core";
import { createRuntime, loadConfig, type Runtime } from "@nodepilot/server";
import pg from "pg";

export interface Backend {
  name: "pglite" | "postgres";
  runtime: Runtime;
  close(): Promise<void>;
}

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (m, d) => process.stderr.write(`${m} ${JSON.stringify(d)}\n`),
};

export const postgresAdminUrl = () =>
  process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export async function openBackend(name: Backend["name"]): Promise<Backend> {
  const dataDir = mkdtempSync(join(tmpdir(), `nodepilot-bench-${name}-`));
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (name === "postgres") {
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    await admin.connect();
    const db = `nodepilot_bench_${Date.now()}_${process.pid}`;
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const url = new URL(postgresAdminUrl());
    url.pathname = `/${db}`;
    databaseUrl = url.toString();
    dropDb = async () => {
      const c = new pg.Client({ connectionString: postgresAdminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    };
  }
  const config = loadConfig({
    NODEPILOT_DATA_DIR: dataDir,
    NODEPILOT_DB_POOL_SIZE: "10",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const runtime = await createRuntime({
    config,
    logger: silent,
    masterKey: randomBytes(32),
    writeAdminToken: false,
    startRunners: false,
  });
  return {
    name,
    runtime,
    async close() {
      await runtime.stop();
      if (dropDb) await dropDb();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
