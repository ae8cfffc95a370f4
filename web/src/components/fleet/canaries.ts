// Honeypot canaries (spec/ui.md §5) from the honeypot_access sensor's events
// (sensors/src/honeypot-access.ts): a `fleet.honeypot_access` names the canary touch it is about
// (payload.event_id, the `fleet.honeypot_triggered` event, and its emitted_at), the canary module,
// the source, and — when a running instance hosts the module — one suspect instance per signal.
// The sensor looks back 15 minutes, so one touch is reported by several ticks and once per suspect:
// accesses are counted per touch (event_id), not per event. Pure; the tile recomputes it as the
// clock moves and events arrive.
import type { EventWindow } from "./event-window";
import type { FleetEvent } from "./types";

export const ACCESS_KIND = "fleet.honeypot_access";
export const DAY_MS = 24 * 3600_000;
export const WEEK_MS = 7 * DAY_MS;
/** Pages of 200 access events read for the 7-day window. */
export const CANARY_PAGES = 10;

export type CanaryTone = "alert" | "warn" | "clear";

export interface Suspect {
  instanceId: string;
  nodeId: string | null;
}

export interface CanaryAccess {
  /** The triggering event's id (or the access event's own, if a payload lacks it). */
  key: string;
  /** The triggering event, when the payload names it. */
  triggerEventId: string | null;
  /** When the canary was touched. */
  at: string;
  moduleId: string | null;
  source: string | null;
  suspects: Suspect[];
  /** The access events that reported this touch, newest first. */
  accessEventIds: string[];
}

export interface CanarySummary {
  day: number;
  week: number;
  /** The read did not reach back over the whole period: the count is a lower bound. */
  dayAtLeast: boolean;
  weekAtLeast: boolean;
  lastAccessAt: string | null;
  tone: CanaryTone;
  /** Touches of the last 7 days, newest first. */
  accesses: CanaryAccess[];
}

const str = (p: Record<string, unknown>, k: string): string | null =>
  typeof p[k] === "string" && p[k] !== "" ? (p[k] as string) : null;

function touchTime(e: FleetEvent): string {
  const at = str(e.payload ?? {}, "emitted_at");
  return at && !Number.isNaN(Date.parse(at)) ? at : e.emitted_at;
}

export function groupAccesses(events: readonly FleetEvent[]): CanaryAccess[] {
  const byTouch = new Map<string, CanaryAccess>();
  for (const e of [...events].filter((x) => x.kind === ACCESS_KIND).sort((a, b) => b.seq - a.seq)) {
    const p = e.payload ?? {};
    const trigger = str(p, "event_id");
    const key = trigger ?? `access:${e.id}`;
    const access = byTouch.get(key) ?? {
      key,
      triggerEventId: trigger,
      at: touchTime(e),
      moduleId: str(p, "module_id") ?? e.node_module_id,
      source: str(p, "source"),
      suspects: [],
      accessEventIds: [],
    };
    byTouch.set(key, access);
    access.accessEventIds.push(e.id);
    const instanceId = str(p, "instance_id") ?? e.node_instance_id;
    if (instanceId && !access.suspects.some((s) => s.instanceId === instanceId)) {
      access.suspects.push({ instanceId, nodeId: str(p, "node_id") ?? e.node_id });
    }
  }
  return [...byTouch.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || a.key.localeCompare(b.key));
}

export function summarizeCanaries(window: EventWindow, now: number): CanarySummary {
  const weekStart = now - WEEK_MS;
  const dayStart = now - DAY_MS;
  const accesses = groupAccesses(window.events).filter((a) => Date.parse(a.at) >= weekStart);
  const day = accesses.filter((a) => Date.parse(a.at) >= dayStart).length;
  const week = accesses.length;
  // Events are read by record time from `from` on; a cap reached later than the period's start leaves it partial.
  const from = Date.parse(window.from);
  return {
    day,
    week,
    dayAtLeast: window.truncated && from > dayStart,
    weekAtLeast: window.truncated && from > weekStart,
    lastAccessAt: accesses[0]?.at ?? null,
    tone: day > 0 ? "alert" : week > 0 ? "warn" : "clear",
    accesses,
  };
}
