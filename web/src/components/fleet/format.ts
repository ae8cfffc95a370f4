// Time and severity formatting shared by the fleet, approvals and instance pages: short durations
// ("4 m", "2 h 5 m"), relative phrases, and the severity order.
import { SEVERITIES, type Severity } from "./types";

/** A non-negative span as the UI shows it: "12 s", "4 m", "2 h 5 m", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} m` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "3 m ago" or "in 3 m", relative to now. */
export function relativePhrase(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "unknown time";
  const diff = now - t;
  // Callers' clocks tick every few seconds, so a fresh event can look a moment "in the future".
  if (diff > -60_000 && diff < 5_000) return "just now";
  return diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

export const severityRank = (s: string): number => SEVERITIES.indexOf(s as Severity);

export function maxSeverity(list: readonly Severity[]): Severity {
  return list.reduce<Severity>((a, b) => (severityRank(b) > severityRank(a) ? b : a), "low");
}

/** The first 8 characters of an id, for compact display (the full id is in the link and title). */
export const shortId = (id: string): string => id.slice(0, 8);
