// The embedded default: PGlite (with pgvector) served on loopback over the PostgreSQL wire
// protocol, so every caller speaks the same `pg` protocol it would to a PostgreSQL server (ADR 0001).
// The database runs in a worker thread (embedded-worker.ts).
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { defaultTemplateCacheDir } from "./cluster-template.ts";
import type { EmbeddedWorkerData, EmbeddedWorkerMessage } from "./embedded-worker.ts";

export interface EmbeddedServer {
  url: string;
  /** How the cluster came up: an existing data directory, the cached template, or a fresh initdb. */
  from: "existing" | "template" | "initdb";
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory under which the database files live; undefined keeps the database in memory. */
  dataDir?: string | undefined;
  maxConnections: number;
  /**
   * Cluster templates (cluster-template.ts): a directory, or false to always run initdb. Default
   * `defaultTemplateCacheDir(process.env)`.
   */
  templateDir?: string | false;
}

/**
 * The worker's entry is TypeScript and a worker does not inherit the parent's module hooks, so a
 * one-line bootstrap registers tsx in the new thread and then imports the entry.
 */
function workerBootstrap(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("tsx/package.json");
  const api = (require(pkg) as { exports: Record<string, { import: { default: string } }> }).exports["./esm/api"];
  if (!api) throw new Error("tsx has no ./esm/api export; the embedded database thread cannot load");
  const tsx = pathToFileURL(join(dirname(pkg), api.import.default)).href;
  const entry = new URL("./embedded-worker.ts", import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
}

/** Connections the embedded server accepts for a pool of `poolSize`: a few spare for listeners and tools. */
export const embeddedConnectionLimit = (poolSize: number) => poolSize + 4;

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  let dataDir: string | undefined;
  if (opts.dataDir) {
    dataDir = join(opts.dataDir, "pgdata");
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }
  const worker = new Worker(workerBootstrap(), {
    eval: true,
    workerData: {
      dataDir,
      maxConnections: opts.maxConnections,
      templateDir: opts.templateDir === false ? undefined : (opts.templateDir ?? defaultTemplateCacheDir(process.env)),
    } satisfies EmbeddedWorkerData,
  });
  const ready = await new Promise<{ port: number; from: EmbeddedServer["from"] }>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`embedded database thread exited (${code}) before it was ready`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.on("message", (msg: EmbeddedWorkerMessage) => {
      if (msg.type === "ready") {
        worker.off("exit", onExit);
        resolve(msg);
      } else if (msg.type === "failed") {
        void worker.terminate();
        reject(new Error(`embedded database failed to start: ${msg.message}`));
      }
    });
  });
  let closing: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${ready.port}/postgres`,
    from: ready.from,
    close() {
      closing ??= new Promise<void>((resolve) => {
        worker.on("message", (msg: EmbeddedWorkerMessage) => {
          if (msg.type === "closed") void worker.terminate().then(() => resolve());
        });
        worker.once("exit", () => resolve());
        worker.postMessage("close");
      });
      return closing;
    },
  };
}
