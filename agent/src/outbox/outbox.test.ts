// The outbox on a real directory: appends survive a reopen, caps drop the lowest-severity oldest
// events first and count them, a torn last line is cut off, delivery is in order and acks delete
// spent segments, and a reopened outbox never resends what was acknowledged.
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { type AgentEventDraft, Outbox } from "./outbox.ts";
import { readOutbox } from "./segments.ts";

let dir: string;
const boxes: Outbox[] = [];
const openBox = async (opts: Parameters<typeof Outbox.open>[1] = {}) => {
  const box = await Outbox.open(dir, opts);
  boxes.push(box);
  return box;
};
const draft = (i: number, severity: AgentEventDraft["severity"] = "low"): AgentEventDraft => ({
  kind: "module.fetch_failed",
  severity,
  payload: { i },
});
const payloadIs = (e: { payload: Record<string, unknown> }) => e.payload.i;
const segments = async () => (await readdir(dir)).filter((f) => f.endsWith(".seg")).sort();

/** Delivers everything (as the flusher does) and returns the payload markers in delivery order. */
async function deliverAll(box: Outbox, perBatch = 500): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (let b = box.nextBatch(perBatch); b; b = box.nextBatch(perBatch)) {
    seen.push(...b.events.map((e) => (e.kind === "agent.events_dropped" ? "dropped" : payloadIs(e))));
    await box.ack(b);
  }
  return seen;
}

beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), "np-outbox-")), "outbox");
});
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.close().catch(() => undefined);
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe("appending", () => {
  it("fills in id and time, keeps order and survives a reopen", async () => {
    const box = await openBox({ now: () => new Date("2030-05-06T07:08:09.000Z") });
    const [first] = await box.append([draft(1), draft(2, "high")]);
    await box.emit({ kind: "agent.lkg_stale", payload: { i: 3 } });
    expect(first!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first!.occurred_at).toBe("2030-05-06T07:08:09.000Z");
    expect(box.depth).toBe(3);
    await box.close();
    const again = await openBox();
    expect(again.depth).toBe(3);
    const batch = again.nextBatch()!;
    expect(batch.events.map(payloadIs)).toEqual([1, 2, 3]);
    expect(batch.events[0]!.id).toBe(first!.id);
    // Severity defaults to low, as on the wire.
    expect(batch.events[2]!.severity).toBe("low");
  });

  it("refuses an event the platform would refuse, before queueing it", async () => {
    const box = await openBox();
    await expect(box.emit({ kind: "instance.transitioned" as never })).rejects.toBeInstanceOf(ZodError);
    await expect(box.emit({ kind: "module.fetch_failed", payload: { blob: "x".repeat(70_000) } })).rejects.toThrow(
      /at most 65536 bytes/,
    );
    expect(box.depth).toBe(0);
  });
});

describe("caps", () => {
  it("drops the oldest low events first, then medium, counts them, and says so", async () => {
    const box = await openBox({ maxEntries: 10 });
    // 4 high, 3 medium, 4 low, interleaved; the 11th entry overflows.
    const sev = ["high", "low", "medium", "low", "high", "medium", "low", "high", "medium", "low", "high"] as const;
    for (const [i, s] of sev.entries()) await box.emit(draft(i, s));
    // Over 10 → down to 9 (90 %): two lows go, the oldest (#1 and #3).
    expect(box.dropped).toBe(2);
    const left = await deliverAll(box);
    expect(left).toEqual([0, 2, 4, 5, 6, 7, 8, 9, 10, "dropped"]);
    expect(box.depth).toBe(0);
  });

  it("drops higher severities only when no low event is left", async () => {
    const box = await openBox({ maxEntries: 5 });
    await box.append([draft(0, "critical"), draft(1, "high"), draft(2, "medium"), draft(3, "high"), draft(4, "high")]);
    await box.emit(draft(5, "critical"));
    // Six entries, target 4: the medium goes, then the oldest high.
    expect(box.dropped).toBe(2);
    expect(await deliverAll(box)).toEqual([0, 3, 4, 5, "dropped"]);
  });

  it("caps bytes as well as entries, and the files shrink with the drop", async () => {
    const box = await openBox({ maxBytes: 20_000, segmentBytes: 4096 });
    for (let i = 0; i < 40; i++) await box.emit({ kind: "module.fetch_failed", payload: { i, pad: "p".repeat(900) } });
    expect(box.dropped).toBeGreaterThan(0);
    expect(box.bytes).toBeLessThanOrEqual(20_000);
    let onDisk = 0;
    for (const f of await segments()) onDisk += (await stat(path.join(dir, f))).size;
    // Live bytes plus at most one segment of delivered/meta lines.
    expect(onDisk).toBeLessThanOrEqual(20_000 + 4096);
    const left = (await deliverAll(box)).filter((x) => x !== "dropped") as number[];
    // What survived is the newest events, still in order.
    expect(left).toEqual([...left].sort((a, b) => a - b));
    expect(left.at(-1)).toBe(39);
    expect(left.length + box.dropped).toBe(40);
  });

  it("keeps the dropped count across a reopen, and applies smaller caps on open", async () => {
    const box = await openBox({ maxEntries: 10 });
    for (let i = 0; i < 11; i++) await box.emit(draft(i));
    expect(box.dropped).toBe(2);
    await box.close();
    const again = await openBox({ maxEntries: 10 });
    expect(again.dropped).toBe(2);
    expect(again.depth).toBe(10);
    await again.close();
    const smaller = await openBox({ maxEntries: 5 });
    expect(smaller.depth).toBeLessThanOrEqual(5);
    expect(smaller.dropped).toBeGreaterThan(2);
  });

  it("never drops the batch being delivered", async () => {
    const box = await openBox({ maxEntries: 4 });
    await box.append([draft(0), draft(1), draft(2), draft(3)]);
    const batch = box.nextBatch(2)!;
    await box.emit(draft(4));
    // Target 3 of 5: two must go, and 0 and 1 are in flight.
    await box.ack(batch);
    expect(batch.events.map(payloadIs)).toEqual([0, 1]);
    expect(await deliverAll(box)).toEqual([4, "dropped"]);
  });
});

describe("crash safety", () => {
  it("skips a torn last line, keeps the rest and appends cleanly after it", async () => {
    const box = await openBox();
    await box.append([draft(1), draft(2)]);
    await box.close();
    const [seg] = await segments();
    // A crash mid-append: half a line, no newline.
    await appendFile(path.join(dir, seg!), '{"op":"put","n":3,"e":{"id":"0190');
    const logs: string[] = [];
    const again = await openBox({ log: (m) => logs.push(m) });
    expect(again.depth).toBe(2);
    expect(logs.join("\n")).toMatch(/torn last line/);
    await again.emit(draft(3));
    await again.close();
    const third = await openBox();
    expect(await deliverAll(third)).toEqual([1, 2, 3]);
    const text = await readFile(path.join(dir, (await segments()).at(-1)!), "utf8");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("skips an unreadable line in the middle and says so", async () => {
    const box = await openBox();
    await box.emit(draft(1));
    await box.close();
    const [seg] = await segments();
    await appendFile(path.join(dir, seg!), "garbage that is not json\n");
    const again = await openBox({ log: () => {} });
    await again.emit(draft(2));
    const read = await readOutbox(dir);
    expect(read.segments.reduce((n, s) => n + s.corruptLines, 0)).toBe(1);
    expect(await deliverAll(again)).toEqual([1, 2]);
  });

  it("removes the temp file of an interrupted compaction", async () => {
    const box = await openBox();
    await box.emit(draft(1));
    await box.close();
    await writeFile(path.join(dir, ".0000000000000001.seg.123.abcd.tmp"), "partial");
    await openBox();
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("delivery", () => {
  it("batches in order within the count and byte limits", async () => {
    const box = await openBox();
    const drafts = Array.from({ length: 1203 }, (_, i) => draft(i));
    await box.append(drafts);
    const sizes: number[] = [];
    const order: unknown[] = [];
    for (let b = box.nextBatch(); b; b = box.nextBatch()) {
      sizes.push(b.events.length);
      order.push(...b.events.map(payloadIs));
      await box.ack(b);
    }
    expect(sizes).toEqual([500, 500, 203]);
    expect(order).toEqual(drafts.map((_, i) => i));
    // Byte limit: 60 KB events, at most four fit 256 KB.
    await box.append(
      Array.from({ length: 6 }, (_, i) => ({
        kind: "module.fetch_failed" as const,
        payload: { i, pad: "z".repeat(60_000) },
      })),
    );
    const b = box.nextBatch()!;
    expect(b.events).toHaveLength(4);
    expect(Buffer.byteLength(JSON.stringify({ events: b.events }))).toBeLessThanOrEqual(256 * 1024);
  });

  it("never resends an acknowledged event after a reopen, and deletes spent segments", async () => {
    const box = await openBox({ segmentBytes: 2048 });
    for (let i = 0; i < 50; i++) await box.emit(draft(i));
    expect((await segments()).length).toBeGreaterThan(3);
    const first = box.nextBatch(30)!;
    await box.ack(first);
    // An unacknowledged batch is offered again from the same place.
    const second = box.nextBatch(10)!;
    box.release(second);
    await box.close();
    const again = await openBox({ segmentBytes: 2048 });
    expect(again.depth).toBe(20);
    const replay = again.nextBatch(10)!;
    expect(replay.events.map((e) => e.id)).toEqual(second.events.map((e) => e.id));
    expect(await deliverAll(again)).toEqual(Array.from({ length: 20 }, (_, i) => i + 30));
    // Everything delivered: only the active segment is left.
    expect(await segments()).toHaveLength(1);
  });

  it("discards named events and counts them as dropped", async () => {
    const box = await openBox();
    await box.append([draft(0), draft(1), draft(2)]);
    const b = box.nextBatch()!;
    box.release(b);
    await box.discard([b.ns[1]!], "400 invalid_input");
    expect(box.dropped).toBe(1);
    expect(await deliverAll(box)).toEqual([0, 2]);
  });
});
