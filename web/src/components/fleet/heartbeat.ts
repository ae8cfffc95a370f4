// Heartbeat freshness (spec/ui.md §5, §7): fresh within two agent intervals (30 s each), late until
// the instance_silent threshold (the fleet summary's silent_rule, default 180 s), silent after it,
// presumed dead after 30 min. Only instances that should be heartbeating are judged.
import { formatDuration } from "./format";

export type Freshness = "fresh" | "late" | "silent" | "presumed_dead" | "never";

export const FRESH_WITHIN_MS = 60_000;
export const DEFAULT_SILENT_AFTER_MS = 180_000;
export const PRESUMED_DEAD_AFTER_MS = 30 * 60_000;
export const HEARTBEATING_STATES: readonly string[] = ["running", "starting", "rebooting"];

export const FRESHNESS_LABEL: Record<Freshness, string> = {
  fresh: "fresh",
  late: "late",
  silent: "silent",
  presumed_dead: "presumed dead",
  never: "no heartbeat yet",
};

export function freshnessOf(lastHeartbeatAt: string | null, now: number, silentAfterMs = DEFAULT_SILENT_AFTER_MS) {
  if (!lastHeartbeatAt) return "never" as const;
  const age = now - Date.parse(lastHeartbeatAt);
  if (age >= PRESUMED_DEAD_AFTER_MS) return "presumed_dead" as const;
  if (age >= silentAfterMs) return "silent" as const;
  if (age > FRESH_WITHIN_MS) return "late" as const;
  return "fresh" as const;
}

/** "silent for 4 m", "last heartbeat 20 s ago", "no heartbeat yet" — for one instance. */
export function heartbeatText(
  status: string,
  lastHeartbeatAt: string | null,
  now: number,
  silentAfterMs = DEFAULT_SILENT_AFTER_MS,
): string {
  const expected = HEARTBEATING_STATES.includes(status);
  if (!lastHeartbeatAt) return expected ? "no heartbeat yet" : "never sent a heartbeat";
  const age = formatDuration(now - Date.parse(lastHeartbeatAt));
  if (!expected) return `last heartbeat ${age} ago`;
  switch (freshnessOf(lastHeartbeatAt, now, silentAfterMs)) {
    case "presumed_dead":
      return `presumed dead: silent for ${age}`;
    case "silent":
      return `silent for ${age}`;
    case "late":
      return `late: last heartbeat ${age} ago`;
    default:
      return `last heartbeat ${age} ago`;
  }
}
