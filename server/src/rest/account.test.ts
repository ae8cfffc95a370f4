// Account, environment and user administration over REST: scopes, field-named errors, tenancy,
// owner guards, argon2id passwords that never leave the store, and no partial writes.
import { fleet_events, users } from "@nodepilot/store";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;

async function rowCounts(f: TestFleet) {
  const db = f.runtime.database.db;
  const [u] = await db.select({ c: count() }).from(users).where(eq(users.account_id, f.runtime.accountId));
  const [e] = await db
    .select({ c: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, f.runtime.accountId));
  return { users: u!.c, events: e!.c };
}

async function eventsFor(f: TestFleet, subjectId: string) {
  return f.runtime.database.db
    .select()
    .from(fleet_events)
    .where(and(eq(fleet_events.account_id, f.runtime.accountId), eq(fleet_events.subject_id, subjectId)));
}

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("account and environments", () => {
  it("reads the caller's own account", async () => {
    const res = await fleet.api("GET", "/api/v1/accounts/current", { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: fleet.runtime.accountId, status: "active" });
    expect(res.body.data.last_event_seq).toBeGreaterThanOrEqual(0);
    const theirs = await other.api("GET", "/api/v1/accounts/current");
    expect(theirs.body.data.id).toBe(other.runtime.accountId);
    expect(theirs.body.data.id).not.toBe(fleet.runtime.accountId);
  });

  it("lists the five seeded environments in rank order", async () => {
    const res = await fleet.api("GET", "/api/v1/environments", { token: fleet.tokens.reader });
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { name: string }) => e.name)).toEqual(["dev", "ci", "ops", "staging", "prod"]);
    const prod = res.body.data.find((e: { name: string }) => e.name === "prod");
    expect(prod).toMatchObject({
      protected: true,
      delivery_mode: "pinned",
      min_promotion_state: "live",
      signature_mode: "enforce",
    });
    const page = await fleet.api("GET", "/api/v1/environments?limit=2");
    expect(page.body.meta).toMatchObject({ count: 2, has_more: true });
    const rest = await fleet.api("GET", `/api/v1/environments?limit=10&cursor=${page.body.meta.next_cursor}`);
    expect(rest.body.data.map((e: { name: string }) => e.name)).toEqual(["ops", "staging", "prod"]);
  });
});

describe("users", () => {
  it("creates a user with a lower-cased email and an argon2id hash it never returns", async () => {
    const before = await rowCounts(fleet);
    const res = await fleet.api("POST", "/api/v1/users", {
      body: {
        email: "Ana.Silva@Example.COM",
        display_name: "Ana",
        role: "operator",
        password: "correct horse battery",
      },
    });
    expect(res.status).toBe(201);
    const user = res.body.data;
    expect(user).toMatchObject({
      email: "ana.silva@example.com",
      role: "operator",
      status: "active",
      has_password: true,
      version: 1,
    });
    expect(user).not.toHaveProperty("password_hash");
    const [row] = await fleet.runtime.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain("argon2");
    expect(text).not.toContain("correct horse");
    const after = await rowCounts(fleet);
    expect(after).toEqual({ users: before.users + 1, events: before.events + 1 });
    const [event] = await eventsFor(fleet, user.id);
    expect(event).toMatchObject({ kind: "user.created", subject_type: "user" });
    expect(JSON.stringify(event!.payload)).not.toContain("correct horse");

    const got = await fleet.api("GET", `/api/v1/users/${user.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data.email).toBe("ana.silva@example.com");
    const list = await fleet.api("GET", "/api/v1/users?email_contains=ANA.SILVA");
    expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect(JSON.stringify(list.body)).not.toContain("argon2");

    const dup = await fleet.api("POST", "/api/v1/users", {
      body: { email: "ana.silva@EXAMPLE.com", display_name: "Ana 2", role: "viewer" },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
    expect(await rowCounts(fleet)).toEqual(after);
  });

  it("updates and deletes a user, one event per change, refusing stale versions", async () => {
    const created = await fleet.api("POST", "/api/v1/users", {
      body: { email: "bob@example.com", display_name: "Bob", role: "viewer" },
    });
    const id = created.body.data.id;
    expect(created.body.data.has_password).toBe(false);
    const up = await fleet.api("PATCH", `/api/v1/users/${id}`, {
      body: { role: "admin", password: "a much longer secret", version: 1 },
    });
    expect(up.status).toBe(200);
    expect(up.body.data).toMatchObject({ role: "admin", has_password: true, version: 2 });
    const stale = await fleet.api("PATCH", `/api/v1/users/${id}`, { body: { display_name: "B", version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("stale_version");
    const cleared = await fleet.api("PATCH", `/api/v1/users/${id}`, { body: { password: null } });
    expect(cleared.body.data.has_password).toBe(false);
    const del = await fleet.api("DELETE", `/api/v1/users/${id}`);
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({ id, deleted: true });
    expect((await fleet.api("GET", `/api/v1/users/${id}`)).status).toBe(404);
    const kinds = (await eventsFor(fleet, id)).map((e) => e.kind).sort();
    expect(kinds).toEqual(["user.created", "user.deleted", "user.updated", "user.updated"]);
  });

  it("requires fleet:admin for every user operation and writes nothing when refused", async () => {
    const before = await rowCounts(fleet);
    const body = { email: "eve@example.com", display_name: "Eve", role: "viewer" };
    for (const token of [fleet.tokens.reader, fleet.tokens.writer]) {
      const res = await fleet.api("POST", "/api/v1/users", { token, body });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: "forbidden", reason: "missing_scope", required_scope: "fleet:admin" });
    }
    expect((await fleet.api("GET", "/api/v1/users", { token: fleet.tokens.writer })).status).toBe(403);
    expect(
      (await fleet.api("GET", `/api/v1/users/${fleet.runtime.ownerUserId}`, { token: fleet.tokens.reader })).status,
    ).toBe(403);
    expect(await rowCounts(fleet)).toEqual(before);
  });

  it("names the offending field on invalid input and writes nothing", async () => {
    const before = await rowCounts(fleet);
    const cases: [unknown, string][] = [
      [{ email: "not-an-email", display_name: "x", role: "viewer" }, "email"],
      [{ email: "x@example.com", display_name: "x", role: "superuser" }, "role"],
      [{ email: "x@example.com", display_name: "x", role: "viewer", password: "short" }, "password"],
      [{ email: "x@example.com", role: "viewer" }, "display_name"],
      [{ email: "x@example.com", display_name: "x", role: "viewer", password_hash: "x" }, "password_hash"],
    ];
    for (const [body, field] of cases) {
      const res = await fleet.api("POST", "/api/v1/users", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await rowCounts(fleet)).toEqual(before);
  });

  it("reads a foreign account's user id as not found", async () => {
    const theirs = await other.api("POST", "/api/v1/users", {
      body: { email: "zed@example.com", display_name: "Zed", role: "viewer" },
    });
    expect(theirs.status).toBe(201);
    const id = theirs.body.data.id;
    expect((await fleet.api("GET", `/api/v1/users/${id}`)).status).toBe(404);
    const patch = await fleet.api("PATCH", `/api/v1/users/${id}`, { body: { status: "disabled" } });
    expect(patch.status).toBe(404);
    expect(patch.body.code).toBe("not_found");
    expect((await fleet.api("DELETE", `/api/v1/users/${id}`)).status).toBe(404);
    expect((await other.api("GET", `/api/v1/users/${id}`)).body.data.status).toBe("active");
  });

  it("keeps the last active owner and refuses to disable or delete yourself", async () => {
    const owner = fleet.runtime.ownerUserId;
    const before = await rowCounts(fleet);
    const demote = await fleet.api("PATCH", `/api/v1/users/${owner}`, { body: { role: "admin" } });
    expect(demote.status).toBe(409);
    expect(demote.body.reason).toBe("last_owner");
    const disable = await fleet.api("PATCH", `/api/v1/users/${owner}`, { body: { status: "disabled" } });
    expect(disable.status).toBe(409);
    expect(disable.body.reason).toBe("self");
    const del = await fleet.api("DELETE", `/api/v1/users/${owner}`);
    expect(del.status).toBe(409);
    expect(del.body.reason).toBe("self");
    expect(await rowCounts(fleet)).toEqual(before);

    // With a second owner the first may step down.
    const second = await fleet.api("POST", "/api/v1/users", {
      body: { email: "owner2@example.com", display_name: "O2", role: "owner" },
    });
    expect(second.status).toBe(201);
    const step = await fleet.api("PATCH", `/api/v1/users/${second.body.data.id}`, { body: { role: "operator" } });
    expect(step.status).toBe(200);
  });
});
