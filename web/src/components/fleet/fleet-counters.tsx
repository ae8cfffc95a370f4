"use client";
// The dashboard's counters (spec/ui.md §5): over the last 5 minutes, signals (sensor kinds,
// fleet.*), decisions (autonomy.decision.*) and high/critical events; plus pending approvals and
// the feed buffer fill. Window counts start from the server's count and follow the live stream;
// a count the server could not give shows "unknown", never 0.
import Link from "next/link";
import { COUNTER_WINDOW_MS, COUNTERS, type CounterKey, type WindowCount } from "./counters";
import styles from "./dashboard.module.css";
import { Unknown } from "./fetch-states";

export interface CounterValues {
  windows: Record<CounterKey, WindowCount | null>;
  pendingApprovals: number | null;
  bufferSize: number;
  bufferMax: number;
}

export function FleetCounters({ values, now, onRetry }: { values: CounterValues; now: number; onRetry: () => void }) {
  return (
    <section aria-label="Counters" className={styles.counters}>
      {COUNTERS.map((c) => {
        const w = values.windows[c.key];
        const n = w ? w.times.filter((t) => now - t <= COUNTER_WINDOW_MS).length : null;
        const hot = c.key === "severe" && n !== null && n > 0;
        return (
          <div key={c.key} className={`${styles.counter} ${hot ? styles.hot : ""}`}>
            <span className={styles.counterLabel}>{c.label}</span>
            <span className={styles.counterValue}>
              {n === null ? <Unknown onRetry={onRetry} /> : `${n}${w?.atLeast ? "+" : ""}`}
            </span>
            <span className={styles.counterHint}>{c.hint}</span>
          </div>
        );
      })}
      <div className={styles.counter}>
        <span className={styles.counterLabel}>Pending approvals</span>
        <span className={styles.counterValue}>
          {values.pendingApprovals === null ? (
            <Unknown onRetry={onRetry} />
          ) : (
            <Link href="/approvals">{values.pendingApprovals}</Link>
          )}
        </span>
        <span className={styles.counterHint}>not expired</span>
      </div>
      <div className={styles.counter}>
        <span className={styles.counterLabel}>Feed buffer</span>
        <span className={styles.counterValue}>
          {values.bufferSize}/{values.bufferMax}
        </span>
        <span className={styles.counterHint}>events held</span>
      </div>
    </section>
  );
}
