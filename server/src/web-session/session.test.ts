// Web sign-in sessions through the real app (docs/web-sessions.md): cookies with the right
// attributes, the cookie accepted by catalog routes and the event stream, the CSRF rule on unsafe
// methods, one answer for a wrong email or password, the failure limit, sign-out revoking the row,
// role-capped scopes, disabled users, and sign-in with an existing token.
import { randomUUID } from "node:crypto";
import { ALL_SCOPES, issueToken } from "@nodepilot/core";
import { accounts, api_tokens, fleet_events, users } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { csrfTokenFor } from "./csrf.ts";

let fleet: TestFleet;
const PASSWORD = "correct horse battery staple";

beforeAll(async () => {
  fleet = await createTestFleet();
});
afterAll(async () => {
  await fleet?.close();
});

// Each test signs in from its own address, so the per-IP failure limit of one never blocks another.
let lastIp = 0;
const freshIp = () => `198.51.100.${++lastIp}`;

async function createUser(role: string, password: string | null = PASSWORD) {
  const email = `${role}-${randomUUID()}@example.com`;
  const res = await fleet.api("POST", "/api/v1/users", {
    body: { email, display_name: `${role} user`, role, ...(password ? { password } : {}) },
  });
  expect(res.status).toBe(201);
  return { id: res.body.data.id as string, email };
}

function signIn(body: unknown, headers: Record<string, string> = {}) {
  return fleet.api("POST", "/api/v1/session", {
    token: null,
    body,
    headers: { "x-forwarded-for": freshIp(), ...headers },
  });
}

function cookiesOf(headers: Headers): Record<string, string> {
  return Object.fromEntries(
    headers.getSetCookie().map((c) => {
      const name = c.slice(0, c.indexOf("="));
      return [name, c];
    }),
  );
}

const cookieValue = (setCookie: string) => setCookie.slice(setCookie.indexOf("=") + 1, setCookie.indexOf(";"));

/** Signs in and returns the session plaintext (from np_session) and the response. */
async function session(email: string, password = PASSWORD) {
  const res = await signIn({ email, password });
  expect(res.status).toBe(200);
  const token = cookieValue(cookiesOf(res.headers).np_session!);
  return { token, csrf: res.body.data.csrf_token as string, res };
}

/** A request authenticated only by the session cookie. */
function withCookie(
  token: string,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
) {
  return fleet.api(method, path, {
    token: null,
    ...(opts.body === undefined ? {} : { body: opts.body }),
    headers: { cookie: `np_session=${token}`, ...(opts.headers ?? {}) },
  });
}

async function tokenRowByPlaintext(token: string) {
  const [row] = await fleet.runtime.database.db
    .select()
    .from(api_tokens)
    .where(eq(api_tokens.token_prefix, token.slice(0, 8)));
  return row!;
}

describe("web sessions", () => {
  it("signs in with email and password: an api_tokens row, two cookies, last_login_at and an event", async () => {
    const user = await createUser("operator");
    const before = Date.now();
    const { token, csrf, res } = await session(user.email.toUpperCase());
    const data = res.body.data;
    expect(data.user).toEqual({ id: user.id, email: user.email, display_name: "operator user", role: "operator" });
    expect(data.role).toBe("operator");
    expect(data.scopes).toEqual([
      "fleet:write",
      "autonomy:write",
      "security:write",
      "gitops:write",
      "sdwan:write",
      "runtimes:write",
    ]);
    expect(token).toMatch(/^npt_/);
    expect(csrf).toBe(csrfTokenFor(token));
    expect(csrf).toMatch(/^[0-9a-f]{32}$/);
    const expires = new Date(data.expires_at).getTime();
    expect(expires - before).toBeGreaterThan(12 * 3600_000 - 60_000);
    expect(expires - before).toBeLessThanOrEqual(12 * 3600_000 + 1000);
    expect(res.headers.get("cache-control")).toBe("no-store");

    const cookies = cookiesOf(res.headers);
    const sessionAttrs = cookies.np_session!.split("; ").slice(1);
    expect(sessionAttrs).toEqual(expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]));
    expect(sessionAttrs).not.toContain("Secure");
    const csrfAttrs = cookies.np_csrf!.split("; ");
    expect(csrfAttrs[0]).toBe(`np_csrf=${csrf}`);
    expect(csrfAttrs).toEqual(expect.arrayContaining(["SameSite=Strict", "Path=/"]));
    expect(csrfAttrs).not.toContain("HttpOnly");

    const row = await tokenRowByPlaintext(token);
    expect(row).toMatchObject({ user_id: user.id, scopes: data.scopes, environment_ids: [], revoked_at: null });
    expect(row.name).toMatch(/^web-session [0-9a-f-]{36}$/);
    const [u] = await fleet.runtime.database.db.select().from(users).where(eq(users.id, user.id));
    expect(u!.last_login_at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const events = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.subject_id, row.id));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: "auth.session_started",
      subject_type: "api_token",
      actor_type: "user",
      actor_id: user.id,
      source: "api",
    });
    expect(events[0]!.payload).toMatchObject({ method: "password", user_id: user.id, token_prefix: token.slice(0, 8) });
    expect(JSON.stringify(events[0])).not.toContain(token);
  });

  it("marks the cookies Secure when the request came over https", async () => {
    const user = await createUser("viewer");
    const res = await signIn({ email: user.email, password: PASSWORD }, { "x-forwarded-proto": "https" });
    expect(res.status).toBe(200);
    const cookies = cookiesOf(res.headers);
    expect(cookies.np_session!.split("; ")).toContain("Secure");
    expect(cookies.np_csrf!.split("; ")).toContain("Secure");
  });

  it("accepts the cookie alone on catalog routes, GET /session and the event stream", async () => {
    const user = await createUser("operator");
    const { token, csrf, res } = await session(user.email);
    const nodes = await withCookie(token, "GET", "/api/v1/nodes");
    expect(nodes.status).toBe(200);
    const current = await withCookie(token, "GET", "/api/v1/session");
    expect(current.status).toBe(200);
    expect(current.body.data).toEqual(res.body.data);
    expect(current.body.data.csrf_token).toBe(csrf);

    const stream = await fleet.runtime.app.request("/api/v1/events/stream", {
      headers: { cookie: `np_session=${token}` },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    await stream.body?.cancel();

    expect((await fleet.api("GET", "/api/v1/session", { token: null })).status).toBe(401);
    const bearer = await fleet.api("GET", "/api/v1/session", { token: fleet.tokens.reader });
    expect(bearer.status).toBe(200);
    expect(bearer.body.data.user.role).toBe("viewer");
    expect(bearer.body.data.scopes).toEqual(["fleet:read", "autonomy:read"]);
  });

  it("refuses a cookie-authenticated write without the CSRF header or from another Origin", async () => {
    const admin = await createUser("admin");
    const { token, csrf } = await session(admin.email);
    const body = () => ({ email: `new-${randomUUID()}@example.com`, display_name: "New", role: "viewer" });
    const userCount = async () =>
      (
        await fleet.runtime.database.db
          .select({ c: count() })
          .from(users)
          .where(eq(users.account_id, fleet.runtime.accountId))
      )[0]!.c;
    const before = await userCount();

    const missing = await withCookie(token, "POST", "/api/v1/users", { body: body() });
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ code: "forbidden", reason: "csrf" });
    expect(missing.body.detail).toContain("x-csrf-token");

    const wrong = await withCookie(token, "POST", "/api/v1/users", {
      body: body(),
      headers: { "x-csrf-token": csrfTokenFor("npt_someone_else") },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.reason).toBe("csrf");

    const crossSite = await withCookie(token, "POST", "/api/v1/users", {
      body: body(),
      headers: { "x-csrf-token": csrf, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.reason).toBe("csrf");
    expect(crossSite.body.detail).toContain("evil.example");
    expect(await userCount()).toBe(before);

    const ok = await withCookie(token, "POST", "/api/v1/users", {
      body: body(),
      headers: { "x-csrf-token": csrf, origin: "http://localhost" },
    });
    expect(ok.status).toBe(201);
    const proxied = await withCookie(token, "POST", "/api/v1/users", {
      body: body(),
      headers: { "x-csrf-token": csrf, origin: "https://ui.example:3000", "x-forwarded-host": "ui.example:3000" },
    });
    expect(proxied.status).toBe(201);
    expect(await userCount()).toBe(before + 2);

    // A bearer request needs no CSRF token, whatever its Origin.
    const bearer = await fleet.api("POST", "/api/v1/users", {
      body: body(),
      headers: { origin: "https://evil.example" },
    });
    expect(bearer.status).toBe(201);

    // A sign-in posted from another site is refused too (it would plant the attacker's session).
    const planted = await signIn({ email: admin.email, password: PASSWORD }, { origin: "https://evil.example" });
    expect(planted.status).toBe(403);
    expect(planted.body.reason).toBe("csrf");
  });

  it("answers a wrong password and an unknown email alike", async () => {
    const user = await createUser("viewer");
    const wrong = await signIn({ email: user.email, password: "not the password at all" });
    const unknown = await signIn({ email: `nobody-${randomUUID()}@example.com`, password: PASSWORD });
    const noPassword = await signIn({ email: (await createUser("viewer", null)).email, password: PASSWORD });
    for (const res of [wrong, unknown, noPassword]) {
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect({ code: res.body.code, detail: res.body.detail }).toEqual({
        code: "unauthenticated",
        detail: "email or password is wrong",
      });
    }
    const invalid = await signIn({ email: user.email, password: PASSWORD, remember: true });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([{ path: "remember", message: 'unknown field "remember"' }]);
  });

  it("refuses sign-ins after 10 failures per email, and per client IP, for 5 minutes", async () => {
    const user = await createUser("viewer");
    for (let i = 0; i < 10; i++) {
      expect((await signIn({ email: user.email, password: `wrong password ${i}` })).status).toBe(401);
    }
    // From a fresh address, with the right password: the email is locked.
    const locked = await signIn({ email: user.email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe("rate_limited");
    expect(locked.body.retry_after_seconds).toBeGreaterThan(0);
    expect(locked.body.retry_after_seconds).toBeLessThanOrEqual(300);
    expect(Number(locked.headers.get("retry-after"))).toBe(locked.body.retry_after_seconds);

    const ip = freshIp();
    for (let i = 0; i < 10; i++) {
      const res = await signIn(
        { email: `guess-${i}-${randomUUID()}@example.com`, password: PASSWORD },
        { "x-forwarded-for": ip },
      );
      expect(res.status).toBe(401);
    }
    const other = await createUser("viewer");
    const fromIp = await signIn({ email: other.email, password: PASSWORD }, { "x-forwarded-for": ip });
    expect(fromIp.status).toBe(429);
    expect((await signIn({ email: other.email, password: PASSWORD })).status).toBe(200);
  });

  it("signs out: revokes the row, clears both cookies, and the cookie stops working", async () => {
    const user = await createUser("operator");
    const { token, csrf } = await session(user.email);
    expect((await withCookie(token, "DELETE", "/api/v1/session")).body.reason).toBe("csrf");

    const out = await withCookie(token, "DELETE", "/api/v1/session", { headers: { "x-csrf-token": csrf } });
    expect(out.status).toBe(204);
    const cleared = cookiesOf(out.headers);
    expect(cleared.np_session!.split("; ")).toEqual(expect.arrayContaining(["np_session=", "Max-Age=0", "Path=/"]));
    expect(cleared.np_csrf!.split("; ")).toEqual(expect.arrayContaining(["np_csrf=", "Max-Age=0", "Path=/"]));
    const row = await tokenRowByPlaintext(token);
    expect(row.revoked_at).not.toBeNull();
    const ended = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.subject_id, row.id), eq(fleet_events.kind, "auth.session_ended")));
    expect(ended).toHaveLength(1);

    const after = await withCookie(token, "GET", "/api/v1/nodes");
    expect(after.status).toBe(401);
    expect(after.body.detail).toContain("revoked");
    expect((await withCookie(token, "GET", "/api/v1/session")).status).toBe(401);
    // Signing out a dead session still clears the cookies.
    const again = await withCookie(token, "DELETE", "/api/v1/session", { headers: { "x-csrf-token": csrf } });
    expect(again.status).toBe(204);
    expect(again.headers.getSetCookie()).toHaveLength(2);

    // DELETE /session with a plain API token refuses instead of revoking it.
    const notSession = await fleet.api("DELETE", "/api/v1/session", { token: fleet.tokens.reader });
    expect(notSession.status).toBe(409);
    expect(notSession.body.reason).toBe("not_a_session");
    expect((await fleet.api("GET", "/api/v1/nodes", { token: fleet.tokens.reader })).status).toBe(200);
  });

  it("gives a viewer's session read scopes only: writes are forbidden and change nothing", async () => {
    const viewer = await createUser("viewer");
    const { token, csrf, res } = await session(viewer.email);
    expect(res.body.data.scopes.every((s: string) => s.endsWith(":read"))).toBe(true);
    const tokensBefore = await fleet.runtime.database.db
      .select({ c: count() })
      .from(api_tokens)
      .where(eq(api_tokens.account_id, fleet.runtime.accountId));
    const created = await withCookie(token, "POST", "/api/v1/api_tokens", {
      body: {
        name: "viewer-token",
        scopes: ["fleet:read"],
        expires_at: new Date(Date.now() + 86400_000).toISOString(),
      },
      headers: { "x-csrf-token": csrf },
    });
    expect(created.status).toBe(403);
    expect(created.body.code).toBe("forbidden");
    const [before] = await fleet.runtime.database.db.select().from(users).where(eq(users.id, viewer.id));
    const patched = await withCookie(token, "PATCH", `/api/v1/users/${viewer.id}`, {
      body: { display_name: "promoted" },
      headers: { "x-csrf-token": csrf },
    });
    expect(patched.status).toBe(403);
    const [afterRow] = await fleet.runtime.database.db.select().from(users).where(eq(users.id, viewer.id));
    expect(afterRow).toEqual(before);
    const tokensAfter = await fleet.runtime.database.db
      .select({ c: count() })
      .from(api_tokens)
      .where(eq(api_tokens.account_id, fleet.runtime.accountId));
    expect(tokensAfter).toEqual(tokensBefore);
  });

  it("refuses a disabled user, and disabling ends the user's sessions", async () => {
    const user = await createUser("operator");
    const { token } = await session(user.email);
    const disabled = await fleet.api("PATCH", `/api/v1/users/${user.id}`, { body: { status: "disabled" } });
    expect(disabled.status).toBe(200);
    const res = await signIn({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe("user_disabled");
    expect(res.headers.getSetCookie()).toEqual([]);
    fleet.runtime.auth.invalidate(); // past the authenticator's 5 s cache
    expect((await withCookie(token, "GET", "/api/v1/nodes")).status).toBe(401);
  });

  it("refuses a password shared by the same email in two accounts, naming the way out", async () => {
    const user = await createUser("viewer");
    const db = fleet.runtime.database.db;
    const [hash] = await db.select({ h: users.password_hash }).from(users).where(eq(users.id, user.id));
    const slug = `twin-${randomUUID()}`;
    const [account] = await db.insert(accounts).values({ name: slug, slug }).returning();
    await db.insert(users).values({
      account_id: account!.id,
      email: user.email,
      display_name: "twin",
      role: "viewer",
      password_hash: hash!.h,
    });
    const res = await signIn({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe("ambiguous_account");
    await db.delete(accounts).where(eq(accounts.id, account!.id));
  });

  it("signs in with an existing token: its scopes, environments and expiry bound the session", async () => {
    const writer = await signIn({ token: fleet.tokens.writer });
    expect(writer.status).toBe(200);
    expect(writer.body.data.user.role).toBe("operator");
    expect(writer.body.data.scopes).toEqual(["fleet:write", "autonomy:write"]);
    const writerSession = cookieValue(cookiesOf(writer.headers).np_session!);
    expect(writerSession).not.toBe(fleet.tokens.writer);
    expect((await withCookie(writerSession, "GET", "/api/v1/nodes")).status).toBe(200);

    const envs = await fleet.api("GET", "/api/v1/environments");
    const envId = envs.body.data[0].id as string;
    const soon = new Date(Date.now() + 3600_000);
    const narrow = await fleet.api("POST", "/api/v1/api_tokens", {
      body: {
        name: `narrow-${randomUUID().slice(0, 8)}`,
        scopes: ["fleet:read"],
        environment_ids: [envId],
        expires_at: soon.toISOString(),
      },
    });
    expect(narrow.status).toBe(201);
    const res = await signIn({ token: narrow.body.data.token });
    expect(res.status).toBe(200);
    expect(res.body.data.user.id).toBe(fleet.runtime.ownerUserId);
    expect(res.body.data.scopes).toEqual(["fleet:read"]);
    expect(new Date(res.body.data.expires_at).getTime()).toBe(
      new Date(narrow.body.data.api_token.expires_at).getTime(),
    );
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookiesOf(res.headers).np_session!)![1]);
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);
    const row = await tokenRowByPlaintext(cookieValue(cookiesOf(res.headers).np_session!));
    expect(row.environment_ids).toEqual([envId]);
    const [event] = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.subject_id, row.id));
    expect(event!.payload).toMatchObject({ method: "token", source_token_id: narrow.body.data.api_token.id });

    const unknown = await signIn({ token: `npt_${"x".repeat(43)}` });
    expect(unknown.status).toBe(401);
  });

  it("lets an account-level admin token in with no user, and keeps other service tokens out", async () => {
    const db = fleet.runtime.database.db;
    const expiresAt = new Date(Date.now() + 86400_000);
    const admin = await issueToken(db, {
      accountId: fleet.runtime.accountId,
      userId: null,
      name: `service-admin-${randomUUID()}`,
      scopes: [...ALL_SCOPES],
      expiresAt,
    });
    const res = await signIn({ token: admin.plaintext });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toBeNull();
    expect(res.body.data.role).toBe("admin");
    expect(res.body.data.scopes).toEqual([...ALL_SCOPES]);
    const token = cookieValue(cookiesOf(res.headers).np_session!);
    const current = await withCookie(token, "GET", "/api/v1/session");
    expect(current.body.data).toMatchObject({ user: null, role: "admin" });

    const reader = await issueToken(db, {
      accountId: fleet.runtime.accountId,
      userId: null,
      name: `service-reader-${randomUUID()}`,
      scopes: ["fleet:read"],
      expiresAt,
    });
    const refused = await signIn({ token: reader.plaintext });
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe("service_token");
  });
});
