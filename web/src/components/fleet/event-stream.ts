"use client";
// The fleet pages' view of the tab's one event stream (components/shell/live-events.tsx): events
// arrive in batches (a burst costs one render), typed as the full event the stream sends, and a
// resync from the stream (a server-side gap, a reconnect without cursor) is handed on so the page
// refetches what it shows.
import { useEffect, useRef } from "react";
import { type LiveState, useLiveEvents, useLiveResync, useLiveStatus } from "@/components/shell/live-events";
import type { FleetEvent } from "./types";

export type StreamStatus = LiveState;

const FLUSH_MS = 200;

/** Receive live fleet events in batches; `onResync` runs when events may have been missed. */
export function useFleetEvents(listener: (batch: FleetEvent[]) => void, onResync?: () => void): StreamStatus {
  const listenerRef = useRef(listener);
  const resyncRef = useRef(onResync);
  useEffect(() => {
    listenerRef.current = listener;
    resyncRef.current = onResync;
  });
  const pending = useRef<FleetEvent[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useLiveEvents((e) => {
    pending.current.push(e as unknown as FleetEvent);
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      const batch = pending.current;
      pending.current = [];
      listenerRef.current(batch);
    }, FLUSH_MS);
  });
  useLiveResync(() => resyncRef.current?.());
  return useLiveStatus().state;
}

/** Re-run `refresh` (at most once per `delayMs`) after an event for which `matches` holds, or a resync. */
export function useRefreshOn(matches: (e: FleetEvent) => boolean, refresh: () => void, delayMs = 300): StreamStatus {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshRef = useRef(refresh);
  useEffect(() => {
    refreshRef.current = refresh;
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const schedule = () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      refreshRef.current();
    }, delayMs);
  };
  return useFleetEvents((batch) => {
    if (batch.some(matches)) schedule();
  }, schedule);
}
