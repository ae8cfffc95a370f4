"use client";
// Time left until an approval request expires, ticking each second; the outcome on timeout is rejection.
import { useEffect, useRef, useState } from "react";
import { formatDuration } from "@/lib/format";

export function Countdown({ expiresAt, onExpire }: { expiresAt: string; onExpire?: () => void }) {
  const target = Date.parse(expiresAt);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = now === null ? null : target - now;
  const expired = left !== null && left <= 0;
  const onExpireRef = useRef(onExpire);
  useEffect(() => {
    onExpireRef.current = onExpire;
  });
  // Once per crossing of the deadline, whatever the parent passes on re-render.
  useEffect(() => {
    if (expired) onExpireRef.current?.();
  }, [expired]);
  return (
    <time dateTime={expiresAt} title={expiresAt}>
      {left === null
        ? `expires at ${expiresAt}`
        : expired
          ? "expired — counts as rejection"
          : `expires in ${formatDuration(left)} (then rejected)`}
    </time>
  );
}
