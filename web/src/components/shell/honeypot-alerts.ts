// The site-wide honeypot banner's logic (spec/ui.md §5 "Honeypot canaries"): which critical
// `fleet.honeypot_access` signals of the last 24 h the operator has not acknowledged, what the
// banner says, and the acknowledgements this browser remembers per user (localStorage).
// A canary touch is reported by several ticks and once per suspect instance (canaries.ts), so
// touches — not access events — are what is acknowledged: a re-report of an acknowledged touch
// does not raise the banner again, a new touch does. Pure.
import { ACCESS_KIND, type CanaryAccess, DAY_MS, groupAccesses } from "../fleet/canaries";
import { relativePhrase } from "../fleet/format";
import type { FleetEvent } from "../fleet/types";

/** The touch keys acknowledged, with when (ms), so old entries can be dropped. */
export type Acks = Readonly<Record<string, number>>;

/** Longer than the banner's 24 h look-back, so an acknowledged touch cannot come back. */
export const ACK_KEEP_MS = 2 * DAY_MS;
const ACK_MAX = 500;

export const ackStorageKey = (userId: string | null): string => `nodepilot.honeypot-acks.${userId ?? "api-token"}`;

export const isCriticalAccess = (e: Pick<FleetEvent, "kind" | "severity">): boolean =>
  e.kind === ACCESS_KIND && e.severity === "critical";

/** Stored acknowledgements; anything malformed counts as not acknowledged (the banner shows). */
export function parseAcks(raw: string | null, now: number): Acks {
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const out: Record<string, number> = {};
  for (const [key, at] of Object.entries(value)) {
    if (typeof at === "number" && Number.isFinite(at) && now - at < ACK_KEEP_MS) out[key] = at;
  }
  return out;
}

/** `acks` plus `keys` acknowledged at `now`; stale entries dropped, the newest ACK_MAX kept. */
export function acknowledge(acks: Acks, keys: readonly string[], now: number): Acks {
  const merged: [string, number][] = [
    ...Object.entries(acks).filter(([, at]) => now - at < ACK_KEEP_MS),
    ...keys.map((k): [string, number] => [k, now]),
  ];
  return Object.fromEntries(merged.sort((a, b) => b[1] - a[1]).slice(0, ACK_MAX));
}

/** Critical canary touches of the last 24 h that are not acknowledged, newest first. */
export function openAlerts(events: readonly FleetEvent[], acks: Acks, now: number): CanaryAccess[] {
  const dayStart = now - DAY_MS;
  return groupAccesses(events.filter(isCriticalAccess)).filter((a) => Date.parse(a.at) >= dayStart && !(a.key in acks));
}

export interface BannerNames {
  module(id: string): string | null;
  instance(id: string): string | null;
}

export interface BannerContent {
  /** The sentence before the time: "Honeypot canary accessed: ssh-trap on gpu-7-a". */
  lead: string;
  /** When the newest open touch happened (ISO). */
  at: string;
  /** The access event to open for the newest touch. */
  eventId: string;
  count: number;
}

function where(a: CanaryAccess, names: BannerNames): string {
  const mod = a.moduleId ? (names.module(a.moduleId) ?? `module ${a.moduleId}`) : "an unnamed canary module";
  const [first, ...rest] = a.suspects;
  if (!first) return `${mod} (no running instance hosts it)`;
  const inst = names.instance(first.instanceId) ?? `instance ${first.instanceId}`;
  return `${mod} on ${inst}${rest.length ? ` and ${rest.length} more instance${rest.length === 1 ? "" : "s"}` : ""}`;
}

/** What the banner says about `open` (newest first); null when there is nothing to say. */
export function bannerContent(
  open: readonly CanaryAccess[],
  names: BannerNames,
  atLeast = false,
): BannerContent | null {
  const newest = open[0];
  if (!newest) return null;
  const count = open.length;
  const lead =
    count === 1 && !atLeast
      ? `Honeypot canary accessed: ${where(newest, names)}`
      : `${count}${atLeast ? "+" : ""} unacknowledged honeypot canary accesses — latest: ${where(newest, names)}`;
  return { lead, at: newest.at, eventId: newest.accessEventIds[0]!, count };
}

/** The banner as one sentence (what is announced, and what the tests read). */
export function bannerText(content: BannerContent, now: number): string {
  return `${content.lead} ${relativePhrase(content.at, now)}`;
}
