// GET /api/v1/events/stream over real HTTP (PGlite, or PostgreSQL with NODEPILOT_TEST_DATABASE_URL):
// live delivery after commit, Last-Event-ID resume without holes or duplicates, filters, auth,
// the route winning over /events/:id, clean close, and the per-subscriber overflow gap.
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type EventInput, emitEvents, issueToken, systemPrincipal } from "@nodepilot/core";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { openSse, type SseStream } from "../testing/sse-client.ts";
import { mountEventStream } from "./event-stream.ts";

let fleet: TestFleet;
let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
  server = serve({ fetch: fleet.runtime.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((ok) => server.once("listening", () => ok()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/events/stream`;
});
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  await fleet?.close();
});

/** Writes events in one transaction through the product's emitEvents; returns their seqs. */
async function write(...inputs: EventInput[]): Promise<number[]> {
  const { runtime } = fleet;
  return runtime.database.db.transaction((tx) =>
    emitEvents(
      tx,
      {
        principal: systemPrincipal(runtime.accountId, ["fleet:admin"]),
        source: "api",
        correlationId: null,
        now: new Date(),
      },
      inputs,
    ),
  );
}

const open = (query = "", headers: Record<string, string> = {}, token = fleet.tokens.reader) =>
  openSse(`${base}${query}`, { authorization: `Bearer ${token}`, ...headers });

const seqs = (frames: { id?: string }[]) => frames.map((f) => Number(f.id));
const kinds = (frames: { data: string }[]) => frames.map((f) => JSON.parse(f.data).kind as string);

async function closed(stream: SseStream) {
  stream.close();
  // The server notices the disconnect and drops its subscriber.
  for (let i = 0; i < 200 && fleet.runtime.events.subscriberCount(fleet.runtime.accountId) > 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("GET /api/v1/events/stream", () => {
  it("streams an event committed after connecting, with its seq as the SSE id", async () => {
    const stream = await open();
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await stream.until("live");
    const [seq] = await write({ kind: "stream.test.first", severity: "medium", payload: { n: 1 } });
    const [frame] = await stream.take(1);
    expect(frame?.id).toBe(String(seq));
    const event = JSON.parse(frame!.data);
    expect(event).toMatchObject({ seq, kind: "stream.test.first", severity: "medium", payload: { n: 1 } });
    // The same event through event.get: /events/:id is still routed to the catalog.
    const got = await fleet.api("GET", `/api/v1/events/${event.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data.seq).toBe(seq);
    await closed(stream);
    expect(fleet.runtime.events.subscriberCount(fleet.runtime.accountId)).toBe(0);
  });

  it("resumes from Last-Event-ID with exactly the missed events in order, then live", async () => {
    const first = await open();
    await first.until("live");
    const [a] = await write({ kind: "stream.resume.a" });
    const [seen] = await first.take(1);
    expect(Number(seen?.id)).toBe(a);
    await closed(first);
    const missed = await write(
      { kind: "stream.resume.b" },
      { kind: "stream.resume.c", payload: { big: "x".repeat(20_000) } }, // past NOTIFY's 8 KB
      { kind: "stream.resume.d" },
    );
    const resumed = await open("", { "last-event-id": String(a) });
    const before = await resumed.until("live");
    const replayed = before.filter((f) => f.event === "message");
    expect(seqs(replayed)).toEqual(missed);
    expect(kinds(replayed)).toEqual(["stream.resume.b", "stream.resume.c", "stream.resume.d"]);
    const [e] = await write({ kind: "stream.resume.e" });
    const live = await resumed.take(1);
    expect(seqs(live)).toEqual([e]);
    await closed(resumed);
  });

  it("applies event.list's filters to the replay and to live events", async () => {
    const instance = randomUUID();
    const [start] = await write({ kind: "stream.filter.start" });
    await write(
      { kind: "stream.alpha.one", severity: "high", node_instance_id: instance },
      { kind: "stream.alpha.two", severity: "low", node_instance_id: instance },
      { kind: "stream.beta.one", severity: "critical", node_instance_id: instance },
      { kind: "stream.alpha.three", severity: "critical", node_instance_id: randomUUID() },
    );
    const query = `?kind=stream.alpha.*&min_severity=high&node_instance_id=${instance}`;
    const stream = await open(query, { "last-event-id": String(start) });
    const replayed = (await stream.until("live")).filter((f) => f.event === "message");
    expect(kinds(replayed)).toEqual(["stream.alpha.one"]);
    await write(
      { kind: "stream.alpha.four", severity: "medium", node_instance_id: instance },
      { kind: "stream.gamma.one", severity: "critical", node_instance_id: instance },
      { kind: "stream.alpha.five", severity: "critical", node_instance_id: instance },
    );
    expect(kinds(await stream.take(1))).toEqual(["stream.alpha.five"]);
    await closed(stream);
  });

  it("answers 401 without a token, 403 without fleet:read, 400 for a bad filter or cursor", async () => {
    const anonymous = await openSse(base, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(JSON.parse(await anonymous.text()).code).toBe("unauthenticated");
    const { plaintext } = await issueToken(fleet.runtime.database.db, {
      accountId: fleet.runtime.accountId,
      userId: fleet.runtime.ownerUserId,
      name: "autonomy only",
      scopes: ["autonomy:read"],
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const noScope = await open("", {}, plaintext);
    expect(noScope.status).toBe(403);
    expect(JSON.parse(await noScope.text())).toMatchObject({ code: "forbidden", reason: "missing_scope" });
    const badFilter = await open("?min_severity=loud");
    expect(badFilter.status).toBe(400);
    expect(JSON.stringify(JSON.parse(await badFilter.text()).errors)).toContain("min_severity");
    const unknown = await open("?colour=red");
    expect(unknown.status).toBe(400);
    const badCursor = await open("", { "last-event-id": "not-a-seq" });
    expect(badCursor.status).toBe(400);
  });

  it("reports dropped events as one gap when a subscriber falls 1,000 behind", async () => {
    const hub = fleet.runtime.events;
    const subscription = await hub.subscribe(fleet.runtime.accountId, (e) => e.kind === "stream.flood.item");
    const written = await write(...Array.from({ length: 1005 }, () => ({ kind: "stream.flood.item" })));
    // Nothing is taken off the queue until all 1,005 have been delivered to it.
    for (let i = 0; i < 400 && subscription.queue.lastSeq !== written[1004]; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(subscription.queue.size).toBe(1000);
    const gap = await subscription.queue.next();
    expect(gap).toEqual({
      type: "gap",
      from_seq: written[0],
      to_seq: written[4],
      from_id: expect.any(String),
      to_id: expect.any(String),
    });
    const rest: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const item = await subscription.queue.next();
      if (item?.type === "event") rest.push(item.event.seq);
    }
    expect(rest).toEqual(written.slice(5));
    expect(subscription.queue.size).toBe(0);
    subscription.close();
  });

  it("sends heartbeat comments while nothing happens", async () => {
    // The production route with a short heartbeat, on a listener of its own.
    const { runtime } = fleet;
    const app = new Hono();
    mountEventStream(app, { services: runtime.services, auth: runtime.auth, hub: runtime.events, heartbeatMs: 50 });
    const own = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((ok) => own.once("listening", () => ok()));
    const port = (own.address() as AddressInfo).port;
    const stream = await openSse(`http://127.0.0.1:${port}/api/v1/events/stream`, {
      authorization: `Bearer ${fleet.tokens.reader}`,
    });
    await stream.until("live");
    const frames = await stream.until("heartbeat");
    expect(frames.every((f) => f.event === "comment")).toBe(true);
    stream.close();
    await new Promise<void>((ok) => own.close(() => ok()));
  });
});
