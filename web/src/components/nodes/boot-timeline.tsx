"use client";
// A boot's events in order as a listbox (one tab stop; arrow keys, Home and End move the selection,
// a click selects), and the selected event in full beside it: kind, severity, source, ISO time,
// correlation id and payload (spec/ui.md §7).
import Link from "next/link";
import { type KeyboardEvent, useEffect, useId, useRef } from "react";
import { SeverityBadge } from "../fleet/severity-badge";
import { PHASE_LABEL } from "./boot-ladder";
import { formatSpan } from "./boot-playback";
import styles from "./boot-replay.module.css";
import type { BootEvent } from "./boot-sessions";

const MOVES: Record<string, (i: number, n: number) => number> = {
  ArrowDown: (i, n) => Math.min(n - 1, i + 1),
  ArrowUp: (i) => Math.max(0, i - 1),
  Home: () => 0,
  End: (_i, n) => n - 1,
  PageDown: (i, n) => Math.min(n - 1, i + 10),
  PageUp: (i) => Math.max(0, i - 10),
};

export function BootTimeline({
  events,
  startedAt,
  index,
  onSelect,
}: {
  events: BootEvent[];
  startedAt: number;
  index: number;
  onSelect: (i: number) => void;
}) {
  const base = useId();
  const list = useRef<HTMLDivElement>(null);
  const optionId = (i: number) => `${base}-ev-${i}`;
  const selected = events[index] ?? null;

  // Keeps the selected option visible inside the list only: scrollIntoView would scroll the page too.
  useEffect(() => {
    const box = list.current;
    const option = box?.children[index] as HTMLElement | undefined;
    if (!box || !option) return;
    const top = option.offsetTop; // the list is position: relative, so this is within it
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + option.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = top + option.offsetHeight - box.clientHeight;
    }
  }, [index]);

  const onKeyDown = (e: KeyboardEvent) => {
    const move = MOVES[e.key];
    if (!move || events.length === 0) return;
    e.preventDefault();
    onSelect(move(Math.max(0, index), events.length));
  };

  return (
    <div className={styles.timelineGrid}>
      <div
        ref={list}
        role="listbox"
        tabIndex={0}
        aria-label="Boot events, oldest first"
        aria-activedescendant={selected ? optionId(index) : undefined}
        className={styles.timeline}
        onKeyDown={onKeyDown}
      >
        {events.map((be, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox handles the keys for its options
          <div
            key={be.event.id}
            id={optionId(i)}
            role="option"
            tabIndex={-1}
            aria-selected={i === index}
            className={i === index ? `${styles.option} ${styles.selected}` : styles.option}
            onClick={() => onSelect(i)}
          >
            <span className={styles.offset}>+{formatSpan(be.at - startedAt)}</span>
            <span className="mono">{be.event.kind}</span>
            <SeverityBadge severity={be.event.severity} />
            <span className={styles.muted}>{PHASE_LABEL[be.phase]}</span>
          </div>
        ))}
      </div>
      <BootEventDetail selected={selected} startedAt={startedAt} />
    </div>
  );
}

function BootEventDetail({ selected, startedAt }: { selected: BootEvent | null; startedAt: number }) {
  const titleId = useId();
  if (!selected) {
    return (
      <section className={styles.detail} aria-label="Selected event">
        <p className={styles.muted}>Select an event to see it in full.</p>
      </section>
    );
  }
  const e = selected.event;
  return (
    <section className={styles.detail} aria-labelledby={titleId}>
      <h3 id={titleId} className={styles.detailTitle}>
        <span className="mono">{e.kind}</span>
      </h3>
      <dl className={styles.facts}>
        <dt>Phase</dt>
        <dd>{PHASE_LABEL[selected.phase]}</dd>
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={e.severity} />
        </dd>
        <dt>Source</dt>
        <dd>
          {e.source} ({e.actor_type}
          {e.actor_id ? ` ${e.actor_id}` : ""})
        </dd>
        <dt>Time</dt>
        <dd>
          <time dateTime={e.emitted_at} className="mono">
            {e.emitted_at}
          </time>{" "}
          <span className={styles.muted}>(+{formatSpan(selected.at - startedAt)} into this boot)</span>
          {Math.abs(Date.parse(e.created_at) - selected.at) >= 1000 ? (
            <>
              <br />
              <span className={styles.muted}>recorded {e.created_at}</span>
            </>
          ) : null}
        </dd>
        <dt>Correlation id</dt>
        <dd className="mono">{e.correlation_id ?? "none"}</dd>
        <dt>Event</dt>
        <dd>
          <Link href={`/fleet/events/${e.id}`}>Open event {e.seq}</Link>
        </dd>
      </dl>
      <h4 className={styles.payloadTitle}>Payload</h4>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <section className={styles.payload} tabIndex={0} aria-label="Payload JSON">
        <pre>{JSON.stringify(e.payload, null, 2)}</pre>
      </section>
    </section>
  );
}
