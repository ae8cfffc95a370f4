"use client";
// The dashboard's live half: it takes what the server rendered (summary, heartbeat samples, window
// counts, the feed backlog) and keeps it current from the event stream — counters follow arrivals,
// health refreshes after instance and approval events and every 30 s. The canary tile and the drift
// queue panel follow the stream on their own.
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "@/lib/api-client";
import { CanaryTile } from "./canary-tile";
import { getAll } from "./client-lists";
import {
  COUNTER_WINDOW_MS,
  COUNTERS,
  type CounterKey,
  counterMatches,
  toWindow,
  type WindowCount,
  windowQuery,
} from "./counters";
import styles from "./dashboard.module.css";
import { FEED_BUFFER, HEARTBEAT_INSTANCES_PATH } from "./dashboard-config";
import { DriftPanel } from "./drift-panel";
import watch from "./drift-queue.module.css";
import type { DriftRead } from "./drift-read";
import { useFleetEvents } from "./event-stream";
import type { WindowRead } from "./event-window";
import { toFailure } from "./fetch-states";
import { FleetCounters } from "./fleet-counters";
import { FleetHealth, type HealthData, type HeartbeatSample } from "./fleet-health";
import { LiveFeed, type LiveFeedProps } from "./live-feed";
import type { FleetEvent, FleetSummary, ListResponse, One } from "./types";
import { useNow } from "./use-now";
import type { Names } from "./watch-reads";

const HEALTH_POLL_MS = 30_000;
const HEALTH_SETTLE_MS = 1_500;

export interface FleetDashboardProps {
  health: HealthData;
  windows: Record<CounterKey, WindowCount | null>;
  feed: Omit<LiveFeedProps, "onBufferSize">;
  drift: DriftRead;
  /** Names of the modules the drift panel's pairs name, looked up by the server. */
  driftNames: Names;
  canaries: WindowRead;
}

async function loadHealth(): Promise<HealthData> {
  const [summary, instances] = await Promise.allSettled([
    api<One<FleetSummary>>("GET", "/api/v1/fleet/summary"),
    getAll<HeartbeatSample>(HEARTBEAT_INSTANCES_PATH),
  ]);
  return {
    summary: summary.status === "fulfilled" ? summary.value.data : null,
    summaryFailure: summary.status === "rejected" ? toFailure(summary.reason) : null,
    instances: instances.status === "fulfilled" ? instances.value : null,
    instancesFailure: instances.status === "rejected" ? toFailure(instances.reason) : null,
  };
}

const refreshesHealth = (e: FleetEvent) => e.kind.startsWith("instance.") || e.kind.startsWith("autonomy.approval_");

export function FleetDashboard(props: FleetDashboardProps) {
  const now = useNow(5_000);
  const [health, setHealth] = useState(props.health);
  const [windows, setWindows] = useState(props.windows);
  const [bufferSize, setBufferSize] = useState(0);

  const refreshHealth = useCallback(() => {
    void loadHealth().then(setHealth);
  }, []);

  const retryCounters = useCallback(() => {
    refreshHealth();
    const at = Date.now();
    for (const c of COUNTERS) {
      api<ListResponse<FleetEvent>>("GET", windowQuery(c.key, at))
        .then((page) => setWindows((w) => ({ ...w, [c.key]: toWindow(page) })))
        .catch(() => undefined);
    }
  }, [refreshHealth]);

  useEffect(() => {
    const t = setInterval(refreshHealth, HEALTH_POLL_MS);
    return () => clearInterval(t);
  }, [refreshHealth]);

  // At most one refresh per settle period, however many events arrive.
  const healthTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const scheduleHealth = useCallback(() => {
    if (healthTimer.current) return;
    healthTimer.current = setTimeout(() => {
      healthTimer.current = null;
      refreshHealth();
    }, HEALTH_SETTLE_MS);
  }, [refreshHealth]);
  useEffect(
    () => () => {
      if (healthTimer.current) clearTimeout(healthTimer.current);
    },
    [],
  );

  useFleetEvents((batch) => {
    setWindows((w) => {
      const next = { ...w };
      for (const c of COUNTERS) {
        const current = next[c.key];
        if (!current) continue;
        const arrived = batch.filter((e) => counterMatches(c.key, e)).map((e) => Date.parse(e.created_at));
        if (arrived.length === 0) continue;
        const cutoff = Date.now() - COUNTER_WINDOW_MS;
        next[c.key] = { ...current, times: [...current.times.filter((t) => t >= cutoff), ...arrived] };
      }
      return next;
    });
    if (batch.some(refreshesHealth)) scheduleHealth();
  }, retryCounters);

  return (
    <div className={styles.dashboard}>
      <FleetCounters
        values={{
          windows,
          pendingApprovals: health.summary ? health.summary.approvals.pending : null,
          bufferSize,
          bufferMax: FEED_BUFFER,
        }}
        now={now}
        onRetry={retryCounters}
      />
      <div className={watch.watchRow}>
        <CanaryTile initial={props.canaries} />
        <DriftPanel initial={props.drift} names={props.driftNames} />
      </div>
      <FleetHealth data={health} now={now} onRetry={refreshHealth} />
      <LiveFeed {...props.feed} onBufferSize={setBufferSize} />
    </div>
  );
}
