// The delivery loop over a real outbox directory, with `send` standing in for the HTTP call (the
// real listener is exercised in server/src/e2e/outbox.test.ts): batches leave in order, a failure
// keeps the rest for a retry with the same ids, refused events are discarded, and the loop backs
// off after a failure until a reconnect or new events wake it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AgentEvent, EventsResponse } from "@nodepilot/core/agent-protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlatformNetworkError, PlatformProblemError } from "../client/errors.ts";
import { OutboxFlusher } from "./flusher.ts";
import { Outbox } from "./outbox.ts";

let root: string;
let box: Outbox;
const sent: AgentEvent[][] = [];
let answer: (events: AgentEvent[]) => Promise<EventsResponse>;
const ok = async (events: AgentEvent[]) => ({ accepted: events.length, duplicates: 0 });
const flusher = (rng = () => 0.5) =>
  new OutboxFlusher({
    outbox: box,
    send: (events) => {
      sent.push(events);
      return answer(events);
    },
    rng,
  });
const marks = (events: AgentEvent[]) => events.map((e) => e.payload.i);
const fill = (count: number, from = 0) =>
  box.append(
    Array.from({ length: count }, (_, k) => ({ kind: "module.verify_failed" as const, payload: { i: from + k } })),
  );

async function until(what: string, cond: () => boolean) {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "np-flush-"));
  box = await Outbox.open(path.join(root, "outbox"));
  sent.length = 0;
  answer = ok;
});
afterEach(async () => {
  await box.close();
  await rm(root, { recursive: true, force: true });
});

describe("drain", () => {
  it("sends every batch in order and empties the outbox", async () => {
    await fill(1100);
    const r = await flusher().drain();
    expect(r).toEqual({ batches: 3, accepted: 1100, duplicates: 0 });
    expect(sent.map((b) => b.length)).toEqual([500, 500, 100]);
    expect(sent.flatMap(marks)).toEqual(Array.from({ length: 1100 }, (_, i) => i));
    expect(box.depth).toBe(0);
  });

  it("keeps what a network failure did not deliver and resends it with the same ids", async () => {
    await fill(700);
    let calls = 0;
    answer = async (events) => {
      if (++calls === 2) throw new PlatformNetworkError("connect ECONNREFUSED", null);
      return ok(events);
    };
    const f = flusher();
    await expect(f.drain()).rejects.toBeInstanceOf(PlatformNetworkError);
    expect(box.depth).toBe(200);
    // The platform may have written the lost batch: the server's dedup makes the resend harmless.
    answer = async (events) => ({ accepted: 0, duplicates: events.length });
    expect(await f.drain()).toEqual({ batches: 1, accepted: 0, duplicates: 200 });
    expect(sent[2]!.map((e) => e.id)).toEqual(sent[1]!.map((e) => e.id));
    expect(box.depth).toBe(0);
  });

  it("discards the events a 400 names and delivers the rest", async () => {
    await fill(5);
    answer = async (events) => {
      if (events.length === 5)
        throw new PlatformProblemError(
          400,
          {
            status: 400,
            code: "invalid_input",
            errors: [{ path: "events.1.kind", message: "not an agent event kind" }],
          },
          undefined,
        );
      return ok(events);
    };
    await flusher().drain();
    expect(sent.map(marks)).toEqual([
      [0, 1, 2, 3, 4],
      [0, 2, 3, 4],
    ]);
    expect(box.dropped).toBe(1);
  });

  it("splits a batch refused without names until the offender is alone, then drops only it", async () => {
    await fill(4);
    answer = async (events) => {
      if (events.some((e) => e.payload.i === 2)) {
        throw new PlatformProblemError(
          400,
          { status: 400, code: "invalid_input", reason: "body_too_large" },
          undefined,
        );
      }
      return ok(events);
    };
    await flusher().drain();
    // A success restores the full batch size, so [2, 3] is tried whole before it is split.
    expect(sent.map(marks)).toEqual([[0, 1, 2, 3], [0, 1], [2, 3], [2], [3]]);
    expect(box.dropped).toBe(1);
    expect(box.depth).toBe(0);
  });
});

describe("run", () => {
  it("backs off after a failure until a reconnect, and sends new events when woken", async () => {
    const stop = new AbortController();
    let down = true;
    answer = async (events) => {
      if (down) throw new PlatformNetworkError("connect ECONNREFUSED", null);
      return ok(events);
    };
    // rng near 1: the first backoff is the full ceiling, far longer than this test waits.
    const f = flusher(() => 0.999);
    const errors: unknown[] = [];
    const loop = f.run(stop.signal, (e) => errors.push(e));
    await f.emit({ kind: "module.fetch_failed", payload: { i: 1 } });
    await until("a failed attempt", () => errors.length === 1);
    down = false;
    // New events do not cut a backoff short…
    await f.emit({ kind: "module.fetch_failed", payload: { i: 2 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(box.depth).toBe(2);
    // …a reconnect does.
    f.reconnected();
    await until("the queue drained", () => box.depth === 0);
    expect(sent.at(-1)!.map((e) => e.payload.i)).toEqual([1, 2]);
    // Idle now: an emit is sent without waiting for the idle timeout.
    await f.emit({ kind: "module.fetch_failed", payload: { i: 3 } });
    await until("the new event went out", () => box.depth === 0 && sent.at(-1)![0]!.payload.i === 3);
    stop.abort();
    await loop;
    expect(errors).toHaveLength(1);
  });
});
