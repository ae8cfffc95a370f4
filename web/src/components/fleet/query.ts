"use client";
// Filters live in the query string (spec/ui.md §1.5) so they survive reload and can be linked.
// Written with history.replaceState, which Next.js folds into its router without a server round trip.

export function replaceQuery(updates: Record<string, string | null | undefined>): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(updates)) {
    if (value === null || value === undefined || value === "") params.delete(key);
    else params.set(key, value);
  }
  const qs = params.toString();
  window.history.replaceState(null, "", `${window.location.pathname}${qs ? `?${qs}` : ""}`);
}
