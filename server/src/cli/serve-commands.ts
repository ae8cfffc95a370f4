// `nodepilot start` (everything on embedded defaults) and `nodepilot migrate`.
import { openDatabase } from "@nodepilot/store";
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { startServer } from "../server.ts";

export function registerServeCommands(program: Command): void {
  program
    .command("start")
    .description("Run Nodepilot: API, docs and workers, on embedded defaults unless DATABASE_URL is set")
    .action(async () => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.LOG_LEVEL);
      const server = await startServer({ config, logger });
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
