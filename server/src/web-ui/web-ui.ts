// Serves the Next.js operator UI (web/) from the main listener. The UI loads on the first page
// request, so `nodepilot start` and the API do not wait for it. When web/.next does not match the
// sources (a fresh checkout, or a change), the UI is built in the background first; until then pages
// answer 503 with a page that says so and refreshes itself, and the API serves as usual.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "@nodepilot/core";
import { buildState, ensureWebBuild, WEB_DIR } from "./web-build.ts";

export interface WebUi {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves when pages are served by Next.js (the build done and the app prepared). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
/** The part of Next.js's programmatic server used here (typed locally: next's own types redeclare process.env). */
type NextFactory = (opts: { dev: boolean; dir: string; quiet: boolean }) => {
  prepare(): Promise<void>;
  getRequestHandler(): Handler;
  close(): Promise<void>;
};

const buildingPage = (failure: string | null) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nodepilot</title>
${failure ? "" : '<meta http-equiv="refresh" content="3">'}
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;margin:10vh auto;max-width:36rem;padding:0 1rem;color:#17202b}
pre{white-space:pre-wrap;background:#fde8e6;color:#b42318;padding:12px;border-radius:6px}</style></head>
<body><main><h1>Nodepilot</h1>
${
  failure
    ? `<p role="alert">The web UI failed to build, so only the API is served (<a href="/docs">/docs</a>).</p><pre>${failure.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`
    : '<p role="status">The web UI is being built for this checkout (the first start takes a minute or two). This page reloads by itself. The API is already up: <a href="/docs">/docs</a>.</p>'
}
</main></body></html>`;

export function createWebUi(opts: { internalUrl: string; logger: Logger; dir?: string }): WebUi {
  const dir = opts.dir ?? WEB_DIR;
  let handler: Handler | null = null;
  let failure: string | null = null;
  let closeNext: (() => Promise<void>) | null = null;
  let starting: Promise<void> | null = null;

  const start = () => {
    starting ??= (async () => {
      if (buildState(dir) !== "fresh") {
        opts.logger.info("building the web UI", { dir });
        const t0 = Date.now();
        await ensureWebBuild({ dir });
        opts.logger.info("web UI built", { ms: Date.now() - t0 });
      }
      // Server components reach the API through this, with the caller's cookie (web/src/lib/server-api.ts).
      process.env.NODEPILOT_INTERNAL_URL = opts.internalUrl;
      // Next.js is the web workspace's dependency: resolved from there, not from the server's.
      const entry = createRequire(join(dir, "package.json")).resolve("next");
      const { default: next } = (await import(pathToFileURL(entry).href)) as { default: NextFactory };
      const app = next({ dev: false, dir, quiet: true });
      await app.prepare();
      closeNext = () => app.close();
      handler = app.getRequestHandler();
    })().catch((err: unknown) => {
      failure = err instanceof Error ? err.message : String(err);
      opts.logger.error("the web UI is unavailable", { error: failure.slice(0, 2000) });
    });
    return starting;
  };

  return {
    handle(req, res) {
      if (handler) {
        handler(req, res).catch((err: unknown) => {
          opts.logger.error("web UI request failed", { url: req.url, error: String(err) });
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
          res.end("internal error");
        });
        return;
      }
      void start();
      res.writeHead(503, {
        "content-type": "text/html; charset=utf-8",
        "retry-after": "3",
        "cache-control": "no-store",
      });
      res.end(buildingPage(failure));
    },
    async ready() {
      await start();
      if (failure) throw new Error(failure);
    },
    async close() {
      await starting?.catch(() => {});
      await closeNext?.();
    },
  };
}
