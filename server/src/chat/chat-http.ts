// What the chat routes share with every other HTTP surface: the request's credential (bearer, or the
// web UI's session cookie with its CSRF rule), the closed error set as problem+json, and JSON bodies
// parsed with zod so that a bad field is named.
import { randomUUID } from "node:crypto";
import {
  fromZodError,
  invalidInput,
  type Principal,
  type Services,
  type TokenAuthenticator,
  toAppError,
} from "@nodepilot/core";
import type { Context } from "hono";
import type { z } from "zod";
import { clientIp } from "../rest/client-ip.ts";
import { problemResponse } from "../rest/problem.ts";
import { requestToken } from "../web-session/request-token.ts";

const MAX_BODY_BYTES = 64 * 1024;

export interface ChatHttpDeps {
  services: Services;
  auth: TokenAuthenticator;
}

type Handler = (c: Context, principal: Principal, requestId: string) => Promise<Response>;

/** Authenticate, run, and answer any refusal as problem+json. */
export function chatHandler(deps: ChatHttpDeps, handler: Handler) {
  return async (c: Context): Promise<Response> => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    try {
      const principal = await deps.auth.authenticate(requestToken(c), clientIp(c));
      const res = await handler(c, principal, requestId);
      res.headers.set("x-request-id", requestId);
      return res;
    } catch (err) {
      const e = toAppError(err);
      if (e.code === "internal") {
        deps.services.logger.error("chat request failed", {
          request_id: requestId,
          path: c.req.path,
          error: String(e.cause ?? e.message),
        });
      }
      const headers: Record<string, string> = { "x-request-id": requestId };
      if (e.code === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="nodepilot"';
      return problemResponse(e, requestId, headers);
    }
  };
}

/** The JSON object body, parsed with `schema` (an empty body is `{}`). */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw invalidInput("request body is over 64 KB", undefined, "body_too_large");
  let raw: unknown = {};
  if (text.trim() !== "") {
    if (!(c.req.header("content-type") ?? "").includes("application/json")) {
      throw invalidInput("request body must be application/json", [{ path: "(body)", message: "expected JSON" }]);
    }
    try {
      raw = JSON.parse(text);
    } catch {
      throw invalidInput("request body is not valid JSON", [{ path: "(body)", message: "malformed JSON" }]);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}
