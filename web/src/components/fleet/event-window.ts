// A time window of one event kind read from event.list (GET /api/v1/events?kind=…&since=…), newest
// first in pages of 200 followed by cursor, up to a page cap. A window that hit the cap says so and
// from when it is complete, so what is derived from it can say "at least". Used on the server (with
// serverGet) and in the browser (with clientGet); live events are merged in with mergeIntoWindow.
import { ApiError, api } from "../../lib/api-client";
import type { Problem } from "../../lib/api-types";
import type { Fetched } from "../../lib/server-api";
import type { FleetEvent, ListResponse } from "./types";

export interface EventWindow {
  /** Newest first by seq. */
  events: FleetEvent[];
  /** The page cap was reached: events older than `from` were not read. */
  truncated: boolean;
  /** ISO time from which every event of the kind is in `events` (the window start unless truncated). */
  from: string;
}

/** A window as read: the events, or why they could not be read. Plain data, so pages pass it to client components. */
export type WindowRead = { ok: true; window: EventWindow } | { ok: false; status: number; problem: Problem };

export type GetJson = <T>(path: string) => Promise<Fetched<T>>;

/** The browser's GetJson: api() with its ApiError turned into the same failed result serverGet gives. */
export const clientGet: GetJson = async <T>(path: string): Promise<Fetched<T>> => {
  try {
    return { ok: true, value: await api<T>("GET", path) };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, status: err.status, problem: err.problem };
    return { ok: false, status: 0, problem: { status: 0, detail: err instanceof Error ? err.message : String(err) } };
  }
};

export async function readEventWindow(
  get: GetJson,
  kind: string,
  since: string,
  maxPages: number,
): Promise<WindowRead> {
  const events: FleetEvent[] = [];
  let cursor: string | null = null;
  const base = `/api/v1/events?kind=${encodeURIComponent(kind)}&since=${encodeURIComponent(since)}&limit=200`;
  for (let page = 0; page < maxPages; page++) {
    const url: string = cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base;
    const res: Fetched<ListResponse<FleetEvent>> = await get<ListResponse<FleetEvent>>(url);
    if (!res.ok) return { ok: false, status: res.status, problem: res.problem };
    events.push(...res.value.data);
    cursor = res.value.meta.next_cursor;
    if (!res.value.meta.has_more || !cursor)
      return { ok: true, window: { events: bySeq(events), truncated: false, from: since } };
  }
  // Pages come newest first by record time, so the last event read is the oldest.
  const oldest = events[events.length - 1]?.created_at ?? since;
  return { ok: true, window: { events: bySeq(events), truncated: true, from: oldest } };
}

function bySeq(events: readonly FleetEvent[]): FleetEvent[] {
  const seen = new Map<number, FleetEvent>();
  for (const e of events) seen.set(e.seq, e);
  return [...seen.values()].sort((a, b) => b.seq - a.seq);
}

/** Live arrivals added to a window (no duplicates); a failed read stays failed until it is read again. */
export function mergeIntoWindow(read: WindowRead, arrived: readonly FleetEvent[]): WindowRead {
  if (!read.ok || arrived.length === 0) return read;
  return { ok: true, window: { ...read.window, events: bySeq([...read.window.events, ...arrived]) } };
}
