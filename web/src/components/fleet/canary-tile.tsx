"use client";
// The honeypot canary tile (spec/ui.md §5): canary touches in the last 24 h (large) and 7 days,
// from the honeypot_access sensor's events (canaries.ts). Red with an ALERT badge and the last
// access time when a canary was touched in 24 h, amber when only in 7 days; a failed read says the
// status is unknown — never a zero. The button lists the touches; live access events update it.
import Link from "next/link";
import { useCallback, useMemo, useState } from "react";
import { ACCESS_KIND, type CanaryAccess, summarizeCanaries } from "./canaries";
import styles from "./canary-tile.module.css";
import { useFleetEvents } from "./event-stream";
import { clientGet, mergeIntoWindow, type WindowRead } from "./event-window";
import { missingScope } from "./fetch-states";
import { TimeAt } from "./relative-time";
import { ScrollRegion } from "./scroll-region";
import { useEntityNames } from "./use-entity-names";
import { useNow } from "./use-now";
import { canaryNameRefs, loadCanaryRead, type Names, nameKey } from "./watch-reads";

const NO_NAMES: Names = {};
const TONE_CLASS = { alert: styles.alert, warn: styles.warn, clear: "" } as const;

export function CanaryTile({ initial }: { initial: WindowRead }) {
  const [read, setRead] = useState(initial);
  const [open, setOpen] = useState(false);
  const [retrying, setRetrying] = useState(false);
  const now = useNow(15_000);
  const reload = useCallback(() => {
    setRetrying(true);
    void loadCanaryRead(clientGet, Date.now())
      .then(setRead)
      .finally(() => setRetrying(false));
  }, []);
  useFleetEvents((batch) => {
    const arrived = batch.filter((e) => e.kind === ACCESS_KIND);
    if (arrived.length > 0) setRead((r) => mergeIntoWindow(r, arrived));
  }, reload);
  const summary = useMemo(() => (read.ok ? summarizeCanaries(read.window, now) : null), [read, now]);
  // Looked up when the list is first opened; the tile itself shows counts only.
  const names = useEntityNames(NO_NAMES, open && summary ? canaryNameRefs(summary.accesses) : []);

  if (!read.ok || !summary) {
    const scope = read.ok ? null : read.status === 403 ? missingScope(read.problem) : null;
    return (
      <section className={styles.tile} aria-labelledby="canary-title">
        <h2 id="canary-title" className={styles.title}>
          Honeypot canaries
        </h2>
        <div className={`error-box ${styles.unavailable}`} role="alert">
          <span>Signal feed unavailable — status is unknown, not clear.</span>
          {!read.ok && read.status === 403 ? (
            <span className={styles.detail}>{scope ? `missing permission: ${scope}` : "missing permission"}</span>
          ) : null}
          <button type="button" onClick={reload} disabled={retrying}>
            {retrying ? "Retrying…" : "Retry"}
          </button>
        </div>
      </section>
    );
  }

  const { day, week, tone } = summary;
  return (
    <section
      className={`${styles.tile} ${TONE_CLASS[tone]} ${open ? styles.expanded : ""}`}
      aria-labelledby="canary-title"
    >
      <h2 id="canary-title" className={styles.title}>
        Honeypot canaries
      </h2>
      <button
        type="button"
        className={styles.summary}
        aria-expanded={open}
        aria-controls="canary-accesses"
        onClick={() => setOpen((o) => !o)}
      >
        <span className={styles.counts}>
          <span className={styles.big}>
            {day}
            {summary.dayAtLeast ? "+" : ""}
          </span>
          <span className={styles.unit}>{day === 1 && !summary.dayAtLeast ? "access" : "accesses"} in 24 h</span>
        </span>
        <span className={styles.week}>
          {week}
          {summary.weekAtLeast ? "+" : ""} in 7 days
        </span>
        {tone === "alert" ? (
          <span className="badge critical">ALERT</span>
        ) : tone === "warn" ? (
          <span className="badge warn">accessed this week</span>
        ) : (
          <span className="badge ok">no access in 7 days</span>
        )}
        <span className={styles.toggle}>{open ? "Hide" : "Show"} canary events</span>
      </button>
      {summary.lastAccessAt && tone !== "clear" ? (
        <p className={styles.last}>
          Last access <TimeAt iso={summary.lastAccessAt} now={now} />
        </p>
      ) : null}
      <div id="canary-accesses" hidden={!open}>
        {open ? <AccessList accesses={summary.accesses} names={names} now={now} /> : null}
      </div>
    </section>
  );
}

/** A name when known, else the whole id (ids made together share their first digits). */
function Named({ name, id }: { name: string | null | undefined; id: string }) {
  return name ? <span title={id}>{name}</span> : <span className={`mono ${styles.id}`}>{id}</span>;
}

function AccessList({ accesses, names, now }: { accesses: CanaryAccess[]; names: Names; now: number }) {
  if (accesses.length === 0) return <p className={styles.none}>No canary was touched in the last 7 days.</p>;
  const caption = `Canary accesses in the last 7 days, newest first (${accesses.length})`;
  return (
    <>
      <ScrollRegion label={caption}>
        <table className={styles.table}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Module</th>
              <th scope="col">Instance</th>
              <th scope="col">Source</th>
              <th scope="col">Events</th>
            </tr>
          </thead>
          <tbody>
            {accesses.map((a) => (
              <tr key={a.key}>
                <td>
                  <TimeAt iso={a.at} now={now} />
                </td>
                <td>
                  {a.moduleId ? <Named name={names[nameKey("module", a.moduleId)]} id={a.moduleId} /> : "not named"}
                </td>
                <td>
                  {a.suspects.length === 0
                    ? "no running instance hosts it"
                    : a.suspects.map((s, i) => (
                        <span key={s.instanceId}>
                          {i > 0 ? ", " : ""}
                          <Link href={`/instances/${s.instanceId}`}>
                            <Named name={names[nameKey("instance", s.instanceId)]} id={s.instanceId} />
                          </Link>
                        </span>
                      ))}
                </td>
                <td>{a.source ?? "not reported"}</td>
                <td>
                  {a.triggerEventId ? <Link href={`/fleet/events/${a.triggerEventId}`}>touch event</Link> : null}
                  {a.triggerEventId ? " · " : null}
                  <Link href={`/fleet/events/${a.accessEventIds[0]}`}>
                    signal{a.accessEventIds.length > 1 ? ` (${a.accessEventIds.length} reports)` : ""}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <p className={styles.note}>
        The sensor reports module, instance and source; process and uid are not in its report — the touch event holds
        whatever its reporter recorded.
      </p>
    </>
  );
}
