// Reading an outbox directory (spec/agent.md §10): every `<16 digits>.seg` file in order, replayed
// line by line into the live queue and the counters. A torn last line (a crash mid-append) and any
// line that is not a record we wrote are skipped and reported, never fatal. Reading changes
// nothing, so `nodepilot-agent status` can look while the service runs.
import { open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentEvent } from "@nodepilot/core/agent-protocol";
import { type OutboxCounters, parseRecord } from "./records.ts";

const SEGMENT = /^(\d{16})\.seg$/;

export const segmentName = (index: number) => `${String(index).padStart(16, "0")}.seg`;

export interface LoadedEntry {
  n: number;
  event: AgentEvent;
  /** The event as it goes on the wire. */
  json: string;
  /** Bytes of its put line on disk. */
  bytes: number;
  segment: string;
}

export interface LoadedSegment {
  name: string;
  index: number;
  /** Bytes up to and including the last newline: what is kept when a torn tail is cut off. */
  bytes: number;
  tornBytes: number;
  corruptLines: number;
}

export interface LoadedOutbox {
  counters: OutboxCounters;
  /** Undelivered entries, oldest first. */
  entries: LoadedEntry[];
  segments: LoadedSegment[];
}

const NEWLINE = 0x0a;

export async function readOutbox(dir: string): Promise<LoadedOutbox> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => SEGMENT.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") names = [];
    else throw err;
  }
  const counters: OutboxCounters = { next: 1, acked: 0, dropped: 0 };
  const puts = new Map<number, LoadedEntry>();
  const segments: LoadedSegment[] = [];
  for (const name of names) {
    let raw: Buffer;
    try {
      raw = await readFile(path.join(dir, name));
    } catch (err) {
      // A running service removes segments once compacted; a concurrent reader (`status`, a test)
      // may list one that is gone when it opens it. Its entries were acknowledged or rewritten into a
      // newer segment, so a reader's view is a moment's snapshot, never an error.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const end = raw.lastIndexOf(NEWLINE) + 1;
    const seg: LoadedSegment = {
      name,
      index: Number(SEGMENT.exec(name)?.[1]),
      bytes: end,
      tornBytes: raw.length - end,
      corruptLines: 0,
    };
    segments.push(seg);
    const lines = raw.subarray(0, end).toString("utf8").split("\n");
    lines.pop(); // the empty string after the last newline
    for (const line of lines) {
      const rec = parseRecord(line);
      if (!rec) {
        seg.corruptLines++;
        continue;
      }
      if (rec.op === "meta") {
        counters.next = Math.max(counters.next, rec.next);
        counters.acked = Math.max(counters.acked, rec.acked);
        counters.dropped = Math.max(counters.dropped, rec.dropped);
      } else if (rec.op === "ack") {
        counters.acked = Math.max(counters.acked, rec.upto);
      } else if (!puts.has(rec.n)) {
        const json = JSON.stringify(rec.e);
        puts.set(rec.n, { n: rec.n, event: rec.e, json, bytes: Buffer.byteLength(line) + 1, segment: name });
        counters.next = Math.max(counters.next, rec.n + 1);
      }
    }
  }
  const entries = [...puts.values()].filter((e) => e.n > counters.acked).sort((x, y) => x.n - y.n);
  return { counters, entries, segments };
}

/** Cuts a torn tail off so the next append starts on a fresh line. */
export async function truncateTo(file: string, bytes: number): Promise<void> {
  const handle = await open(file, "r+");
  try {
    await handle.truncate(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeSegment(dir: string, name: string): Promise<void> {
  await rm(path.join(dir, name), { force: true });
}

/** Temp files of a compaction that a crash interrupted (the rename never happened). */
export async function removeStaleTemps(dir: string): Promise<void> {
  for (const f of await readdir(dir)) {
    if (f.startsWith(".") && f.endsWith(".tmp")) await rm(path.join(dir, f), { force: true });
  }
}
