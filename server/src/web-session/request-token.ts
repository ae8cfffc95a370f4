// The credential of an operator request, read the same way by every REST route and the event
// stream: an `Authorization: Bearer` token first (scripts, CLI, MCP clients), else the web UI's
// np_session cookie, which on an unsafe method must pass the CSRF rule.
import { bearerToken } from "@nodepilot/core";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { checkCsrf } from "./csrf.ts";

export const SESSION_COOKIE = "np_session";
export const CSRF_COOKIE = "np_csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The session cookie's token, if the request carries one. */
export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/**
 * The token this request authenticates with, or undefined when it carries none. Throws forbidden
 * (reason `csrf`) for a cookie-authenticated unsafe request without a matching x-csrf-token or
 * from another Origin; a bearer request needs no CSRF token (a browser never adds one by itself).
 */
export function requestToken(c: Context): string | undefined {
  const bearer = bearerToken(c.req.header("authorization"));
  if (bearer) return bearer;
  const cookie = sessionCookie(c);
  if (cookie && !SAFE_METHODS.has(c.req.method.toUpperCase())) checkCsrf(c, cookie);
  return cookie;
}
