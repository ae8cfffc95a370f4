// `nodepilot start` (everything on embedded defaults) and `nodepilot migrate`.

import { resolve } from "node:path";
import { embeddedConnectionLimit, openDatabase, startEmbeddedPostgres } from "@nodepilot/store";
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";

export function registerServeCommands(program: Command): void {
  program
    .command("start")
    .description("Run Nodepilot: API, docs and workers, on embedded defaults unless DATABASE_URL is set")
    .option(
      "--demo",
      "also create a demo fleet: template demo, nodes demo-1..3, one local instance each (NODEPILOT_DEMO=1)",
    )
    .action(async (options: { demo?: boolean }) => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.LOG_LEVEL);
      // A first start spends seconds in initdb: the embedded database boots in its own thread while
      // this one loads the server (about as long again), instead of after it.
      const embedded = config.DATABASE_URL
        ? undefined
        : startEmbeddedPostgres({
            dataDir: resolve(config.NODEPILOT_DATA_DIR),
            maxConnections: embeddedConnectionLimit(config.NODEPILOT_DB_POOL_SIZE),
          });
      embedded?.catch(() => {}); // its failure surfaces through startServer, which awaits it
      let server: Awaited<ReturnType<typeof import("../server.ts").startServer>>;
      let seedDemo: typeof import("../demo/seed-demo.ts").seedDemo;
      try {
        const [serverModule, demoModule] = await Promise.all([import("../server.ts"), import("../demo/seed-demo.ts")]);
        seedDemo = demoModule.seedDemo;
        server = await serverModule.startServer({ config, logger, embedded });
      } catch (err) {
        // The database thread would keep this process alive after a failed start.
        await embedded?.then((e) => e.close()).catch(() => {});
        throw err;
      }
      if (options.demo || process.env.NODEPILOT_DEMO === "1") {
        try {
          const demo = await seedDemo(server.runtime);
          const lines = demo.nodes.map(
            (n) => `    ${n.name}: instance ${n.instanceId}${n.provisioned ? " (provisioning)" : " (already there)"}`,
          );
          process.stdout.write(
            [
              "",
              "  Demo fleet: each instance runs the real agent in a sandbox on this machine.",
              ...lines,
              `  Watch it: ${server.url}/docs, or \`nodepilot instance list\``,
              "",
            ].join("\n"),
          );
        } catch (err) {
          await server.stop();
          throw err;
        }
      }
      const stop = async (signal: string) => {
        logger.info("shutting down", { signal });
        await server.stop();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });

  program
    .command("migrate")
    .description("Apply database migrations (DATABASE_URL, or the embedded database in NODEPILOT_DATA_DIR) and exit")
    .action(async () => {
      const config = loadConfig(process.env);
      const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.NODEPILOT_DATA_DIR });
      process.stdout.write(`migrations applied (${db.kind})\n`);
      await db.close();
    });
}
