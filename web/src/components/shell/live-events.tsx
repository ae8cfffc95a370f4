"use client";
// The tab's one live connection to the fleet event log: an EventSource on /api/v1/events/stream
// (session cookie), reconnecting with backoff 1 s → 30 s and resuming after the last seq it saw
// (`last_event_id`), so subscribers see no gaps and no duplicates. When the stream cannot vouch for
// continuity (a server-side `gap`, or a reconnect with no cursor yet) it asks pages to resync.
import { createContext, type ReactNode, useContext, useEffect, useEffectEvent, useState } from "react";
import { type FleetEvent, type FleetEventFilter, matchesEvent, parseFleetEvent } from "@/lib/fleet-event";

export type LiveState = "connecting" | "live" | "reconnecting" | "offline";

export interface LiveStatus {
  state: LiveState;
  /** While not live: when the page's data was last known current. */
  asOf: Date | null;
}

interface Hub {
  subscribe(listener: (e: FleetEvent) => void): () => void;
  onResync(listener: () => void): () => void;
}

const STREAM_URL = "/api/v1/events/stream";
const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** How long reconnecting may last before the header says the data is stale. */
const OFFLINE_AFTER_MS = 10_000;

const HubContext = createContext<Hub | null>(null);
const StatusContext = createContext<LiveStatus>({ state: "connecting", asOf: null });

function createHub(): Hub & { emit(e: FleetEvent): void; resync(): void } {
  const listeners = new Set<(e: FleetEvent) => void>();
  const resyncs = new Set<() => void>();
  return {
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onResync(l) {
      resyncs.add(l);
      return () => resyncs.delete(l);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
    resync() {
      for (const l of resyncs) l();
    },
  };
}

/** A lapsed session ends the stream too: send the user to sign in rather than retry forever. */
async function signedOut(): Promise<boolean> {
  try {
    const res = await fetch("/api/v1/session", { credentials: "same-origin", headers: { accept: "application/json" } });
    return res.status === 401;
  } catch {
    return false;
  }
}

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const [hub] = useState(createHub);
  const [status, setStatus] = useState<LiveStatus>({ state: "connecting", asOf: null });

  useEffect(() => {
    let source: EventSource | null = null;
    let attempt = 0;
    let lastSeq: number | undefined;
    let lostAt: Date = new Date();
    let everLive = false;
    let stopped = false;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let offlineTimer: ReturnType<typeof setTimeout> | undefined;

    const connect = () => {
      if (stopped) return;
      const resumeFrom = lastSeq;
      source = new EventSource(resumeFrom === undefined ? STREAM_URL : `${STREAM_URL}?last_event_id=${resumeFrom}`);
      source.onopen = () => {
        attempt = 0;
        clearTimeout(offlineTimer);
        setStatus({ state: "live", asOf: null });
        // Without a cursor the stream starts at "now": whatever happened while down must be refetched.
        if (everLive && resumeFrom === undefined) hub.resync();
        everLive = true;
      };
      source.onmessage = (m) => {
        const event = parseFleetEvent(m.data);
        if (!event) return;
        if (lastSeq !== undefined && event.seq <= lastSeq) return;
        lastSeq = event.seq;
        hub.emit(event);
      };
      source.addEventListener("gap", () => hub.resync());
      source.onerror = () => {
        source?.close();
        source = null;
        if (stopped) return;
        const firstFailure = attempt === 0;
        if (firstFailure) {
          lostAt = everLive ? new Date() : lostAt;
          setStatus({ state: "reconnecting", asOf: lostAt });
          clearTimeout(offlineTimer);
          offlineTimer = setTimeout(() => setStatus({ state: "offline", asOf: lostAt }), OFFLINE_AFTER_MS);
          void signedOut().then((out) => {
            if (out && !stopped) {
              const here = window.location.pathname + window.location.search;
              window.location.assign(`/signin?next=${encodeURIComponent(here)}`);
            }
          });
        }
        const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** attempt);
        attempt++;
        retryTimer = setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(offlineTimer);
      source?.close();
    };
  }, [hub]);

  return (
    <HubContext.Provider value={hub}>
      <StatusContext.Provider value={status}>{children}</StatusContext.Provider>
    </HubContext.Provider>
  );
}

/** The connection's state for display: connecting, live, reconnecting or offline (with `asOf`). */
export function useLiveStatus(): LiveStatus {
  return useContext(StatusContext);
}

/**
 * Call `handler` for each live fleet event matching `filter` (kind exact or `prefix*`, subject type
 * and id). The handler may change between renders without resubscribing.
 */
export function useLiveEvents(handler: (event: FleetEvent) => void, filter?: FleetEventFilter): void {
  const hub = useContext(HubContext);
  const onEvent = useEffectEvent(handler);
  const kind = filter?.kind;
  const subjectType = filter?.subjectType;
  const subjectId = filter?.subjectId;
  useEffect(() => {
    if (!hub) return;
    const f: FleetEventFilter = { kind, subjectType, subjectId };
    return hub.subscribe((e) => {
      if (matchesEvent(e, f)) onEvent(e);
    });
  }, [hub, kind, subjectType, subjectId]);
}

/** Call `handler` when live events may have been missed and the page should refetch what it shows. */
export function useLiveResync(handler: () => void): void {
  const hub = useContext(HubContext);
  const onResync = useEffectEvent(handler);
  useEffect(() => {
    if (!hub) return;
    return hub.onResync(() => onResync());
  }, [hub]);
}
