"use client";
// "5 minutes ago", with the ISO-8601 time on hover. The relative wording is computed after mount
// (server and browser clocks differ), so the first paint shows the ISO time.
import { useEffect, useState } from "react";
import { relativeTime } from "@/lib/format";

export function RelativeTime({ iso }: { iso: string }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return (
    <time dateTime={iso} title={iso}>
      {now === null ? iso : relativeTime(iso, now)}
    </time>
  );
}
