// Reads an instance's boot events through event.list (GET /api/v1/events), one kind filter of
// BOOT_EVENT_QUERIES at a time, newest first, up to MAX_PAGES pages each. The same code serves the
// server render (serverGet) and the browser's refresh (api), so it takes the getter as an argument.
// When a filter has more than the pages read, everything older than what it returned is dropped:
// a boot the replay shows is complete, never missing the events of one kind.
import type { Problem } from "../../lib/api-types";
import type { FleetEvent, ListResponse } from "../fleet/types";
import { BOOT_EVENT_QUERIES } from "./boot-phases";
import { bootEventsOf } from "./boot-sessions";

export type Got<T> = { ok: true; value: T } | { ok: false; status: number; problem: Problem };
export type EventsGetter = (path: string) => Promise<Got<ListResponse<FleetEvent>>>;

export type BootEventsRead =
  | {
      ok: true;
      events: FleetEvent[];
      /** Set when older events were not read: the replay starts at this instant (ISO). */
      since: string | null;
    }
  | { ok: false; status: number; problem: Problem };

export const PAGE_SIZE = 200;
export const MAX_PAGES = 5;

export const bootEventsPath = (instanceId: string, kind: string, cursor: string | null) =>
  `/api/v1/events?node_instance_id=${encodeURIComponent(instanceId)}&kind=${encodeURIComponent(kind)}&limit=${PAGE_SIZE}${
    cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""
  }`;

type KindRead = { ok: true; events: FleetEvent[]; oldestRead: string | null } | Extract<BootEventsRead, { ok: false }>;

async function readKind(get: EventsGetter, instanceId: string, kind: string): Promise<KindRead> {
  const events: FleetEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const got = await get(bootEventsPath(instanceId, kind, cursor));
    if (!got.ok) return got;
    events.push(...got.value.data);
    cursor = got.value.meta.has_more ? got.value.meta.next_cursor : null;
    if (!cursor) return { ok: true, events, oldestRead: null };
  }
  // Newest first by record time, so the last row is the oldest this filter returned.
  return { ok: true, events, oldestRead: events.at(-1)?.created_at ?? null };
}

export async function readBootEvents(get: EventsGetter, instanceId: string): Promise<BootEventsRead> {
  const reads = await Promise.all(BOOT_EVENT_QUERIES.map((kind) => readKind(get, instanceId, kind)));
  const failed = reads.find((r) => !r.ok);
  if (failed) return failed;
  const ok = reads.filter((r) => r.ok);
  const horizons = ok.map((r) => r.oldestRead).filter((t): t is string => t !== null);
  const since = horizons.length ? horizons.reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b)) : null;
  const all = ok.flatMap((r) => r.events);
  const kept = since ? all.filter((e) => Date.parse(e.created_at) >= Date.parse(since)) : all;
  return { ok: true, events: bootEventsOf(kept).map((b) => b.event), since };
}
