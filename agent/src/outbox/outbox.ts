// The durable event outbox (spec/agent.md §10): append-only segment files under <state>/outbox/,
// each append fsync'd before it resolves, capped at 100,000 entries or 50 MB. When full it drops the
// lowest-severity, oldest events first, counts them in `dropped`, and says so with an
// agent.events_dropped event. Delivery takes batches from the head in order and appends an ack
// mark; segments with nothing left are deleted. One process owns an outbox directory.
import { randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import path from "node:path";
import {
  AGENT_EVENTS_MAX_BATCH,
  AGENT_EVENTS_MAX_BYTES,
  AgentEvent,
  type AgentEventKind,
  type AgentEventSeverity,
} from "@nodepilot/core/agent-protocol";
import { fsyncDir, writeFileAtomic } from "../state/atomic.ts";
import { chooseVictims } from "./drop-plan.ts";
import { ackLine, metaLine, type OutboxCounters, putLine } from "./records.ts";
import { type LoadedEntry, readOutbox, removeSegment, removeStaleTemps, segmentName, truncateTo } from "./segments.ts";

export const OUTBOX_MAX_ENTRIES = 100_000;
export const OUTBOX_MAX_BYTES = 50 * 1024 * 1024;
const SEGMENT_BYTES = 1024 * 1024;
/**
 * A full outbox frees 10 % at once: a sustained overflow then costs one compaction per 10,000
 * events instead of rewriting a segment for every new one.
 */
const DRAIN_TO = 0.9;
/** `{"events":[` + `]}`: what a batch adds around its events. */
const ENVELOPE_BYTES = 13;

export interface OutboxOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number;
  now?: () => Date;
  log?: (msg: string) => void;
}

/** What code that notices something hands to the outbox; id and time are filled in when omitted. */
export interface AgentEventDraft {
  kind: AgentEventKind;
  severity?: AgentEventSeverity;
  payload?: Record<string, unknown>;
  correlation_id?: string;
  id?: string;
  occurred_at?: string;
}

/** Something that queues agent events; the outbox, or whatever a caller wraps it in. */
export interface AgentEventSink {
  emit(draft: AgentEventDraft): Promise<void>;
}

export interface OutboxBatch {
  events: AgentEvent[];
  /** Entry numbers, index for index with `events`. */
  ns: number[];
  upto: number;
}

interface Entry extends Omit<LoadedEntry, "event"> {
  severity: AgentEventSeverity;
}

interface Segment {
  name: string;
  index: number;
  bytes: number;
  live: number;
  liveBytes: number;
}

export class Outbox implements AgentEventSink {
  private entries: Entry[] = [];
  private readonly segments = new Map<string, Segment>();
  private active!: Segment;
  private handle!: FileHandle;
  private chain: Promise<unknown> = Promise.resolve();
  private inFlightUpTo = 0;
  private liveBytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;

  private constructor(
    readonly dir: string,
    private readonly counters: OutboxCounters,
    opts: OutboxOptions,
  ) {
    this.maxEntries = opts.maxEntries ?? OUTBOX_MAX_ENTRIES;
    this.maxBytes = opts.maxBytes ?? OUTBOX_MAX_BYTES;
    this.segmentBytes = opts.segmentBytes ?? SEGMENT_BYTES;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
  }

  /** Loads what a previous process left, repairs a torn tail and opens the newest segment. */
  static async open(dir: string, opts: OutboxOptions = {}): Promise<Outbox> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await removeStaleTemps(dir);
    const loaded = await readOutbox(dir);
    const box = new Outbox(dir, loaded.counters, opts);
    for (const s of loaded.segments) {
      if (s.corruptLines > 0) box.log(`outbox: skipped ${s.corruptLines} unreadable line(s) in ${s.name}`);
      box.segments.set(s.name, { name: s.name, index: s.index, bytes: s.bytes, live: 0, liveBytes: 0 });
    }
    const last = loaded.segments.at(-1);
    if (last && last.tornBytes > 0) {
      box.log(`outbox: dropped a torn last line (${last.tornBytes} bytes) in ${last.name}`);
      await truncateTo(path.join(dir, last.name), last.bytes);
    }
    for (const e of loaded.entries) {
      box.entries.push({ n: e.n, json: e.json, bytes: e.bytes, segment: e.segment, severity: e.event.severity });
      box.liveBytes += e.bytes;
      const seg = box.segments.get(e.segment);
      if (seg) {
        seg.live++;
        seg.liveBytes += e.bytes;
      }
    }
    if (last) {
      box.active = box.segments.get(last.name) as Segment;
      box.handle = await open(path.join(dir, last.name), "a", 0o600);
    } else {
      await box.startSegment(1);
    }
    await box.removeEmptySegments();
    await box.enforceCaps(); // the caps may be smaller than the ones the outbox was written under
    return box;
  }

  /** Undelivered events. */
  get depth(): number {
    return this.entries.length;
  }

  get dropped(): number {
    return this.counters.dropped;
  }

  /** Bytes of undelivered events on disk. */
  get bytes(): number {
    return this.liveBytes;
  }

  /** Queues one event durably: it is on disk when this resolves. Invalid drafts throw. */
  async emit(draft: AgentEventDraft): Promise<void> {
    await this.append([draft]);
  }

  /** Queues events durably, in order, with one fsync. */
  async append(drafts: readonly AgentEventDraft[]): Promise<AgentEvent[]> {
    const events = drafts.map((d) =>
      AgentEvent.parse({ ...d, id: d.id ?? randomUUID(), occurred_at: d.occurred_at ?? this.now().toISOString() }),
    );
    return this.mutate(async () => {
      await this.writePuts(events);
      await this.enforceCaps();
      return events;
    });
  }

  /** The oldest undelivered events that fit one POST /events; null when there are none. */
  nextBatch(maxCount = AGENT_EVENTS_MAX_BATCH, maxBytes = AGENT_EVENTS_MAX_BYTES): OutboxBatch | null {
    const events: AgentEvent[] = [];
    const ns: number[] = [];
    let size = ENVELOPE_BYTES;
    for (const e of this.entries) {
      const add = Buffer.byteLength(e.json) + (events.length > 0 ? 1 : 0);
      if (events.length >= maxCount || (events.length > 0 && size + add > maxBytes)) break;
      events.push(JSON.parse(e.json) as AgentEvent);
      ns.push(e.n);
      size += add;
    }
    const upto = ns.at(-1);
    if (upto === undefined) return null;
    this.inFlightUpTo = upto;
    return { events, ns, upto };
  }

  /** The platform has the batch: mark it delivered and delete segments with nothing left. */
  ack(batch: OutboxBatch): Promise<void> {
    return this.mutate(async () => {
      if (batch.upto > this.counters.acked) {
        await this.write(ackLine(batch.upto));
        this.counters.acked = batch.upto;
      }
      let k = 0;
      while (k < this.entries.length && (this.entries[k] as Entry).n <= batch.upto) k++;
      this.forget(this.entries.splice(0, k));
      this.release(batch);
      await this.removeEmptySegments();
    });
  }

  /** A delivery failed: the batch may be dropped again if the outbox fills meanwhile. */
  release(batch: OutboxBatch): void {
    if (this.inFlightUpTo === batch.upto) this.inFlightUpTo = 0;
  }

  /** Gives up entries the platform will never accept (it named them as invalid); counted as dropped. */
  discard(ns: readonly number[], reason: string): Promise<void> {
    return this.mutate(async () => {
      const victims = new Set(ns);
      const removed = await this.dropEntries(victims);
      if (removed > 0) this.log(`outbox: discarded ${removed} event(s) the platform refused: ${reason}`);
    });
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.handle.close();
  }

  private mutate<T>(change: () => Promise<T>): Promise<T> {
    const next = this.chain.then(change);
    // A failed write must not wedge every later one behind it.
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async writePuts(events: readonly AgentEvent[]): Promise<void> {
    const entries: Entry[] = events.map((e) => {
      const json = JSON.stringify(e);
      const n = this.counters.next++;
      return { n, json, bytes: Buffer.byteLength(putLine(n, json)), segment: "", severity: e.severity };
    });
    const seg = await this.write(entries.map((e) => putLine(e.n, e.json)).join(""));
    for (const e of entries) {
      e.segment = seg.name;
      seg.live++;
      seg.liveBytes += e.bytes;
      this.liveBytes += e.bytes;
      this.entries.push(e);
    }
  }

  /** Appends to the active segment (starting a new one past the size) and fsyncs; returns the segment. */
  private async write(data: string): Promise<Segment> {
    const size = Buffer.byteLength(data);
    if (this.active.bytes > 0 && this.active.bytes + size > this.segmentBytes) await this.rotate();
    try {
      await this.handle.appendFile(data);
      await this.handle.sync();
    } catch (err) {
      // A short write (disk full) would glue the next line onto a half line: cut it off again.
      await this.handle.truncate(this.active.bytes).catch(() => undefined);
      throw err;
    }
    this.active.bytes += size;
    return this.active;
  }

  private async startSegment(index: number): Promise<void> {
    const name = segmentName(index);
    const line = metaLine(this.counters);
    const handle = await open(path.join(this.dir, name), "a", 0o600);
    await handle.appendFile(line);
    await handle.sync();
    await fsyncDir(this.dir);
    const seg: Segment = { name, index, bytes: Buffer.byteLength(line), live: 0, liveBytes: 0 };
    this.segments.set(name, seg);
    const previous = this.handle;
    this.handle = handle;
    this.active = seg;
    await previous?.close();
  }

  private async rotate(): Promise<void> {
    await this.startSegment(this.active.index + 1);
    await this.removeEmptySegments();
  }

  private forget(removed: readonly Entry[]): void {
    for (const e of removed) {
      this.liveBytes -= e.bytes;
      const seg = this.segments.get(e.segment);
      if (seg) {
        seg.live--;
        seg.liveBytes -= e.bytes;
      }
    }
  }

  /** Every closed segment without undelivered entries goes; the active one always stays. */
  private async removeEmptySegments(): Promise<void> {
    let removed = false;
    for (const seg of [...this.segments.values()]) {
      if (seg === this.active || seg.live > 0) continue;
      await removeSegment(this.dir, seg.name);
      this.segments.delete(seg.name);
      removed = true;
    }
    if (removed) await fsyncDir(this.dir);
  }

  private async enforceCaps(): Promise<void> {
    if (this.entries.length <= this.maxEntries && this.liveBytes <= this.maxBytes) return;
    const target = {
      count: Math.floor(this.maxEntries * DRAIN_TO),
      bytes: Math.floor(this.maxBytes * DRAIN_TO),
    };
    const victims = chooseVictims(this.entries, target, this.inFlightUpTo);
    const bySeverity: Record<string, number> = {};
    for (const e of this.entries) {
      if (victims.has(e.n)) bySeverity[e.severity] = (bySeverity[e.severity] ?? 0) + 1;
    }
    const removed = await this.dropEntries(victims);
    if (removed === 0) return;
    this.log(`outbox full: dropped ${removed} event(s), ${this.counters.dropped} in total`);
    // Said through the outbox itself, so the platform learns what it will never see.
    await this.writePuts([
      AgentEvent.parse({
        id: randomUUID(),
        kind: "agent.events_dropped",
        severity: "medium",
        payload: { dropped: removed, by_severity: bySeverity, dropped_total: this.counters.dropped },
        occurred_at: this.now().toISOString(),
      }),
    ]);
  }

  /**
   * Removes entries from the queue and from disk. Append-only files cannot lose a line in place,
   * so a new segment is started and every closed segment that holds dropped or delivered lines is
   * rewritten atomically with only its remaining entries (order is kept: names do not change).
   */
  private async dropEntries(victims: ReadonlySet<number>): Promise<number> {
    const gone = this.entries.filter((e) => victims.has(e.n));
    if (gone.length === 0) return 0;
    this.entries = this.entries.filter((e) => !victims.has(e.n));
    this.forget(gone);
    this.counters.dropped += gone.length;
    const touched = new Set(gone.map((e) => e.segment));
    // The new segment's meta line carries the new dropped total; it is never rewritten.
    await this.rotate();
    const meta = metaLine(this.counters);
    for (const seg of this.segments.values()) {
      if (seg === this.active || seg.live === 0) continue;
      const rewritten = Buffer.byteLength(meta) + seg.liveBytes;
      if (!touched.has(seg.name) && seg.bytes <= rewritten) continue;
      const lines = this.entries.filter((e) => e.segment === seg.name).map((e) => putLine(e.n, e.json));
      await writeFileAtomic(path.join(this.dir, seg.name), meta + lines.join(""));
      seg.bytes = rewritten;
    }
    return gone.length;
  }
}
