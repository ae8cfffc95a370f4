// The dashboard counters' definitions (spec/ui.md §5): which events each 5-minute window counts —
// signals are the sensors' fleet.* kinds, decisions the gate's autonomy.decision.* — matched the same
// way live as the server matches them in event.list, plus the query that reads a window's start.
import type { FleetEvent, ListResponse } from "./types";

export const COUNTER_WINDOW_MS = 5 * 60_000;

/** Which live events each window counter counts; the server counts the same with event.list. */
export const COUNTERS = [
  { key: "signals", label: "Signals", hint: "fleet.* in 5 min", kind: "fleet.*" },
  { key: "decisions", label: "Decisions", hint: "autonomy.decision.* in 5 min", kind: "autonomy.decision.*" },
  { key: "severe", label: "High / critical", hint: "events in 5 min", severity: "high" },
] as const;
export type CounterKey = (typeof COUNTERS)[number]["key"];

export function counterMatches(key: CounterKey, e: { kind: string; severity: string }): boolean {
  switch (key) {
    case "signals":
      return e.kind.startsWith("fleet.");
    case "decisions":
      return e.kind.startsWith("autonomy.decision.");
    case "severe":
      return e.severity === "high" || e.severity === "critical";
  }
}

/** Event times seen in the window, and whether the server had more than it returned. */
export interface WindowCount {
  times: number[];
  atLeast: boolean;
}

export function windowQuery(key: CounterKey, now: number): string {
  const c = COUNTERS.find((x) => x.key === key)!;
  const since = new Date(now - COUNTER_WINDOW_MS).toISOString();
  const filter = "kind" in c ? `kind=${encodeURIComponent(c.kind)}` : `severity=${c.severity}`;
  return `/api/v1/events?${filter}&since=${encodeURIComponent(since)}&limit=200`;
}

export const toWindow = (page: ListResponse<FleetEvent>): WindowCount => ({
  times: page.data.map((e) => Date.parse(e.created_at)),
  atLeast: page.meta.has_more,
});
