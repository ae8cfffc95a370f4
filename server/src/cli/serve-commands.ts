// `nodepilot start` (everything on embedded defaults) and `nodepilot migrate`.
import { openDatabase } from "@nodepilot/store";
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { seedDemo } from "../demo/seed-demo.ts";
import { createLogger } from "../logger.ts";
import { startServer } from "../server.ts";

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
      const server = await startServer({ config, logger });
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
