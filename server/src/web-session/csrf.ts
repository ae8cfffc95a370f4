// The CSRF rule for cookie-authenticated requests (docs/web-sessions.md): the token is derived from
// the session plaintext, so nothing is stored and every replica agrees; an Origin, when a browser
// sends one, must name this host.
import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@nodepilot/core";
import type { Context } from "hono";

export const CSRF_HEADER = "x-csrf-token";

/** The CSRF token of a session: the first 32 hex chars of sha256("nodepilot-csrf\0" + plaintext). */
export function csrfTokenFor(sessionPlaintext: string): string {
  return createHash("sha256").update(`nodepilot-csrf\0${sessionPlaintext}`).digest("hex").slice(0, 32);
}

const csrfRefused = (message: string) => new AppError("forbidden", message, { reason: "csrf" });

const firstValue = (header: string | undefined) => header?.split(",")[0]?.trim() || undefined;

/**
 * The hosts this request was addressed to: the Host it arrived with, and the X-Forwarded-Host a
 * same-origin proxy in front of us (the web UI's) passed on. A cross-site page cannot set either
 * without a CORS preflight, which this API never answers.
 */
function requestHosts(c: Context): string[] {
  const hosts = [new URL(c.req.url).host];
  const forwarded = firstValue(c.req.header("x-forwarded-host"));
  if (forwarded) hosts.push(forwarded);
  return hosts.map((h) => h.toLowerCase());
}

/** Refuses a request whose Origin header (when present) is not this host. */
export function checkOrigin(c: Context): void {
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    throw csrfRefused(
      `Origin ${JSON.stringify(origin)} is not a URL; a cookie-authenticated request must come from this site`,
    );
  }
  const hosts = requestHosts(c);
  if (!host || !hosts.includes(host)) {
    throw csrfRefused(`Origin host ${host || origin} does not match the request host ${hosts[0]}`);
  }
}

/** The CSRF check of an unsafe, cookie-authenticated request. */
export function checkCsrf(c: Context, sessionPlaintext: string): void {
  const given = c.req.header(CSRF_HEADER);
  if (!given) {
    throw csrfRefused(
      `a cookie-authenticated ${c.req.method} needs the ${CSRF_HEADER} header (the value of the np_csrf cookie)`,
    );
  }
  const expected = Buffer.from(csrfTokenFor(sessionPlaintext));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw csrfRefused(`the ${CSRF_HEADER} header does not match this session's CSRF token`);
  }
  checkOrigin(c);
}
