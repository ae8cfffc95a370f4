// Starts the HTTP listener around a runtime and prints the first-start admin token once.
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import type { Logger } from "@nodepilot/core";
import type { EmbeddedServer } from "@nodepilot/store";
import type { Config } from "./config.ts";
import { createRuntime, type Runtime } from "./runtime.ts";

export interface RunningServer {
  runtime: Runtime;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(opts: {
  config: Config;
  logger: Logger;
  embedded?: Promise<EmbeddedServer> | undefined;
}): Promise<RunningServer> {
  const { config, logger } = opts;
  const runtime = await createRuntime({ config, logger, embedded: opts.embedded });
  const agentApi = await runtime.startAgentApi().catch(async (err) => {
    await runtime.stop();
    throw err;
  });
  logger.info("agent listener", { url: agentApi.url });
  const server = serve({ fetch: runtime.app.fetch, port: config.PORT, hostname: config.HOST });
  await new Promise<void>((ok, fail) => {
    server.once("listening", ok);
    server.once("error", fail);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  logger.info("nodepilot listening", {
    url,
    database: runtime.database.kind,
    data_dir: resolve(config.NODEPILOT_DATA_DIR),
  });
  if (runtime.firstAdminToken) {
    process.stdout.write(
      [
        "",
        "  First start: an admin API token was created. It is shown only this once:",
        "",
        `    ${runtime.firstAdminToken}`,
        "",
        `  It is also stored in ${join(resolve(config.NODEPILOT_DATA_DIR), "admin-token")} (mode 0600).`,
        `  API reference: ${url}/docs`,
        "",
      ].join("\n"),
    );
  }
  process.stdout.write(`nodepilot listening on ${url}\n`);
  return {
    runtime,
    url,
    async stop() {
      await new Promise<void>((ok) => server.close(() => ok()));
      await runtime.stop();
    },
  };
}
