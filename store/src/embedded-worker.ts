// The embedded database's own thread: PGlite (with pgvector) and its loopback wire server run here,
// so initdb and every query use a core of their own instead of the process's event loop, and a
// first start boots the cluster while the main thread is still loading modules. A new database
// starts from the cached cluster template when there is one, and leaves one behind when there is
// not (cluster-template.ts). The parent sends "close"; the thread answers once all is shut.
import { existsSync, readdirSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { readTemplate, templateKey, writeTemplate } from "./cluster-template.ts";
import { migrationsFolder } from "./migrate.ts";
import { serveWire } from "./pglite-wire.ts";

export interface EmbeddedWorkerData {
  dataDir: string | undefined;
  maxConnections: number;
  /** Directory of cluster templates; undefined always runs initdb. */
  templateDir: string | undefined;
}

export type EmbeddedWorkerMessage =
  | { type: "ready"; port: number; from: "existing" | "template" | "initdb" }
  | { type: "failed"; message: string }
  | { type: "closed" };

const isNew = (dataDir: string | undefined) => !dataDir || !existsSync(dataDir) || readdirSync(dataDir).length === 0;

async function open(data: EmbeddedWorkerData): Promise<{ pglite: PGlite; from: "existing" | "template" | "initdb" }> {
  const base = { ...(data.dataDir ? { dataDir: data.dataDir } : {}), extensions: { vector } };
  if (!isNew(data.dataDir)) return { pglite: await PGlite.create(base), from: "existing" };
  const key = data.templateDir ? templateKey() : undefined;
  const template = data.templateDir && key ? readTemplate(data.templateDir, key) : undefined;
  if (template) return { pglite: await PGlite.create({ ...base, loadDataDir: template }), from: "template" };
  const pglite = await PGlite.create(base);
  await pglite.exec("CREATE EXTENSION IF NOT EXISTS vector");
  if (data.templateDir && key) {
    // The same migrations the pool applies next (which then find nothing to do), so the template
    // holds the current schema and nothing else: no account, no key, no row.
    await migrate(drizzle(pglite), { migrationsFolder });
    await writeTemplate(data.templateDir, key, await pglite.dumpDataDir("gzip")).catch(() => {
      // A read-only or full cache directory costs the next start its initdb, nothing more.
    });
  }
  return { pglite, from: "initdb" };
}

async function run(port: NonNullable<typeof parentPort>, data: EmbeddedWorkerData): Promise<void> {
  const { pglite, from } = await open(data);
  const server = await serveWire(pglite, { maxConnections: data.maxConnections });
  port.on("message", (msg: unknown) => {
    if (msg !== "close") return;
    void (async () => {
      await server.close();
      await pglite.close();
      port.postMessage({ type: "closed" } satisfies EmbeddedWorkerMessage);
    })();
  });
  port.postMessage({ type: "ready", port: server.port, from } satisfies EmbeddedWorkerMessage);
}

if (parentPort) {
  const port = parentPort;
  run(port, workerData as EmbeddedWorkerData).catch((err: unknown) => {
    port.postMessage({
      type: "failed",
      message: err instanceof Error ? err.message : String(err),
    } satisfies EmbeddedWorkerMessage);
  });
}
