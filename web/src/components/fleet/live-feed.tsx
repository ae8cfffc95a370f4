"use client";
// The dashboard's live feed (spec/ui.md §5): the backlog the page rendered with, then the event
// stream, newest first, at most 500 events, grouped into correlation chains. Kind substring and
// minimum severity filter what is shown (and live in the query string); Pause queues arrivals
// behind an "N new events" pill; critical arrivals are announced.
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useAnnounce } from "@/components/shell/announcer";
import { api } from "@/lib/api-client";
import { FEED_BACKLOG, FEED_BUFFER } from "./dashboard-config";
import { EntityChips } from "./entity-chips";
import { type EventGroup, groupEvents } from "./event-groups";
import { type StreamStatus, useFleetEvents } from "./event-stream";
import { eventSummary } from "./event-summary";
import styles from "./feed.module.css";
import { type Failure, FailureState, toFailure } from "./fetch-states";
import { severityRank } from "./format";
import { replaceQuery } from "./query";
import { TimeAt } from "./relative-time";
import { SeverityBadge } from "./severity-badge";
import { type FleetEvent, type ListResponse, SEVERITIES } from "./types";
import { useNow } from "./use-now";

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

function merge(into: readonly FleetEvent[], more: readonly FleetEvent[]): FleetEvent[] {
  const bySeq = new Map<number, FleetEvent>();
  for (const e of into) bySeq.set(e.seq, e);
  for (const e of more) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, FEED_BUFFER);
}

export interface LiveFeedProps {
  backlog: FleetEvent[] | null;
  backlogFailure: Failure | null;
  resumeAfterSeq: number | undefined;
  initialKind: string;
  initialSeverity: string;
  /** Lets the counters show the buffer fill (n/500). */
  onBufferSize?: (n: number) => void;
}

export function LiveFeed(props: LiveFeedProps) {
  const [events, setEvents] = useState<FleetEvent[]>(() => merge([], props.backlog ?? []));
  const [failure, setFailure] = useState<Failure | null>(props.backlogFailure);
  const [paused, setPaused] = useState(false);
  const [queued, setQueued] = useState<FleetEvent[]>([]);
  const [kind, setKind] = useState(props.initialKind);
  const [minSeverity, setMinSeverity] = useState(
    (SEVERITIES as readonly string[]).includes(props.initialSeverity) ? props.initialSeverity : "all",
  );
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const now = useNow(5_000);
  const { onBufferSize } = props;

  const announce = useAnnounce();
  const receive = useCallback(
    (batch: FleetEvent[]) => {
      const critical = batch.filter((e) => e.severity === "critical");
      if (critical.length > 0) announce(`Critical event: ${critical.map((e) => e.kind).join(", ")}`);
      if (pausedRef.current) setQueued((q) => merge(q, batch));
      else setEvents((prev) => merge(prev, batch));
    },
    [announce],
  );
  // The newest seq this feed holds (or was rendered after): catch-up reads continue from it.
  const newestSeq = useRef(props.resumeAfterSeq);
  const held = Math.max(events[0]?.seq ?? 0, queued[0]?.seq ?? 0);
  if (held > (newestSeq.current ?? 0)) newestSeq.current = held;
  const catchUp = useCallback(async () => {
    for (let page = 0; page < 3; page++) {
      const after = newestSeq.current;
      if (after === undefined) return;
      const res = await api<ListResponse<FleetEvent>>("GET", `/api/v1/events?after_seq=${after}&limit=200`);
      if (res.data.length === 0) return;
      receive(res.data);
      newestSeq.current = Math.max(after, ...res.data.map((e) => e.seq));
      if (!res.meta.has_more) return;
    }
  }, [receive]);
  const status = useFleetEvents(receive, () => void catchUp().catch(() => undefined));

  // Whatever landed between the server render and this page joining the tab's stream.
  useEffect(() => {
    void catchUp().catch(() => undefined);
  }, [catchUp]);

  useEffect(() => onBufferSize?.(events.length), [events.length, onBufferSize]);

  const reloadBacklog = useCallback(() => {
    api<ListResponse<FleetEvent>>("GET", `/api/v1/events?limit=${FEED_BACKLOG}`)
      .then((page) => {
        setEvents((prev) => merge(prev, page.data));
        setFailure(null);
      })
      .catch((err) => setFailure(toFailure(err)));
  }, []);

  const groups = useMemo(() => {
    const needle = kind.trim().toLowerCase();
    const min = minSeverity === "all" ? 0 : severityRank(minSeverity);
    return groupEvents(
      events.filter((e) => (!needle || e.kind.toLowerCase().includes(needle)) && severityRank(e.severity) >= min),
    );
  }, [events, kind, minSeverity]);

  const resume = () => {
    setEvents((prev) => merge(prev, queued));
    setQueued([]);
    setPaused(false);
  };
  const toggle = (key: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <section className={styles.feed} aria-label="Live event feed">
      <div className={styles.toolbar}>
        <h2 className={styles.title}>Live events</h2>
        <label className={styles.field}>
          <span>Kind contains</span>
          <input
            type="search"
            value={kind}
            placeholder="e.g. task."
            onChange={(e) => {
              setKind(e.target.value);
              replaceQuery({ kind: e.target.value });
            }}
          />
        </label>
        <label className={styles.field}>
          <span>Minimum severity</span>
          <select
            value={minSeverity}
            onChange={(e) => {
              setMinSeverity(e.target.value);
              replaceQuery({ severity: e.target.value === "all" ? null : e.target.value });
            }}
          >
            <option value="all">all</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" aria-pressed={paused} onClick={() => (paused ? resume() : setPaused(true))}>
          {paused ? "Resume" : "Pause"}
        </button>
        <span className={styles.status} data-status={status}>
          {STATUS_TEXT[status]}
        </span>
      </div>
      {paused && queued.length > 0 ? (
        <button type="button" className={styles.pill} onClick={resume}>
          {queued.length} new {queued.length === 1 ? "event" : "events"}
        </button>
      ) : null}
      {failure ? <FailureState failure={failure} what="recent events" onRetry={reloadBacklog} /> : null}
      {groups.length === 0 && !failure ? (
        <p className={styles.empty}>
          {events.length === 0
            ? "No events yet. New events appear here as they happen."
            : "No event matches the filters."}
        </p>
      ) : (
        <ol className={styles.groups}>
          {groups.map((g) => (
            <GroupItem key={g.key} group={g} now={now} open={expanded.has(g.key)} onToggle={() => toggle(g.key)} />
          ))}
        </ol>
      )}
    </section>
  );
}

function GroupItem({
  group,
  now,
  open,
  onToggle,
}: {
  group: EventGroup;
  now: number;
  open: boolean;
  onToggle: () => void;
}) {
  const count = group.events.length;
  if (count === 1) {
    return (
      <li className={styles.group}>
        <EventRow event={group.latest} now={now} />
      </li>
    );
  }
  const listId = `chain-${group.key.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  return (
    <li className={styles.group}>
      <div className={styles.groupHead}>
        <button type="button" className={styles.expand} aria-expanded={open} aria-controls={listId} onClick={onToggle}>
          <span aria-hidden="true">{open ? "▾" : "▸"}</span>
          <span className="mono">{group.firstKind}</span>
          <span className={styles.count}>{count} events</span>
        </button>
        <SeverityBadge severity={group.severity} />
        <TimeAt iso={group.latest.created_at} now={now} />
        <span className={styles.latest}>
          latest: <span className="mono">{group.latest.kind}</span> {eventSummary(group.latest)}
        </span>
        {group.tasks.length > 0 ? (
          <span className={styles.tasks}>
            {group.tasks.map((t) => (
              <span key={t.taskId} className={styles.chip}>
                {t.command ? `${t.command} ` : ""}
                <span className="mono">{t.step}</span>
              </span>
            ))}
          </span>
        ) : null}
        {group.correlationId ? <span className={styles.corr}>{group.correlationId}</span> : null}
      </div>
      {open ? (
        <ol id={listId} className={styles.chain} aria-label={`Chain of ${group.firstKind}`}>
          {group.events.map((e) => (
            <li key={e.seq}>
              <EventRow event={e} now={now} />
            </li>
          ))}
        </ol>
      ) : null}
    </li>
  );
}

function EventRow({ event, now }: { event: FleetEvent; now: number }) {
  return (
    <div className={styles.row}>
      <Link className={`mono ${styles.kind}`} href={`/fleet/events/${event.id}`}>
        {event.kind}
      </Link>
      <SeverityBadge severity={event.severity} />
      <TimeAt iso={event.created_at} now={now} />
      <span className={styles.source}>{event.source}</span>
      <span className={styles.summary}>{eventSummary(event)}</span>
      <EntityChips event={event} />
    </div>
  );
}
