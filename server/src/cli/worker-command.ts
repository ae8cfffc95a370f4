// `nodepilot worker`: the job workers (and the schedules) alone, against DATABASE_URL and, when set,
// REDIS_URL, for deployments that run jobs apart from the API replicas (DESIGN.md §4). Any number may
// run; each occurrence of a schedule runs once, and a killed worker's job is retried by another.

import {
  allOperations,
  buildCatalog,
  chooseEmbedder,
  ProviderRegistry,
  prepareLearningsIndex,
  SecretBox,
  type Services,
} from "@nodepilot/core";
import { openDatabase } from "@nodepilot/store";
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("Run job workers and schedules against DATABASE_URL (BullMQ when REDIS_URL is set), until stopped")
    .option("--concurrency <n>", "jobs this process runs at once", (v) => Number.parseInt(v, 10), 4)
    .option("--no-schedules", "only run jobs; leave declaring the schedules to other processes")
    .action(async (o: { concurrency: number; schedules: boolean }) => {
      if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 100) {
        throw new Error("--concurrency must be an integer from 1 to 100");
      }
      const config = loadConfig(process.env);
      if (!config.DATABASE_URL) {
        throw new Error(
          "nodepilot worker needs DATABASE_URL: an embedded database belongs to its `nodepilot start` process, which runs its own workers",
        );
      }
      if (!config.NODEPILOT_MASTER_KEY) {
        throw new Error(
          "nodepilot worker needs NODEPILOT_MASTER_KEY (the one the server uses): its ticks act through the catalog, which seals replies and opens provider and delivery keys with it",
        );
      }
      const logger = createLogger(config.LOG_LEVEL);
      // Loaded here, not at import: LangGraph, BullMQ and the sensors would slow every other command.
      const [{ fleetSensorRegistry }, { buildAutonomy }, { startJobSystem }] = await Promise.all([
        import("@nodepilot/sensors"),
        import("../autonomy/autonomy-composition.ts"),
        import("../jobs/job-system.ts"),
      ]);
      const database = await openDatabase({
        databaseUrl: config.DATABASE_URL,
        poolSize: config.NODEPILOT_DB_POOL_SIZE,
      });
      const services: Services = {
        database,
        // No provider adapters here: a hard reboot becomes a control-plane task the server's runner executes.
        providers: new ProviderRegistry(),
        secrets: new SecretBox(Buffer.from(config.NODEPILOT_MASTER_KEY, "base64")),
        logger,
        clock: () => new Date(),
        // Agents long-poll the server's listener, which wakes on its own; nothing to wake in this process.
        onTasksChanged: () => {},
        sensors: fleetSensorRegistry(),
      };
      const learnings = await prepareLearningsIndex(database, chooseEmbedder(config), logger).catch(async (err) => {
        await database.close();
        throw err;
      });
      const autonomy = await buildAutonomy({ services, catalog: buildCatalog(allOperations), learnings, logger }).catch(
        async (err) => {
          await database.close();
          throw err;
        },
      );
      const jobs = await startJobSystem({
        services: {
          database,
          logger,
          clock: services.clock,
          // The master key opens delivery keys (signing compliance snapshots) and seals the catalog's replies.
          secrets: services.secrets,
          ...(config.NODEPILOT_BUILD_SHA ? { buildSha: config.NODEPILOT_BUILD_SHA } : {}),
        },
        autonomy: autonomy.tick,
        learnings,
        redisUrl: config.REDIS_URL,
        queue: config.NODEPILOT_JOB_QUEUE,
        retention: {
          lowMediumDays: config.NODEPILOT_EVENT_RETENTION_LOW_DAYS,
          highCriticalDays: config.NODEPILOT_EVENT_RETENTION_HIGH_DAYS,
        },
        schedules: o.schedules,
        concurrency: o.concurrency,
      }).catch(async (err) => {
        await database.close();
        throw err;
      });
      logger.info("nodepilot worker running", { backend: jobs.queue.backend, queue: config.NODEPILOT_JOB_QUEUE });
      process.stdout.write(`nodepilot worker running (${jobs.queue.backend}, queue ${config.NODEPILOT_JOB_QUEUE})\n`);
      const stop = async (signal: string) => {
        logger.info("worker shutting down; waiting for the runs in flight", { signal });
        await jobs.close();
        await database.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}
