"use client";
// The instance's recent fleet events, newest first, linked to their detail pages.
import Link from "next/link";
import { eventSummary } from "../fleet/event-summary";
import { type Failure, FailureState } from "../fleet/fetch-states";
import { TimeAt } from "../fleet/relative-time";
import { ScrollRegion } from "../fleet/scroll-region";
import { SeverityBadge } from "../fleet/severity-badge";
import type { FleetEvent } from "../fleet/types";
import styles from "./nodes.module.css";

export function InstanceEvents({
  events,
  failure,
  now,
  onRetry,
}: {
  events: FleetEvent[] | null;
  failure: Failure | null;
  now: number;
  onRetry: () => void;
}) {
  return (
    <section className={styles.panel} aria-labelledby="instance-events-title">
      <h2 id="instance-events-title" className={styles.panelTitle}>
        Events
      </h2>
      {failure ? <FailureState failure={failure} what="the instance's events" onRetry={onRetry} /> : null}
      {events && events.length === 0 ? <p className={styles.muted}>No events for this instance yet.</p> : null}
      {events && events.length > 0 ? (
        <ScrollRegion label="Events table">
          <table>
            <caption className="visually-hidden">Recent events of this instance, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Severity</th>
                <th scope="col">Time</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link href={`/fleet/events/${e.id}`} className="mono">
                      {e.kind}
                    </Link>
                  </td>
                  <td>
                    <SeverityBadge severity={e.severity} />
                  </td>
                  <td>
                    <TimeAt iso={e.created_at} now={now} />
                  </td>
                  <td>{eventSummary(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}
