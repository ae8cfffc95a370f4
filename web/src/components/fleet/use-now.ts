"use client";
// A clock for relative times and countdowns: re-renders its user every `intervalMs`. The first
// render uses the server's render time (NowProvider) so hydration sees the same text the server
// wrote; the real clock takes over right after.
import { createContext, createElement, type ReactNode, useContext, useEffect, useState } from "react";

const RenderedAt = createContext<number | null>(null);

/** Pages wrap their content in this with the time they rendered at (Date.now() on the server). */
export function NowProvider({ renderedAt, children }: { renderedAt: number; children: ReactNode }) {
  return createElement(RenderedAt.Provider, { value: renderedAt }, children);
}

export function useNow(intervalMs = 15_000): number {
  const renderedAt = useContext(RenderedAt);
  const [now, setNow] = useState(() => renderedAt ?? Date.now());
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
