"use client";
// Fleet health (spec/ui.md §5): instances by status (every state, with counts as text) and
// heartbeat freshness of the instances that should be heartbeating, from fleet_summary.get and
// instance.list. Refreshed every 30 s and after instance transitions; a failed read shows
// "unknown" with Retry, never zeros.
import { BarChart, type Tone } from "../charts/bar-chart";
import styles from "./dashboard.module.css";
import { type Failure, FailureState } from "./fetch-states";
import { FRESHNESS_LABEL, type Freshness, freshnessOf, HEARTBEATING_STATES } from "./heartbeat";
import { type FleetSummary, INSTANCE_STATES, type InstanceState } from "./types";

const STATE_TONE: Record<InstanceState, Tone> = {
  pending: "accent",
  provisioning: "accent",
  starting: "warn",
  running: "ok",
  stopping: "warn",
  stopped: "neutral",
  rebooting: "warn",
  terminating: "warn",
  terminated: "neutral",
  error: "danger",
};

const FRESHNESS_TONE: Record<Freshness, Tone> = {
  fresh: "ok",
  late: "warn",
  silent: "danger",
  presumed_dead: "danger",
  never: "neutral",
};

export interface HeartbeatSample {
  status: string;
  last_heartbeat_at: string | null;
}

export interface HealthData {
  summary: FleetSummary | null;
  summaryFailure: Failure | null;
  instances: { items: HeartbeatSample[]; truncated: boolean } | null;
  instancesFailure: Failure | null;
}

export function FleetHealth({ data, now, onRetry }: { data: HealthData; now: number; onRetry: () => void }) {
  return (
    <section className={styles.panel} aria-labelledby="fleet-health-title">
      <h2 id="fleet-health-title" className={styles.panelTitle}>
        Fleet health
      </h2>
      <div className={styles.charts}>
        {data.summary ? (
          <div>
            <BarChart
              title={`Instances by status (${data.summary.instances.total} total)`}
              bars={INSTANCE_STATES.map((s) => ({
                label: s,
                value: data.summary?.instances.by_status[s] ?? 0,
                tone: STATE_TONE[s],
              }))}
            />
            <p className={styles.note}>
              {data.summary.instances.silent} silent (no heartbeat for {data.summary.silent_rule.threshold_seconds} s) ·{" "}
              {data.summary.nodes.total} nodes · {data.summary.tasks.active} active tasks
            </p>
          </div>
        ) : data.summaryFailure ? (
          <FailureState failure={data.summaryFailure} what="the fleet summary" onRetry={onRetry} />
        ) : null}
        {data.instances ? (
          <HeartbeatChart
            samples={data.instances.items}
            truncated={data.instances.truncated}
            now={now}
            silentAfterMs={(data.summary?.silent_rule.threshold_seconds ?? 180) * 1000}
          />
        ) : data.instancesFailure ? (
          <FailureState failure={data.instancesFailure} what="heartbeat freshness" onRetry={onRetry} />
        ) : null}
      </div>
    </section>
  );
}

function HeartbeatChart({
  samples,
  truncated,
  now,
  silentAfterMs,
}: {
  samples: HeartbeatSample[];
  truncated: boolean;
  now: number;
  silentAfterMs: number;
}) {
  const counts: Record<Freshness, number> = { fresh: 0, late: 0, silent: 0, presumed_dead: 0, never: 0 };
  const live = samples.filter((s) => HEARTBEATING_STATES.includes(s.status));
  for (const s of live) counts[freshnessOf(s.last_heartbeat_at, now, silentAfterMs)] += 1;
  const order: Freshness[] = ["fresh", "late", "silent", "presumed_dead", "never"];
  return (
    <div>
      <BarChart
        title={`Heartbeat freshness (${live.length} heartbeating instances)`}
        bars={order.map((f) => ({ label: FRESHNESS_LABEL[f], value: counts[f], tone: FRESHNESS_TONE[f] }))}
      />
      <p className={styles.note}>
        fresh ≤ 60 s · late until {Math.round(silentAfterMs / 1000)} s · silent after · presumed dead after 30 min
        {truncated ? " · first 2000 instances only" : ""}
      </p>
    </div>
  );
}
