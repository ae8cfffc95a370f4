// Starts the HTTP listener around a runtime and prints the first-start admin token once.
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import type { Logger } from "@nodepilot/core";
import type { EmbeddedServer } from "@nodepilot/store";
import type { Config } from "./config.ts";
import { createRuntime, type Runtime } from "./runtime.ts";
import { mainListener } from "./web-ui/listener.ts";
import { createWebUi, type WebUi } from "./web-ui/web-ui.ts";

export interface RunningServer {
  runtime: Runtime;
  url: string;
  /** The web UI, unless NODEPILOT_WEB=off. */
  web: WebUi | null;
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
  let web: WebUi | null = null;
  const server = createServer((req, res) => listener(req, res));
  let listener = mainListener(runtime.app.fetch, null);
  await new Promise<void>((ok, fail) => {
    server.once("listening", ok);
    server.once("error", fail);
    server.listen(config.PORT, config.HOST);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  if (config.NODEPILOT_WEB === "on") {
    web = createWebUi({ internalUrl: url, logger });
    listener = mainListener(runtime.app.fetch, web);
    // Built (when the checkout has no current build) and loaded in the background: the API is up now.
    web.ready().catch(() => {});
  }
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
        `  Sign in at ${url}/signin with it, or create users (POST /api/v1/users) and sign in with a password.`,
        `  API reference: ${url}/docs`,
        "",
      ].join("\n"),
    );
  }
  process.stdout.write(`nodepilot listening on ${url}\n`);
  return {
    runtime,
    url,
    web,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await web?.close();
      await runtime.stop();
    },
  };
}
