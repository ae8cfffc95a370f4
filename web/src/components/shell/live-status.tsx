"use client";
// The header's connection state: Live, Reconnecting…, or Offline with the time the data is from.
import { clockTime } from "@/lib/format";
import { useLiveStatus } from "./live-events";
import styles from "./shell.module.css";

export function LiveStatusIndicator() {
  const { state, asOf } = useLiveStatus();
  const text =
    state === "live"
      ? "Live"
      : state === "reconnecting"
        ? "Reconnecting…"
        : state === "offline"
          ? `Offline — data as of ${asOf ? clockTime(asOf) : "unknown"}`
          : "Connecting…";
  return (
    <span role="status" className={`${styles.live} ${styles[`live_${state}`]}`}>
      <span aria-hidden="true" className={styles.dot} />
      {text}
    </span>
  );
}
