// /api/v1/session: browser sign-in for the web UI and the chat routes (docs/web-sessions.md).
// POST signs in with email + password or an existing API token and sets the session cookies; GET
// describes the current session (cookie or bearer); DELETE signs out. A server route beside the
// catalog, like the event stream: it hands out credentials, which no catalog operation does.
import { randomUUID } from "node:crypto";
import {
  AppError,
  fromZodError,
  invalidInput,
  type Principal,
  type Services,
  type TokenAuthenticator,
  toAppError,
} from "@nodepilot/core";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { clientIp } from "../rest/client-ip.ts";
import { problemResponse } from "../rest/problem.ts";
import { clearSessionCookies, setSessionCookies } from "./cookies.ts";
import { checkOrigin } from "./csrf.ts";
import { FailureLimiter } from "./failure-limiter.ts";
import { passwordGrant, type SessionGrant, tokenGrant } from "./grant.ts";
import { requestToken } from "./request-token.ts";
import { effectiveScopes } from "./session-scopes.ts";
import { endSession, principalUser, type RequestOrigin, startSession, tokenRow } from "./session-store.ts";
import { sessionView } from "./session-view.ts";

export const SESSION_PATH = "/api/v1/session";
const MAX_BODY_BYTES = 16 * 1024;
const FAILURE_LIMIT = 10;
const FAILURE_WINDOW_MS = 5 * 60_000;

export const PasswordSignIn = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});
export const TokenSignIn = z.strictObject({ token: z.string().min(1).max(256) });

export interface SessionRouteDeps {
  services: Services;
  auth: TokenAuthenticator;
}

async function readSignIn(c: Context): Promise<z.infer<typeof PasswordSignIn> | z.infer<typeof TokenSignIn>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw invalidInput("request body is over 16 KB", undefined, "body_too_large");
  if (!(c.req.header("content-type") ?? "").includes("application/json")) {
    throw invalidInput("request body must be application/json", [{ path: "(body)", message: "expected JSON" }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidInput("request body is not valid JSON", [{ path: "(body)", message: "malformed JSON" }]);
  }
  const schema = body !== null && typeof body === "object" && "token" in body ? TokenSignIn : PasswordSignIn;
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

function failed(err: unknown, requestId: string, services: Services): Response {
  const e = toAppError(err);
  if (e.code === "internal") {
    services.logger.error("session request failed", { request_id: requestId, error: String(e.cause ?? e) });
  }
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (e.code === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="nodepilot"';
  const retry = e.details?.retry_after_seconds;
  if (e.code === "rate_limited" && typeof retry === "number") headers["retry-after"] = String(retry);
  return problemResponse(e, requestId, headers);
}

const noCredential = () => new AppError("unauthenticated", "no session cookie or bearer token");

export function mountSessionRoutes(app: Hono, deps: SessionRouteDeps): void {
  const db = deps.services.database.db;
  const limiter = new FailureLimiter(FAILURE_LIMIT, FAILURE_WINDOW_MS);
  const origin = (c: Context): RequestOrigin => ({
    now: deps.services.clock(),
    ip: clientIp(c),
    correlationId: c.req.header("x-correlation-id") ?? null,
  });

  app.post(SESSION_PATH, async (c) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    try {
      // A sign-in from another site would log the victim into the attacker's session.
      checkOrigin(c);
      const input = await readSignIn(c);
      const o = origin(c);
      const keys = [`ip:${o.ip ?? "unknown"}`, ...("email" in input ? [`email:${input.email.toLowerCase()}`] : [])];
      const wait = Math.max(...keys.map((k) => limiter.retryAfter(k, o.now.getTime())));
      if (wait > 0) {
        throw new AppError("rate_limited", `too many failed sign-ins; try again in ${wait} s`, {
          details: { retry_after_seconds: wait },
        });
      }
      let grant: SessionGrant;
      try {
        grant =
          "email" in input
            ? await passwordGrant(db, input.email, input.password)
            : await tokenGrant(db, deps.auth, input.token, o.ip);
      } catch (err) {
        if (toAppError(err).code === "unauthenticated") for (const k of keys) limiter.fail(k, o.now.getTime());
        throw err;
      }
      if ("email" in input) limiter.clear(`email:${input.email.toLowerCase()}`);
      const { plaintext, row } = await startSession(db, grant, o);
      setSessionCookies(c, plaintext, Math.floor((row.expires_at.getTime() - o.now.getTime()) / 1000));
      return c.json({ data: sessionView(grant.user, row.scopes, plaintext, row.expires_at) }, 200, {
        "x-request-id": requestId,
        "cache-control": "no-store",
      });
    } catch (err) {
      return failed(err, requestId, deps.services);
    }
  });

  app.get(SESSION_PATH, async (c) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    try {
      const token = requestToken(c);
      if (!token) throw noCredential();
      const principal = await deps.auth.authenticate(token, clientIp(c));
      const row = await tokenRow(db, principal);
      const user = await principalUser(db, principal);
      const scopes = effectiveScopes(principal.scopes, principal.role);
      return c.json({ data: sessionView(user, scopes, token, row.expires_at) }, 200, {
        "x-request-id": requestId,
        "cache-control": "no-store",
      });
    } catch (err) {
      return failed(err, requestId, deps.services);
    }
  });

  app.delete(SESSION_PATH, async (c) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    try {
      const token = requestToken(c);
      if (!token) throw noCredential();
      let principal: Principal | undefined;
      try {
        principal = await deps.auth.authenticate(token, clientIp(c));
      } catch (err) {
        // Already revoked, expired or unknown: nothing to revoke, but the browser still drops it.
        if (toAppError(err).code !== "unauthenticated") throw err;
      }
      if (principal) {
        await endSession(db, principal, origin(c));
        deps.auth.invalidate(); // this replica stops accepting it now, others within the 5 s cache
      }
      clearSessionCookies(c);
      return c.body(null, 204, { "x-request-id": requestId });
    } catch (err) {
      return failed(err, requestId, deps.services);
    }
  });
}
