// REST routes generated from the catalog under /api/v1 (spec/domain.md §5). The route adds no
// behaviour: it gathers the input, authenticates, and hands off to the shared invoke pipeline.
import { randomUUID } from "node:crypto";
import {
  type AnyOperation,
  AppError,
  type Catalog,
  invalidInput,
  invoke,
  type Principal,
  type Services,
  type TokenAuthenticator,
  toAppError,
} from "@nodepilot/core";
import type { Context, Hono } from "hono";
import { requestToken } from "../web-session/request-token.ts";
import { clientIp } from "./client-ip.ts";
import { coerceQuery } from "./coerce.ts";
import { problemResponse } from "./problem.ts";

export const API_BASE = "/api/v1";
const MAX_BODY_BYTES = 1024 * 1024;

export interface RestDeps {
  catalog: Catalog;
  services: Services;
  auth: TokenAuthenticator;
}

async function readBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw invalidInput("request body is over 1 MB", undefined, "body_too_large");
  if (text.trim() === "") return {};
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/json")) {
    throw invalidInput("request body must be application/json", [{ path: "(body)", message: "expected JSON" }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidInput("request body is not valid JSON", [{ path: "(body)", message: "malformed JSON" }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidInput("request body must be a JSON object", [{ path: "(body)", message: "expected an object" }]);
  }
  return parsed as Record<string, unknown>;
}

async function gatherInput(c: Context, op: AnyOperation): Promise<Record<string, unknown>> {
  const params = c.req.param() as Record<string, string>;
  const fromQuery = coerceQuery(op, c.req.queries() ?? {});
  const fromBody = op.http.method === "GET" || op.http.method === "DELETE" ? {} : await readBody(c);
  for (const key of Object.keys(params)) {
    if (key in fromBody && fromBody[key] !== params[key]) {
      throw invalidInput(`${key} is given in both the path and the body`, [
        { path: key, message: "conflicts with the path" },
      ]);
    }
  }
  return { ...fromQuery, ...fromBody, ...params };
}

export function restResponse(op: AnyOperation, result: unknown) {
  if (op.list) {
    const page = result as { items: unknown[]; has_more: boolean; next_cursor: string | null };
    return {
      data: page.items,
      meta: { count: page.items.length, has_more: page.has_more, next_cursor: page.next_cursor },
    };
  }
  return { data: result };
}

/** The cause chain of an internal error, innermost last (driver errors hide under drizzle's). */
function describeCause(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; stack?: string; cause?: unknown } | undefined, d = 0; e && d < 5; d++) {
    parts.push(d === 0 ? String(e.stack ?? e.message ?? e) : `caused by: ${e.message ?? String(e)}`);
    e = e.cause as typeof e;
  }
  return parts.join("\n");
}

export function mountCatalogRoutes(app: Hono, deps: RestDeps): void {
  for (const op of deps.catalog.operations) {
    if (op.principal !== "operator") continue;
    app.on(op.http.method, `${API_BASE}${op.http.path}`, async (c) => {
      const requestId = c.req.header("x-request-id") ?? randomUUID();
      try {
        const principal: Principal = await deps.auth.authenticate(requestToken(c), clientIp(c));
        const input = await gatherInput(c, op);
        const result = await invoke(deps.services, op, principal, input, {
          source: "api",
          requestId,
          correlationId: c.req.header("x-correlation-id") ?? null,
          idempotencyKey: c.req.header("idempotency-key") ?? undefined,
        });
        return c.json(restResponse(op, result), op.http.status, { "x-request-id": requestId });
      } catch (err) {
        const e = toAppError(err);
        if (e.code === "internal") {
          deps.services.logger.error("request failed", {
            request_id: requestId,
            operation: op.name,
            error: describeCause(e.cause ?? e),
          });
        }
        const headers: Record<string, string> = { "x-request-id": requestId };
        if (e.code === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="nodepilot"';
        return problemResponse(e, requestId, headers);
      }
    });
  }
}

export function notFoundProblem(path: string): Response {
  return problemResponse(new AppError("not_found", `no route for ${path}`), randomUUID());
}
