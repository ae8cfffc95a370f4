"use client";
// The request's decision timeline, kept current: any event about this request refetches it.
import Link from "next/link";
import { useCallback, useState } from "react";
import { useUserNames } from "@/components/approval-card/use-user-names";
import { api } from "@/lib/api-client";
import { approvalPath } from "@/lib/approval-types";
import { useRefreshOn } from "../fleet/event-stream";
import { type Failure, FailureState, toFailure } from "../fleet/fetch-states";
import { RelativeTime } from "../fleet/relative-time";
import type { FleetEvent, ListResponse } from "../fleet/types";
import styles from "./approvals.module.css";
import { buildTimeline } from "./timeline";
import { type ApprovalRequest, approvalEventsPath } from "./types";

export function DecisionTimeline({
  initialRequest,
  initialEvents,
  initialFailure,
}: {
  initialRequest: ApprovalRequest;
  initialEvents: FleetEvent[] | null;
  initialFailure: Failure | null;
}) {
  const id = initialRequest.id;
  const [request, setRequest] = useState(initialRequest);
  const [events, setEvents] = useState(initialEvents);
  const [failure, setFailure] = useState(initialFailure);
  const reload = useCallback(() => {
    api<{ data: ApprovalRequest }>("GET", approvalPath(id))
      .then((r) => setRequest(r.data))
      .catch((err) => setFailure(toFailure(err)));
    api<ListResponse<FleetEvent>>("GET", approvalEventsPath(id))
      .then((r) => {
        setEvents(r.data);
        setFailure(null);
      })
      .catch((err) => setFailure(toFailure(err)));
  }, [id]);
  useRefreshOn((e) => e.subject_id === id, reload);
  const entries = buildTimeline(request, events ?? []);
  const nameOf = useUserNames(entries.map((e) => e.userId ?? null));
  const origin = events?.find((e) => e.kind === "autonomy.approval_requested");
  return (
    <section className={styles.panel} aria-labelledby="timeline-title">
      <h2 id="timeline-title" className={styles.panelTitle}>
        Timeline
      </h2>
      {failure ? <FailureState failure={failure} what="the request's events" onRetry={reload} /> : null}
      <ol className={styles.timeline}>
        {entries.map((e) => (
          <li key={e.key}>
            <div className={styles.entryHead}>
              <span className={`${styles.entryTitle} ${e.voided ? styles.voided : ""}`}>
                {e.title}
                {e.count && e.count > 1 ? ` ×${e.count}` : ""}
              </span>
              {e.voided ? <span className="badge warn">voided</span> : null}
              {e.userId !== undefined ? <span>by {nameOf(e.userId)}</span> : null}
              <RelativeTime iso={e.at} />
            </div>
            {e.detail ? <div className={styles.muted}>{e.detail}</div> : null}
          </li>
        ))}
      </ol>
      {origin?.correlation_id ? (
        <p>
          <Link href={`/fleet/events/${origin.id}`}>Correlated events</Link>{" "}
          <span className="mono">{origin.correlation_id}</span>
        </p>
      ) : null}
    </section>
  );
}
