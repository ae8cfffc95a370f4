// Node operations through REST: CRUD, field-named validation errors, scopes, tenancy, no partial writes.
import { fleet_events, nodes } from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let templateId: string;

async function rowCounts(f: TestFleet) {
  const db = f.runtime.database.db;
  const [n] = await db.select({ c: count() }).from(nodes).where(eq(nodes.account_id, f.runtime.accountId));
  const [e] = await db
    .select({ c: count() })
    .from(fleet_events)
    .where(eq(fleet_events.account_id, f.runtime.accountId));
  return { nodes: n!.c, events: e!.c };
}

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
  templateId = await fleet.createTemplate("base");
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

describe("node operations over REST", () => {
  it("creates, reads, lists, updates and deletes a node, writing an event for each change", async () => {
    const created = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "edge-1", node_template_id: templateId, config: { labels: { site: "ams" } } },
    });
    expect(created.status).toBe(201);
    const node = created.body.data;
    expect(node.name).toBe("edge-1");
    expect(node.ssh_key_fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(node.ssh_public_key).toMatch(/^ssh-ed25519 /);
    expect(JSON.stringify(created.body)).not.toContain("PRIVATE KEY");

    const got = await fleet.api("GET", `/api/v1/nodes/${node.id}`, { token: fleet.tokens.reader });
    expect(got.status).toBe(200);
    expect(got.body.data.config.labels).toEqual({ site: "ams" });

    const list = await fleet.api("GET", "/api/v1/nodes?limit=1&name_contains=edge");
    expect(list.status).toBe(200);
    expect(list.body.meta).toMatchObject({ count: 1 });
    expect(list.body.data[0].id).toBe(node.id);

    const updated = await fleet.api("PATCH", `/api/v1/nodes/${node.id}`, { body: { enabled: false, version: 1 } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ enabled: false, version: 2 });

    const stale = await fleet.api("PATCH", `/api/v1/nodes/${node.id}`, { body: { enabled: true, version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("stale_version");

    const events = await fleet.api("GET", `/api/v1/nodes/${node.id}`);
    expect(events.body.data.enabled).toBe(false);

    const del = await fleet.api("DELETE", `/api/v1/nodes/${node.id}`);
    expect(del.status).toBe(200);
    expect((await fleet.api("GET", `/api/v1/nodes/${node.id}`)).status).toBe(404);
  });

  it("paginates with an opaque cursor in creation order", async () => {
    for (const n of ["page-a", "page-b", "page-c"]) {
      expect(
        (await fleet.api("POST", "/api/v1/nodes", { body: { name: n, node_template_id: templateId } })).status,
      ).toBe(201);
    }
    const first = await fleet.api("GET", "/api/v1/nodes?limit=2&name_contains=page-");
    expect(first.body.data.map((n: { name: string }) => n.name)).toEqual(["page-a", "page-b"]);
    expect(first.body.meta.has_more).toBe(true);
    const second = await fleet.api(
      "GET",
      `/api/v1/nodes?limit=2&name_contains=page-&cursor=${first.body.meta.next_cursor}`,
    );
    expect(second.body.data.map((n: { name: string }) => n.name)).toEqual(["page-c"]);
    expect(second.body.meta).toMatchObject({ has_more: false, next_cursor: null });
    const bad = await fleet.api("GET", "/api/v1/nodes?cursor=not-a-cursor");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("cursor");
  });

  it("rejects invalid input with 400 naming the field and writes nothing", async () => {
    const before = await rowCounts(fleet);
    const cases: [unknown, string][] = [
      [{ name: "Bad Name", node_template_id: templateId }, "name"],
      [{ name: "ok-name" }, "node_template_id"],
      [{ name: "ok-name", node_template_id: "nope" }, "node_template_id"],
      [{ name: "ok-name", node_template_id: templateId, surprise: 1 }, "surprise"],
      [{ name: "ok-name", node_template_id: templateId, config: { labels: { site: 5 } } }, "config.labels.site"],
    ];
    for (const [body, field] of cases) {
      const res = await fleet.api("POST", "/api/v1/nodes", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
      expect(res.body.request_id).toBeTruthy();
    }
    const malformed = await fleet.api("POST", "/api/v1/nodes", { body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(await rowCounts(fleet)).toEqual(before);
  });

  it("refuses a duplicate name with 409 and leaves no second row or event", async () => {
    expect(
      (await fleet.api("POST", "/api/v1/nodes", { body: { name: "dup", node_template_id: templateId } })).status,
    ).toBe(201);
    const before = await rowCounts(fleet);
    const dup = await fleet.api("POST", "/api/v1/nodes", { body: { name: "dup", node_template_id: templateId } });
    expect(dup.status).toBe(409);
    expect(dup.body.reason).toBe("already_exists");
    expect(await rowCounts(fleet)).toEqual(before);
  });

  it("checks scopes per operation: 401 without a token, 403 with too little scope", async () => {
    const anon = await fleet.api("GET", "/api/v1/nodes", { token: null });
    expect(anon.status).toBe(401);
    const bogus = await fleet.api("GET", "/api/v1/nodes", { token: "npt_not-a-real-token" });
    expect(bogus.status).toBe(401);
    const before = await rowCounts(fleet);
    const reader = await fleet.api("POST", "/api/v1/nodes", {
      token: fleet.tokens.reader,
      body: { name: "reader-made", node_template_id: templateId },
    });
    expect(reader.status).toBe(403);
    expect(reader.body).toMatchObject({ code: "forbidden", required_scope: "fleet:write" });
    const created = await fleet.api("POST", "/api/v1/nodes", {
      body: { name: "victim", node_template_id: templateId },
    });
    const writerDelete = await fleet.api("DELETE", `/api/v1/nodes/${created.body.data.id}`, {
      token: fleet.tokens.writer,
    });
    expect(writerDelete.status).toBe(403);
    expect(writerDelete.body.required_scope).toBe("fleet:admin");
    expect((await rowCounts(fleet)).nodes).toBe(before.nodes + 1);
  });

  it("reads another account's node as not found", async () => {
    const mine = await fleet.api("POST", "/api/v1/nodes", { body: { name: "private", node_template_id: templateId } });
    const theirs = await other.api("GET", `/api/v1/nodes/${mine.body.data.id}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body.code).toBe("not_found");
    const theirDelete = await other.api("DELETE", `/api/v1/nodes/${mine.body.data.id}`);
    expect(theirDelete.status).toBe(404);
    expect((await fleet.api("GET", `/api/v1/nodes/${mine.body.data.id}`)).status).toBe(200);
  });

  it("replays an Idempotency-Key with the same body and refuses it with a different one", async () => {
    const headers = { "idempotency-key": "create-idem-1" };
    const a = await fleet.api("POST", "/api/v1/nodes", {
      headers,
      body: { name: "idem", node_template_id: templateId },
    });
    const b = await fleet.api("POST", "/api/v1/nodes", {
      headers,
      body: { name: "idem", node_template_id: templateId },
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.data.id).toBe(a.body.data.id);
    const c = await fleet.api("POST", "/api/v1/nodes", {
      headers,
      body: { name: "idem-2", node_template_id: templateId },
    });
    expect(c.status).toBe(409);
    expect(c.body.reason).toBe("idempotency_mismatch");
  });
});
