// The two cookies of a web session: np_session (the token; HttpOnly, so page scripts never see it)
// and np_csrf (its CSRF token; readable, so the UI can echo it in x-csrf-token). Both SameSite=Strict,
// and Secure whenever the request reached us, or the proxy in front of us, over https.
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { csrfTokenFor } from "./csrf.ts";
import { CSRF_COOKIE, SESSION_COOKIE } from "./request-token.ts";

function overHttps(c: Context): boolean {
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return new URL(c.req.url).protocol === "https:" || forwarded === "https";
}

function setBoth(c: Context, session: string, csrf: string, maxAgeSeconds: number): void {
  const common = { sameSite: "Strict", path: "/", maxAge: maxAgeSeconds, secure: overHttps(c) } as const;
  setCookie(c, SESSION_COOKIE, session, { ...common, httpOnly: true });
  setCookie(c, CSRF_COOKIE, csrf, common);
}

export function setSessionCookies(c: Context, plaintext: string, maxAgeSeconds: number): void {
  setBoth(c, plaintext, csrfTokenFor(plaintext), maxAgeSeconds);
}

/** Max-Age=0 on both, with the attributes they were set with, so every browser drops them. */
export function clearSessionCookies(c: Context): void {
  setBoth(c, "", "", 0);
}
