"use client";
// The drift queue (spec/ui.md §5): the dashboard's panel (the 5 oldest unresolved items and "View
// all") and the whole queue on /fleet/drift, with status and kind filters in the query string. Items
// are derived from the drift sensors' events and the ticks' clearings (drift-items.ts) and follow
// the live stream: a new detection or clearing updates the queue without reload. A kind that could
// not be read is named as unknown, never counted as no drift.
import Link from "next/link";
import { useCallback, useMemo, useState } from "react";
import {
  askHref,
  CLEARED_KIND,
  type Comparison,
  DRIFT_KINDS,
  DRIFT_LABEL,
  DRIFT_PAGE_PAIRS,
  DRIFT_PANEL_ITEMS,
  DRIFT_PANEL_PAIRS,
  type DriftItem,
  type DriftKind,
  type DriftReads,
  deriveDriftItems,
  driftInput,
  isUnresolved,
} from "./drift-items";
import styles from "./drift-queue.module.css";
import { useFleetEvents } from "./event-stream";
import { clientGet, mergeIntoWindow } from "./event-window";
import { EmptyState, FailureState } from "./fetch-states";
import { formatDuration } from "./format";
import { replaceQuery } from "./query";
import { TimeAt } from "./relative-time";
import { ScrollRegion } from "./scroll-region";
import { SeverityBadge } from "./severity-badge";
import { useEntityNames } from "./use-entity-names";
import { useNow } from "./use-now";
import { driftNameRefs, loadDriftReads, type Names, nameKey } from "./watch-reads";

export const STATUS_FILTERS = ["open", "auto_resolved", "all"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
const STATUS_FILTER_LABEL: Record<StatusFilter, string> = {
  open: "Open",
  auto_resolved: "Auto-resolved",
  all: "All",
};

function useDriftReads(initial: DriftReads, maxPages: number) {
  const [reads, setReads] = useState(initial);
  const reload = useCallback(() => {
    void loadDriftReads(clientGet, Date.now(), maxPages).then(setReads);
  }, [maxPages]);
  useFleetEvents((batch) => {
    const drift = batch.filter((e) => (DRIFT_KINDS as readonly string[]).includes(e.kind) || e.kind === CLEARED_KIND);
    if (drift.length === 0) return;
    setReads((r) => ({
      ...r,
      kinds: Object.fromEntries(
        DRIFT_KINDS.map((k) => [
          k,
          mergeIntoWindow(
            r.kinds[k],
            drift.filter((e) => e.kind === k),
          ),
        ]),
      ) as DriftReads["kinds"],
      clearings: mergeIntoWindow(
        r.clearings,
        drift.filter((e) => e.kind === CLEARED_KIND),
      ),
    }));
  }, reload);
  return { reads, reload };
}

/** What could not be read, once per distinct failure, with Retry. */
function ReadFailures({ reads, onRetry }: { reads: DriftReads; onRetry: () => void }) {
  const failed = DRIFT_KINDS.filter((k) => !reads.kinds[k].ok);
  const first = failed.map((k) => reads.kinds[k]).find((r) => !r.ok) ?? (reads.clearings.ok ? null : reads.clearings);
  if (!first || first.ok) return null;
  const what =
    failed.length === DRIFT_KINDS.length
      ? "the drift queue"
      : failed.length > 0
        ? failed.map((k) => DRIFT_LABEL[k]).join(", ")
        : "drift clearings (which items auto-resolved)";
  return <FailureState failure={{ status: first.status, problem: first.problem }} what={what} onRetry={onRetry} />;
}

/** Some kind could not be read, or not back over the whole window: counts are lower bounds. */
const incomplete = (reads: DriftReads): boolean =>
  DRIFT_KINDS.some((k) => {
    const r = reads.kinds[k];
    return !r.ok || r.window.truncated;
  });

function truncationNote(reads: DriftReads): string | null {
  const cut = DRIFT_KINDS.filter((k) => {
    const r = reads.kinds[k];
    return r.ok && r.window.truncated;
  });
  const clearingsCut = reads.clearings.ok && reads.clearings.window.truncated;
  if (cut.length === 0 && !clearingsCut) return null;
  const parts = cut.map((k) => DRIFT_LABEL[k]);
  if (clearingsCut) parts.push("clearings");
  return `Only the newest events were read for ${parts.join(", ")}: drift last reported before then is not listed, ages marked ≥ may be longer, and status is unknown where the clearings do not reach.`;
}

export interface DriftPanelProps {
  initial: DriftReads;
  /** Names of the subjects the server rendered. */
  names: Names;
  maxPages: number;
}

export function DriftPanel({ initial, names: initialNames, maxPages }: DriftPanelProps) {
  const { reads, reload } = useDriftReads(initial, maxPages);
  const now = useNow(15_000);
  const items = useMemo(() => deriveDriftItems(driftInput(reads, now)), [reads, now]);
  const unresolved = items.filter(isUnresolved);
  const oldest = unresolved.slice(0, DRIFT_PANEL_ITEMS);
  const names = useEntityNames(initialNames, driftNameRefs(oldest, DRIFT_PANEL_PAIRS));
  const anyRead = DRIFT_KINDS.some((k) => reads.kinds[k].ok);
  const partial = DRIFT_KINDS.some((k) => !reads.kinds[k].ok);
  const atLeast = incomplete(reads);
  return (
    <section className={styles.panel} aria-labelledby="drift-queue-title">
      <div className={styles.head}>
        <h2 id="drift-queue-title" className={styles.title}>
          Drift queue
        </h2>
        {anyRead ? (
          <span className={styles.count}>
            {atLeast ? "at least " : ""}
            {unresolved.length} unresolved
          </span>
        ) : null}
        <Link href="/fleet/drift" className={styles.viewAll}>
          View all{anyRead ? ` ${items.length} items` : ""}
        </Link>
      </div>
      <ReadFailures reads={reads} onRetry={reload} />
      {!anyRead ? null : unresolved.length === 0 ? (
        <EmptyState>
          {partial ? "No unresolved drift among the kinds that could be read" : "No unresolved drift"} in the last 7
          days.
        </EmptyState>
      ) : (
        <DriftTable
          items={oldest}
          names={names}
          caption={`The ${oldest.length} oldest unresolved drift items of ${unresolved.length}`}
          now={now}
          maxComparisons={DRIFT_PANEL_PAIRS}
        />
      )}
      <Footnote reads={reads} />
    </section>
  );
}

function Footnote({ reads }: { reads: DriftReads }) {
  const cut = truncationNote(reads);
  return (
    <p className={styles.note}>
      From the drift sensors' events of the last 7 days; an item auto-resolves when a later tick clears it. Age counts
      from the first detection read.{cut ? ` ${cut}` : ""}
    </p>
  );
}

export interface DriftQueueProps {
  initial: DriftReads;
  names: Names;
  maxPages: number;
  initialStatus: string;
  initialKind: string;
}

export function DriftQueue(props: DriftQueueProps) {
  const { reads, reload } = useDriftReads(props.initial, props.maxPages);
  const now = useNow(15_000);
  const [status, setStatus] = useState<StatusFilter>(
    (STATUS_FILTERS as readonly string[]).includes(props.initialStatus)
      ? (props.initialStatus as StatusFilter)
      : "open",
  );
  const [kind, setKind] = useState<DriftKind | "all">(
    (DRIFT_KINDS as readonly string[]).includes(props.initialKind) ? (props.initialKind as DriftKind) : "all",
  );
  const items = useMemo(() => deriveDriftItems(driftInput(reads, now)), [reads, now]);
  const ofKind = items.filter((i) => kind === "all" || i.kind === kind);
  const counts: Record<StatusFilter, number> = {
    open: ofKind.filter(isUnresolved).length,
    auto_resolved: ofKind.filter((i) => i.status === "auto_resolved").length,
    all: ofKind.length,
  };
  const shown = ofKind.filter((i) =>
    status === "all" ? true : status === "open" ? isUnresolved(i) : i.status === "auto_resolved",
  );
  const anyRead = DRIFT_KINDS.some((k) => reads.kinds[k].ok);
  const names = useEntityNames(props.names, driftNameRefs(shown, DRIFT_PAGE_PAIRS));
  const atLeast = incomplete(reads);
  return (
    <section className={styles.queue} aria-label="Drift items">
      <div className={styles.toolbar}>
        <fieldset className={styles.statusFilter}>
          <legend className="visually-hidden">Status</legend>
          {STATUS_FILTERS.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={status === s}
              onClick={() => {
                setStatus(s);
                replaceQuery({ status: s === "open" ? null : s });
              }}
            >
              {STATUS_FILTER_LABEL[s]} ({anyRead ? `${counts[s]}${atLeast ? "+" : ""}` : "unknown"})
            </button>
          ))}
        </fieldset>
        <label className={styles.field}>
          <span>Kind</span>
          <select
            value={kind}
            onChange={(e) => {
              const k = e.target.value as DriftKind | "all";
              setKind(k);
              replaceQuery({ kind: k === "all" ? null : k });
            }}
          >
            <option value="all">all kinds</option>
            {DRIFT_KINDS.map((k) => (
              <option key={k} value={k}>
                {DRIFT_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ReadFailures reads={reads} onRetry={reload} />
      {!anyRead ? null : shown.length === 0 ? (
        <EmptyState>
          No {status === "all" ? "" : `${STATUS_FILTER_LABEL[status].toLowerCase()} `}drift
          {kind === "all" ? "" : ` of kind ${DRIFT_LABEL[kind]}`} in the last 7 days.
        </EmptyState>
      ) : (
        <DriftTable
          items={shown}
          names={names}
          caption={`Drift items, oldest first: ${shown.length} ${STATUS_FILTER_LABEL[status].toLowerCase()}`}
          now={now}
          maxComparisons={DRIFT_PAGE_PAIRS}
        />
      )}
      <Footnote reads={reads} />
    </section>
  );
}

const DIGEST = /^(sha256:[0-9a-f]{12})[0-9a-f]{4,}$/;

function Value({ text }: { text: string }) {
  const m = DIGEST.exec(text);
  return m ? <code title={text}>{m[1]}…</code> : <code className={styles.value}>{text}</code>;
}

/** A name when known, else the whole id (ids made together share their first digits). */
function Named({ name, id }: { name: string | null | undefined; id: string }) {
  return name ? <span title={id}>{name}</span> : <span className={`mono ${styles.value}`}>{id}</span>;
}

/** The subject's name when known; else its id, whole (ids made together share their first digits). */
function subjectName(item: DriftItem, names: Names): string | null {
  const s = item.subject;
  return s.type === "repository" ? s.name : (names[nameKey(s.type, s.id)] ?? null);
}

function subjectText(item: DriftItem, names: Names): string {
  const s = item.subject;
  return `${s.type} ${subjectName(item, names) ?? s.id}`;
}

function Subject({ item, names }: { item: DriftItem; names: Names }) {
  const s = item.subject;
  const name = subjectName(item, names);
  const text = (
    <>
      <span className={styles.subjectType}>{s.type}</span> <Named name={name} id={s.id} />
    </>
  );
  return s.type === "instance" ? <Link href={`/instances/${s.id}`}>{text}</Link> : <span>{text}</span>;
}

function Comparisons({ item, names, max }: { item: DriftItem; names: Names; max: number }) {
  const listed = item.comparisons.slice(0, max);
  const more = item.comparisons.length - listed.length + item.unlisted;
  return (
    <>
      {item.summary ? <span className={styles.summary}>{item.summary}</span> : null}
      {listed.length > 0 ? (
        <ul className={styles.pairs}>
          {listed.map((c: Comparison, i) => (
            <li key={`${i}:${c.label}`}>
              <span className={styles.pairLabel}>
                {c.label}
                {c.moduleId ? " " : null}
                {c.moduleId ? <Named name={names[nameKey("module", c.moduleId)]} id={c.moduleId} /> : null}
              </span>{" "}
              expected <Value text={c.expected} /> · actual <Value text={c.actual} />
            </li>
          ))}
        </ul>
      ) : null}
      {more > 0 ? (
        <Link href={`/fleet/events/${item.lastEventId}`} className={styles.more}>
          {more} more in the latest report
        </Link>
      ) : null}
    </>
  );
}

function Status({ item, now }: { item: DriftItem; now: number }) {
  if (item.status === "auto_resolved") {
    return (
      <>
        <span className="badge ok">auto-resolved</span>
        {item.clearedAt ? (
          <span className={styles.sub}>
            cleared <TimeAt iso={item.clearedAt} now={now} />
          </span>
        ) : null}
      </>
    );
  }
  if (item.status === "unknown") {
    return (
      <span className="badge" title="The clearings needed to tell whether it resolved could not be read">
        status unknown
      </span>
    );
  }
  return <span className="badge warn">open</span>;
}

function DriftTable({
  items,
  names,
  caption,
  now,
  maxComparisons,
}: {
  items: DriftItem[];
  names: Names;
  caption: string;
  now: number;
  maxComparisons: number;
}) {
  return (
    <ScrollRegion label={caption}>
      <table className={styles.table}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Kind</th>
            <th scope="col">Expected vs actual</th>
            <th scope="col">Age</th>
            <th scope="col">Last seen</th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.key}>
              <td>
                <Subject item={item} names={names} />
              </td>
              <td>
                <Link href={`/fleet/events/${item.lastEventId}`} title={`latest ${item.kind} event`}>
                  {DRIFT_LABEL[item.kind]}
                </Link>{" "}
                <SeverityBadge severity={item.severity} />
              </td>
              <td className={styles.pairsCell}>
                <Comparisons item={item} names={names} max={maxComparisons} />
              </td>
              <td className={styles.nowrap}>
                <span title={`first detected ${item.firstDetectedAt}`} suppressHydrationWarning>
                  {item.ageAtLeast ? "≥ " : ""}
                  {formatDuration(now - Date.parse(item.firstDetectedAt))}
                </span>
              </td>
              <td className={styles.nowrap}>
                <TimeAt iso={item.lastSeenAt} now={now} />
                <span className={styles.sub}>
                  {item.detections} report{item.detections === 1 ? "" : "s"}
                </span>
              </td>
              <td>
                <Status item={item} now={now} />
              </td>
              <td>
                <Link href={askHref(item, subjectName(item, names))} className={styles.ask}>
                  Ask the concierge
                  <span className="visually-hidden">
                    {" "}
                    about the {DRIFT_LABEL[item.kind]} of {subjectText(item, names)}
                  </span>
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
