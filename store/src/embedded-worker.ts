// The embedded database's own thread: PGlite (with pgvector) and its loopback wire server run here,
// so initdb and every query use a core of their own instead of the process's event loop, and a
// first start boots the cluster while the main thread is still loading modules. The parent sends
// "close"; the thread answers once the server and the database are shut.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { serveWire } from "./pglite-wire.ts";

export interface EmbeddedWorkerData {
  dataDir: string | undefined;
  maxConnections: number;
}

export type EmbeddedWorkerMessage =
  | { type: "ready"; port: number }
  | { type: "failed"; message: string }
  | { type: "closed" };

async function run(port: NonNullable<typeof parentPort>, data: EmbeddedWorkerData): Promise<void> {
  const pglite = await PGlite.create({ ...(data.dataDir ? { dataDir: data.dataDir } : {}), extensions: { vector } });
  await pglite.exec("CREATE EXTENSION IF NOT EXISTS vector");
  const server = await serveWire(pglite, { maxConnections: data.maxConnections });
  port.on("message", (msg: unknown) => {
    if (msg !== "close") return;
    void (async () => {
      await server.close();
      await pglite.close();
      port.postMessage({ type: "closed" } satisfies EmbeddedWorkerMessage);
    })();
  });
  port.postMessage({ type: "ready", port: server.port } satisfies EmbeddedWorkerMessage);
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
