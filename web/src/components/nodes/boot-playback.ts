// Boot replay timing (spec/ui.md §7): play steps through a boot's events at 1×, 4× or 16× their real
// spacing, and the spans and deltas the ladder and the comparison show. A boot can sit for hours
// between two events (a machine waiting for its operator), so no single wait exceeds MAX_WAIT_MS;
// the UI says so.
import { formatDuration } from "../fleet/format";

export const SPEEDS = [1, 4, 16] as const;
export type Speed = (typeof SPEEDS)[number];

export const MAX_WAIT_MS = 2_000;

/** How long to wait before showing the next event, and whether the real gap was shortened. */
export function playbackWait(fromAt: number, toAt: number, speed: Speed): { waitMs: number; shortened: boolean } {
  const scaled = Math.max(0, toAt - fromAt) / speed;
  return scaled > MAX_WAIT_MS ? { waitMs: MAX_WAIT_MS, shortened: true } : { waitMs: scaled, shortened: false };
}

/** A span with sub-second precision where it matters: "0.4 s", "12.3 s", "4 m", "2 h 5 m". */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 59_950) return `${(Math.round(abs / 100) / 10).toFixed(1)} s`;
  return formatDuration(Math.round(abs / 1000) * 1000);
}

/** A signed difference: "+1.2 s", "−3 m", "±0.0 s". */
export function formatDelta(ms: number): string {
  if (Math.abs(ms) < 50) return "±0.0 s";
  return `${ms > 0 ? "+" : "−"}${formatSpan(ms)}`;
}

/** An instant as a UTC wall-clock time, "14:03:22 UTC": the same text on the server and in every browser. */
export function clockTime(at: number): string {
  return `${new Date(at).toISOString().slice(11, 19)} UTC`;
}

/** An instant as "2025-01-01 14:03 UTC", for boot selectors and captions. */
export function dateTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
