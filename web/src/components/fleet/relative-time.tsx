"use client";
// A relative time ("3 m ago") with the ISO-8601 instant on hover and in dateTime (spec/ui.md §1.8).
// The server and the first client render may differ by seconds, so the text is exempt from the
// hydration check; it re-renders every 15 s.
import { relativePhrase } from "./format";
import { useNow } from "./use-now";

export function RelativeTime({ iso, prefix }: { iso: string | null | undefined; prefix?: string }) {
  const now = useNow();
  if (!iso) return <span>never</span>;
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {prefix ? `${prefix} ` : ""}
      {relativePhrase(iso, now)}
    </time>
  );
}

/** The same, against a clock the caller owns (one timer for a whole list instead of one per row). */
export function TimeAt({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {relativePhrase(iso, now)}
    </time>
  );
}
