// API tokens over REST: a plaintext shown once, scopes capped by the caller and the owner's role,
// a 365-day limit, lists without secrets, and revocation/disabling taking effect within the 5 s cache.
import { api_tokens, fleet_events, idempotency_records } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
const days = (n: number) => new Date(Date.now() + n * 86400_000).toISOString();

async function rowCounts(f: TestFleet) {
  const db = f.runtime.database.db;
  const [t] = await db.select({ c: count() }).from(api_tokens).where(eq(api_tokens.account_id, f.runtime.accountId));
  const [e] = await db
    .select({ c: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, f.runtime.accountId));
  return { tokens: t!.c, events: e!.c };
}

async function createUser(role: string, email: string) {
  const res = await fleet.api("POST", "/api/v1/users", { body: { email, display_name: email, role } });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
}

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("api tokens", () => {
  it("returns the plaintext once; it authenticates, and lists show only the prefix", async () => {
    const before = await rowCounts(fleet);
    const res = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "ci-reader", scopes: ["fleet:read", "fleet:read"], expires_at: days(30) },
    });
    expect(res.status).toBe(201);
    const { token, api_token } = res.body.data;
    expect(token).toMatch(/^npt_[A-Za-z0-9_-]{43}$/);
    expect(api_token).toMatchObject({
      name: "ci-reader",
      scopes: ["fleet:read"],
      state: "active",
      user_id: fleet.runtime.ownerUserId,
    });
    expect(api_token.token_prefix).toBe(token.slice(0, 8));
    expect(api_token).not.toHaveProperty("token_hash");
    expect(await rowCounts(fleet)).toEqual({ tokens: before.tokens + 1, events: before.events + 1 });

    const [row] = await fleet.runtime.database.db.select().from(api_tokens).where(eq(api_tokens.id, api_token.id));
    const [event] = await fleet.runtime.database.db
      .select()
      .from(fleet_events)
      .where(eq(fleet_events.subject_id, api_token.id));
    expect(event!.kind).toBe("api_token.created");
    expect(JSON.stringify(event)).not.toContain(token);
    expect(JSON.stringify(event)).not.toContain(row!.token_hash);

    // Used through a proxy chain: the client's own address, the first hop, is what is recorded.
    const used = await fleet.api("GET", "/api/v1/nodes", {
      token,
      headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" },
    });
    expect(used.status).toBe(200);
    const [touched] = await fleet.runtime.database.db
      .select({ ip: api_tokens.last_used_ip })
      .from(api_tokens)
      .where(eq(api_tokens.id, api_token.id));
    expect(touched!.ip).toBe("203.0.113.7");
    expect((await fleet.api("POST", "/api/v1/users", { token, body: {} })).status).toBe(403);

    const list = await fleet.api("GET", "/api/v1/api_tokens?state=active");
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { id: string }) => t.id)).toContain(api_token.id);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(token);
    expect(text).not.toContain(row!.token_hash);
    expect(text).not.toContain("token_hash");
  });

  it("refuses scopes beyond the caller's own and writes nothing", async () => {
    const before = await rowCounts(fleet);
    const wider = await fleet.api("POST", "/api/v1/api_tokens", {
      token: fleet.tokens.writer,
      body: { name: "escalate", scopes: ["fleet:write", "fleet:admin"], expires_at: days(1) },
    });
    expect(wider.status).toBe(403);
    expect(wider.body).toMatchObject({ code: "forbidden", reason: "scope_exceeds_caller", scopes: ["fleet:admin"] });
    const otherDomain = await fleet.api("POST", "/api/v1/api_tokens", {
      token: fleet.tokens.writer,
      body: { name: "escalate-2", scopes: ["security:read"], expires_at: days(1) },
    });
    expect(otherDomain.status).toBe(403);
    const forOther = await fleet.api("POST", "/api/v1/api_tokens", {
      token: fleet.tokens.writer,
      body: { name: "escalate-3", scopes: ["fleet:read"], expires_at: days(1), user_id: fleet.runtime.ownerUserId },
    });
    expect(forOther.status).toBe(403);
    expect(forOther.body.reason).toBe("missing_scope");
    const reader = await fleet.api("POST", "/api/v1/api_tokens", {
      token: fleet.tokens.reader,
      body: { name: "escalate-4", scopes: ["fleet:read"], expires_at: days(1) },
    });
    expect(reader.status).toBe(403);
    expect(reader.body.required_scope).toBe("fleet:write");
    expect(await rowCounts(fleet)).toEqual(before);

    const narrower = await fleet.api("POST", "/api/v1/api_tokens", {
      token: fleet.tokens.writer,
      body: { name: "writer-sub", scopes: ["fleet:read"], expires_at: days(1) },
    });
    expect(narrower.status).toBe(201);
    expect(narrower.body.data.api_token.user_id).not.toBe(fleet.runtime.ownerUserId);
  });

  it("names the field for bad scopes, expiry and environments, and writes nothing", async () => {
    const before = await rowCounts(fleet);
    const cases: [unknown, string][] = [
      [{ name: "t1", scopes: ["fleet:root"], expires_at: days(1) }, "scopes.0"],
      [{ name: "t1", scopes: ["fleet:read", "mesh:read"], expires_at: days(1) }, "scopes.1"],
      [{ name: "t1", scopes: [], expires_at: days(1) }, "scopes"],
      [{ name: "t1", scopes: ["fleet:read"] }, "expires_at"],
      [{ name: "t1", scopes: ["fleet:read"], expires_at: days(366) }, "expires_at"],
      [{ name: "t1", scopes: ["fleet:read"], expires_at: days(-1) }, "expires_at"],
      [{ name: "t1", scopes: ["fleet:read"], expires_at: "tomorrow" }, "expires_at"],
      [
        {
          name: "t1",
          scopes: ["fleet:read"],
          expires_at: days(1),
          environment_ids: ["01890000-0000-7000-8000-000000000000"],
        },
        "environment_ids.0",
      ],
      [{ name: "t1", scopes: ["fleet:read"], expires_at: days(1), token_hash: "x" }, "token_hash"],
    ];
    for (const [body, field] of cases) {
      const res = await fleet.api("POST", "/api/v1/api_tokens", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await rowCounts(fleet)).toEqual(before);
  });

  it("caps a token for another user by that user's role, and limits owner grants to owners", async () => {
    const viewer = await createUser("viewer", "viewer-cap@example.com");
    const capped = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "viewer-write", scopes: ["fleet:read", "fleet:write"], expires_at: days(1), user_id: viewer },
    });
    expect(capped.status).toBe(400);
    expect(capped.body.errors[0].path).toBe("scopes.1");
    const ok = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "viewer-read", scopes: ["fleet:read"], expires_at: days(1), user_id: viewer },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.data.api_token.user_id).toBe(viewer);

    const admin = await createUser("admin", "admin-cap@example.com");
    const adminToken = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "admin-cap", scopes: ["fleet:admin"], expires_at: days(1), user_id: admin },
    });
    const token = adminToken.body.data.token;
    const makeOwner = await fleet.api("POST", "/api/v1/users", {
      token,
      body: { email: "o3@example.com", display_name: "o3", role: "owner" },
    });
    expect(makeOwner.status).toBe(403);
    expect(makeOwner.body.reason).toBe("owner_only");
    const promote = await fleet.api("PATCH", `/api/v1/users/${viewer}`, { token, body: { role: "owner" } });
    expect(promote.status).toBe(403);
    expect((await fleet.api("PATCH", `/api/v1/users/${viewer}`, { token, body: { role: "operator" } })).status).toBe(
      200,
    );

    const foreign = await other.api("POST", "/api/v1/api_tokens", {
      body: { name: "x", scopes: ["fleet:read"], expires_at: days(1), user_id: viewer },
    });
    expect(foreign.status).toBe(404);
  });

  it("requires fleet:admin to list and revoke", async () => {
    expect((await fleet.api("GET", "/api/v1/api_tokens", { token: fleet.tokens.writer })).status).toBe(403);
    const mine = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "to-revoke", scopes: ["fleet:read"], expires_at: days(1) },
    });
    const id = mine.body.data.api_token.id;
    const before = await rowCounts(fleet);
    const res = await fleet.api("POST", `/api/v1/api_tokens/${id}/revoke`, { token: fleet.tokens.writer });
    expect(res.status).toBe(403);
    expect(res.body.required_scope).toBe("fleet:admin");
    expect(await rowCounts(fleet)).toEqual(before);
    expect((await other.api("POST", `/api/v1/api_tokens/${id}/revoke`)).status).toBe(404);
    expect((await fleet.api("POST", "/api/v1/api_tokens/not-a-uuid/revoke")).body.errors[0].path).toBe("id");
  });

  it("stops a revoked token and a disabled user's token within the cache window", async () => {
    const revokee = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "revokee", scopes: ["fleet:read"], expires_at: days(1) },
    });
    const revokeToken = revokee.body.data.token;
    const userId = await createUser("operator", "soon-disabled@example.com");
    const theirs = await fleet.api("POST", "/api/v1/api_tokens", {
      body: { name: "disabled-user", scopes: ["fleet:write"], expires_at: days(1), user_id: userId },
    });
    const userToken = theirs.body.data.token;
    expect((await fleet.api("GET", "/api/v1/nodes", { token: revokeToken })).status).toBe(200);
    expect((await fleet.api("GET", "/api/v1/nodes", { token: userToken })).status).toBe(200);

    const revoked = await fleet.api("POST", `/api/v1/api_tokens/${revokee.body.data.api_token.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toMatchObject({ state: "revoked" });
    expect(revoked.body.data.revoked_at).toBeTruthy();
    const again = await fleet.api("POST", `/api/v1/api_tokens/${revokee.body.data.api_token.id}/revoke`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: "already_revoked", current_state: "revoked" });
    expect((await fleet.api("PATCH", `/api/v1/users/${userId}`, { body: { status: "disabled" } })).status).toBe(200);

    await new Promise((r) => setTimeout(r, 5200));
    for (const token of [revokeToken, userToken]) {
      const res = await fleet.api("GET", "/api/v1/nodes", { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("unauthenticated");
    }
    const listed = await fleet.api("GET", "/api/v1/api_tokens?state=revoked");
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(["revokee"]);
  });
  it("keeps an idempotent replay of a token creation sealed at rest", async () => {
    const headers = { "idempotency-key": "token-replay-1" };
    const body = { name: "replayed", scopes: ["fleet:read"], expires_at: days(30) };
    const first = await fleet.api("POST", "/api/v1/api_tokens", { headers, body });
    expect(first.status).toBe(201);
    const again = await fleet.api("POST", "/api/v1/api_tokens", { headers, body });
    expect(again.status).toBe(201);
    expect(again.body.data).toEqual(first.body.data);
    const stored = await fleet.runtime.database.db
      .select()
      .from(idempotency_records)
      .where(eq(idempotency_records.account_id, fleet.runtime.accountId));
    const record = stored.find((r) => r.key === "token-replay-1");
    expect(record).toBeDefined();
    expect(JSON.stringify(record)).not.toContain("npt_");
  });
});
