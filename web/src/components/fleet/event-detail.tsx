// One fleet event in full (spec/ui.md §5 "Event detail"): kind, severity, ids, times, source,
// actor, linked objects, payload, and its correlation chain as the server holds it (not only the
// feed's buffer), oldest first, with this event marked.
import Link from "next/link";
import { EntityChips } from "./entity-chips";
import styles from "./event-detail.module.css";
import { eventSummary } from "./event-summary";
import { RelativeTime } from "./relative-time";
import { SeverityBadge } from "./severity-badge";
import type { FleetEvent } from "./types";

export interface Chain {
  events: FleetEvent[];
  truncated: boolean;
}

export function EventDetail({ event, chain }: { event: FleetEvent; chain: Chain | null }) {
  return (
    <>
      <dl className={styles.facts}>
        <dt>Kind</dt>
        <dd className="mono">{event.kind}</dd>
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={event.severity} />
        </dd>
        <dt>Time</dt>
        <dd>
          {event.created_at} (<RelativeTime iso={event.created_at} />)
        </dd>
        <dt>Source</dt>
        <dd>{event.source}</dd>
        <dt>Actor</dt>
        <dd>
          {event.actor_type}
          {event.actor_id ? ` ${event.actor_id}` : ""}
        </dd>
        <dt>Event id</dt>
        <dd className="mono">{event.id}</dd>
        <dt>Seq</dt>
        <dd>{event.seq}</dd>
        <dt>Correlation id</dt>
        <dd className="mono">{event.correlation_id ?? "none"}</dd>
        <dt>Objects</dt>
        <dd>
          <EntityChips event={event} />
          {event.subject_type ? ` subject: ${event.subject_type} ${event.subject_id ?? ""}` : ""}
        </dd>
      </dl>
      <h2 className={styles.h2}>Payload</h2>
      <pre className={styles.payload}>{JSON.stringify(event.payload, null, 2)}</pre>
      {chain ? (
        <>
          <h2 className={styles.h2}>
            Correlation chain ({chain.events.length}
            {chain.truncated ? "+" : ""} events)
          </h2>
          <ol className={styles.chain}>
            {chain.events.map((e) => (
              <li key={e.id} aria-current={e.id === event.id ? "true" : undefined}>
                <Link href={`/fleet/events/${e.id}`} className="mono">
                  {e.kind}
                </Link>{" "}
                <SeverityBadge severity={e.severity} /> <RelativeTime iso={e.created_at} />{" "}
                <span className={styles.summary}>{eventSummary(e)}</span>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </>
  );
}
