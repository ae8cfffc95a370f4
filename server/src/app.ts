// The Hono application: health, web sign-in sessions, the catalog's REST routes, OpenAPI and its
// reference page.
import type { Catalog, Services, TokenAuthenticator } from "@nodepilot/core";
import { Hono } from "hono";
import type { EventHub } from "./events/event-hub.ts";
import { renderDocsPage } from "./rest/docs-page.ts";
import { mountEventStream } from "./rest/event-stream.ts";
import { buildOpenApi } from "./rest/openapi.ts";
import { mountCatalogRoutes, notFoundProblem } from "./rest/routes.ts";
import { NODEPILOT_VERSION } from "./version.ts";
import { mountSessionRoutes } from "./web-session/session-routes.ts";

export interface AppDeps {
  catalog: Catalog;
  services: Services;
  auth: TokenAuthenticator;
  /** Live fleet events for GET /api/v1/events/stream. */
  events: EventHub;
  /** MCP over Streamable HTTP, mounted at /mcp. */
  mcp: { handle(req: Request): Promise<Response> };
  /** The concierge's conversations and page actions (/api/v1/conversations, /api/v1/actions). */
  chat?: { mount(app: Hono): void };
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const openapi = buildOpenApi(deps.catalog, NODEPILOT_VERSION, { chat: deps.chat !== undefined });
  const docs = renderDocsPage(openapi);

  app.get("/healthz", async (c) => {
    try {
      await deps.services.database.pool.query("SELECT 1");
      return c.json({ status: "ok", version: NODEPILOT_VERSION, database: deps.services.database.kind });
    } catch {
      return c.json({ status: "unavailable", database: deps.services.database.kind }, 503);
    }
  });
  app.get("/openapi.json", (c) => c.json(openapi));
  app.get("/docs", (c) => c.html(docs));
  app.all("/mcp", (c) => deps.mcp.handle(c.req.raw));
  // Before the catalog's routes, so /events/stream is not taken for event.get's /events/:id.
  mountEventStream(app, { services: deps.services, auth: deps.auth, hub: deps.events });
  mountSessionRoutes(app, { services: deps.services, auth: deps.auth });
  deps.chat?.mount(app);
  mountCatalogRoutes(app, deps);
  app.notFound((c) => notFoundProblem(c.req.path));
  return app;
}
