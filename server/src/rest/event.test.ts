// Fleet event queries over REST: filters, newest-first pagination, following by seq, one event,
// correlation chains, field-named errors and tenancy.
import { emitEvent, type Severity, systemPrincipal } from "@nodepilot/core";
import { node_platforms, node_templates } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
let nodeId: string;
// Events an account starts with (if seeding ever writes some) are not this file's business.
let baseline = 0;
const subjectA = "01890000-0000-7000-8000-00000000000a";
const instanceA = "01890000-0000-7000-8000-0000000000a1";

type Ev = { id: string; seq: number; kind: string; severity: string; correlation_id: string | null };

async function emit(
  f: TestFleet,
  kind: string,
  severity: Severity,
  extra: Record<string, string> = {},
  correlationId: string | null = null,
) {
  const db = f.runtime.database.db;
  const origin = {
    principal: systemPrincipal(f.runtime.accountId, []),
    source: "system" as const,
    correlationId,
    now: new Date(),
  };
  await db.transaction((tx) => emitEvent(tx, origin, { kind, severity, ...extra }));
}

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
  baseline = (await fleet.api("GET", "/api/v1/accounts/current")).body.data.last_event_seq;
  const otherBaseline = (await other.api("GET", "/api/v1/accounts/current")).body.data.last_event_seq;
  expect(otherBaseline).toBe(baseline);
  const db = fleet.runtime.database.db;
  const [platform] = await db
    .select()
    .from(node_platforms)
    .where(eq(node_platforms.account_id, fleet.runtime.accountId));
  const [t] = await db
    .insert(node_templates)
    .values({ account_id: fleet.runtime.accountId, name: "base", node_platform_id: platform!.id })
    .returning();
  const created = await fleet.api("POST", "/api/v1/nodes", {
    body: { name: "ev-node", node_template_id: t!.id },
    headers: { "x-correlation-id": "req-chain-1" },
  });
  expect(created.status).toBe(201);
  nodeId = created.body.data.id;
  await fleet.api("PATCH", `/api/v1/nodes/${nodeId}`, {
    body: { enabled: false },
    headers: { "x-correlation-id": "req-chain-1" },
  });
  await emit(fleet, "instance.transitioned", "low", {
    subject_type: "node_instance",
    subject_id: instanceA,
    node_instance_id: instanceA,
  });
  await emit(fleet, "instance.silent", "high", {
    subject_type: "node_instance",
    subject_id: instanceA,
    node_instance_id: instanceA,
  });
  await emit(fleet, "instance_pool.x_y", "medium", { subject_type: "instance_pool", subject_id: subjectA });
  await emit(fleet, "cve.detected", "critical", {}, "req-chain-1");
  await emit(other, "instance.silent", "critical", {
    subject_type: "node_instance",
    subject_id: instanceA,
    node_instance_id: instanceA,
  });
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

const kinds = (body: { data: Ev[] }) => body.data.filter((e) => e.seq > baseline).map((e) => e.kind);

describe("event.list", () => {
  it("lists newest first by default and oldest first with order=asc", async () => {
    const desc = await fleet.api("GET", "/api/v1/events", { token: fleet.tokens.reader });
    expect(desc.status).toBe(200);
    expect(kinds(desc.body)).toEqual([
      "cve.detected",
      "instance_pool.x_y",
      "instance.silent",
      "instance.transitioned",
      "node.updated",
      "node.created",
    ]);
    const seqs = desc.body.data.map((e: Ev) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    const asc = await fleet.api("GET", "/api/v1/events?order=asc");
    expect(kinds(asc.body)).toEqual([...kinds(desc.body)].reverse());
    expect(desc.body.data[0]).not.toHaveProperty("account_id");
  });

  it("filters by kind (exact and prefix), minimum severity, subject, instance, node and correlation", async () => {
    expect(kinds((await fleet.api("GET", "/api/v1/events?kind=instance.silent")).body)).toEqual(["instance.silent"]);
    // `instance.*` must not match `instance_pool.…`: the underscore is literal, not a LIKE wildcard.
    expect(kinds((await fleet.api("GET", "/api/v1/events?kind=instance.*")).body)).toEqual([
      "instance.silent",
      "instance.transitioned",
    ]);
    expect(kinds((await fleet.api("GET", "/api/v1/events?severity=high")).body)).toEqual([
      "cve.detected",
      "instance.silent",
    ]);
    expect(kinds((await fleet.api("GET", "/api/v1/events?severity=critical")).body)).toEqual(["cve.detected"]);
    const subject = await fleet.api("GET", `/api/v1/events?subject_type=instance_pool&subject_id=${subjectA}`);
    expect(kinds(subject.body)).toEqual(["instance_pool.x_y"]);
    expect(
      kinds((await fleet.api("GET", `/api/v1/events?node_instance_id=${instanceA}&severity=medium`)).body),
    ).toEqual(["instance.silent"]);
    expect(kinds((await fleet.api("GET", `/api/v1/events?node_id=${nodeId}`)).body)).toEqual([
      "node.updated",
      "node.created",
    ]);
    expect(kinds((await fleet.api("GET", "/api/v1/events?correlation_id=req-chain-1&order=asc")).body)).toEqual([
      "node.created",
      "node.updated",
      "cve.detected",
    ]);
  });

  it("filters by time window (since inclusive, until exclusive)", async () => {
    const all = (await fleet.api("GET", "/api/v1/events?order=asc")).body.data as (Ev & { created_at: string })[];
    const pivot = all[3]!.created_at;
    const since = await fleet.api("GET", `/api/v1/events?order=asc&since=${encodeURIComponent(pivot)}`);
    expect(since.body.data.every((e: { created_at: string }) => e.created_at >= pivot)).toBe(true);
    expect(since.body.data.map((e: Ev) => e.id)).toContain(all[3]!.id);
    const until = await fleet.api("GET", `/api/v1/events?order=asc&until=${encodeURIComponent(pivot)}`);
    expect(until.body.data.every((e: { created_at: string }) => e.created_at < pivot)).toBe(true);
    expect(since.body.data.length + until.body.data.length).toBe(all.length);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await fleet.api("GET", `/api/v1/events?since=${future}`)).body.data).toEqual([]);
  });

  it("pages newest first with a cursor, without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: Ev[]; meta: { next_cursor: string | null } } } = await fleet.api(
        "GET",
        `/api/v1/events?limit=4${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...res.body.data.map((e) => e.id));
      cursor = res.body.meta.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    const all = (await fleet.api("GET", "/api/v1/events?limit=200")).body.data.map((e: Ev) => e.id);
    expect(seen).toEqual(all);
    expect(pages).toBe(2);
  });

  it("follows the log by seq with after_seq", async () => {
    const all = (await fleet.api("GET", "/api/v1/events?order=asc")).body.data as Ev[];
    const from = all[1]!.seq;
    const page = await fleet.api("GET", `/api/v1/events?after_seq=${from}&limit=2`);
    expect(page.status).toBe(200);
    expect(page.body.data.map((e: Ev) => e.seq)).toEqual([all[2]!.seq, all[3]!.seq]);
    expect(page.body.meta).toMatchObject({ has_more: true, next_cursor: null });
    const next = await fleet.api("GET", `/api/v1/events?after_seq=${all[3]!.seq}&limit=50`);
    expect(next.body.data.map((e: Ev) => e.id)).toEqual(all.slice(4).map((e) => e.id));
    expect(next.body.meta.has_more).toBe(false);
    const tail = await fleet.api("GET", `/api/v1/events?after_seq=${all[all.length - 1]!.seq}`);
    expect(tail.body.data).toEqual([]);
  });

  it("names the field on invalid filters", async () => {
    const cases: [string, string][] = [
      ["kind=Instance.Silent", "kind"],
      ["kind=instance.*.x", "kind"],
      ["severity=urgent", "severity"],
      ["since=yesterday", "since"],
      [`subject_id=${subjectA}`, "subject_type"],
      ["since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z", "until"],
      ["after_seq=3&order=desc", "order"],
      ["after_seq=-1", "after_seq"],
      ["limit=500", "limit"],
      ["surprise=1", "surprise"],
    ];
    for (const [query, field] of cases) {
      const res = await fleet.api("GET", `/api/v1/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe("invalid_input");
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const page = await fleet.api("GET", "/api/v1/events?limit=1");
    const withCursor = await fleet.api("GET", `/api/v1/events?after_seq=1&cursor=${page.body.meta.next_cursor}`);
    expect(withCursor.status).toBe(400);
    expect(withCursor.body.errors[0].path).toBe("cursor");
  });

  it("never shows another account's events", async () => {
    const mine = await fleet.api("GET", `/api/v1/events?node_instance_id=${instanceA}`);
    expect(kinds(mine.body)).toEqual(["instance.silent", "instance.transitioned"]);
    expect(mine.body.data.every((e: Ev) => e.severity !== "critical")).toBe(true);
    const theirs = await other.api("GET", "/api/v1/events");
    expect(kinds(theirs.body)).toEqual(["instance.silent"]);
  });
});

describe("event.get and event.correlation", () => {
  it("reads one event by id and answers 404 for another account's id", async () => {
    const [latest] = (await fleet.api("GET", "/api/v1/events?limit=1")).body.data as Ev[];
    const got = await fleet.api("GET", `/api/v1/events/${latest!.id}`, { token: fleet.tokens.reader });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({
      id: latest!.id,
      kind: "cve.detected",
      source: "system",
      actor_type: "system",
    });
    const [theirs] = (await other.api("GET", "/api/v1/events")).body.data as Ev[];
    const foreign = await fleet.api("GET", `/api/v1/events/${theirs!.id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe("not_found");
    expect((await fleet.api("GET", "/api/v1/events/not-a-uuid")).body.errors[0].path).toBe("id");
  });

  it("returns one correlation chain oldest first, and 404 for an unknown id", async () => {
    const chain = await fleet.api("GET", "/api/v1/events/correlation/req-chain-1");
    expect(chain.status).toBe(200);
    expect(chain.body.data.correlation_id).toBe("req-chain-1");
    expect(chain.body.data.truncated).toBe(false);
    expect(chain.body.data.events.map((e: Ev) => e.kind)).toEqual(["node.created", "node.updated", "cve.detected"]);
    expect(chain.body.data.events.every((e: Ev) => e.correlation_id === "req-chain-1")).toBe(true);
    const missing = await fleet.api("GET", "/api/v1/events/correlation/no-such-chain");
    expect(missing.status).toBe(404);
    expect((await other.api("GET", "/api/v1/events/correlation/req-chain-1")).status).toBe(404);
  });
});
