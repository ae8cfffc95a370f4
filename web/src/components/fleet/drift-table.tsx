"use client";
// The drift queue's table (spec/ui.md §5): subject (linked to the instance), kind with its
// severity, expected vs actual, age since first detection, last seen, the suggested remediation
// (or why there is none) and the status with its snooze end, reason, assignee and how a
// remediation stands. The page adds a selection column, the row actions and a row under an item
// for its open form; the dashboard panel shows the same cells without them.
import Link from "next/link";
import { Fragment, type ReactNode } from "react";
import {
  assigneeText,
  type Comparison,
  DRIFT_LABEL,
  type DriftItem,
  displayValue,
  noRemediationText,
  remediationText,
  STATUS_LABEL,
  STATUS_TONE,
} from "./drift-items";
import styles from "./drift-queue.module.css";
import { formatDuration } from "./format";
import { TimeAt } from "./relative-time";
import { ScrollRegion } from "./scroll-region";
import { SeverityBadge } from "./severity-badge";
import { type Names, nameKey } from "./watch-reads";

export interface ExtraColumn {
  header: ReactNode;
  cell: (item: DriftItem) => ReactNode;
  className?: string;
}

export interface DriftTableProps {
  items: readonly DriftItem[];
  names: Names;
  now: number;
  caption: string;
  maxPairs: number;
  /** Columns before the subject (the page's selection) and after the status (its actions). */
  leading?: ExtraColumn;
  trailing?: ExtraColumn;
  /** The suggested-remediation column (the page shows it; the panel leaves it out). */
  showRemediation?: boolean;
  /** A row under an item, spanning the table (the page's open form); null for none. */
  below?: (item: DriftItem) => ReactNode;
}

function Value({ text }: { text: string }) {
  const v = displayValue(text);
  return (
    <code className={styles.value} title={v.short === v.full ? undefined : v.full}>
      {v.short}
    </code>
  );
}

/** A name when known, else the whole id (ids made together share their first digits). */
function Named({ name, id }: { name: string | null | undefined; id: string }) {
  return name ? <span title={id}>{name}</span> : <span className={`mono ${styles.value}`}>{id}</span>;
}

function Subject({ item }: { item: DriftItem }) {
  const s = item.subject;
  const type = s.type === "repository" ? "GitOps repository" : s.type;
  const text = (
    <>
      <span className={styles.subjectType}>{type}</span> <Named name={s.name} id={s.id} />
    </>
  );
  const others = item.instance_ids.filter((id) => id !== s.id).length;
  return (
    <>
      {s.type === "instance" ? <Link href={`/instances/${s.id}`}>{text}</Link> : <span>{text}</span>}
      {others > 0 ? (
        <span className={styles.sub}>
          and {others} more running instance{others === 1 ? "" : "s"} of its node
        </span>
      ) : null}
    </>
  );
}

function Pair({ c, names }: { c: Comparison; names: Names }) {
  return (
    <li>
      <span className={styles.pairLabel}>
        {c.label}
        {c.module_id ? " " : null}
        {c.module_id ? <Named name={names[nameKey("module", c.module_id)]} id={c.module_id} /> : null}
      </span>{" "}
      expected <Value text={c.expected} /> · actual <Value text={c.actual} />
    </li>
  );
}

function Comparisons({ item, names, max }: { item: DriftItem; names: Names; max: number }) {
  const listed = item.comparisons.slice(0, max);
  const rest = item.comparisons.slice(max);
  return (
    <>
      {item.summary ? <span className={styles.summary}>{item.summary}</span> : null}
      {listed.length > 0 ? (
        <ul className={styles.pairs}>
          {listed.map((c, i) => (
            <Pair key={`${i}:${c.label}:${c.module_id ?? ""}`} c={c} names={names} />
          ))}
        </ul>
      ) : null}
      {rest.length > 0 ? (
        <details className={styles.more}>
          <summary>
            {rest.length} more pair{rest.length === 1 ? "" : "s"}
          </summary>
          <ul className={styles.pairs}>
            {rest.map((c, i) => (
              <Pair key={`${i}:${c.label}:${c.module_id ?? ""}`} c={c} names={names} />
            ))}
          </ul>
        </details>
      ) : null}
      {item.unlisted_comparisons > 0 ? (
        <span className={styles.sub}>and {item.unlisted_comparisons} the sensor counted but did not list</span>
      ) : null}
    </>
  );
}

function Remediation({ item }: { item: DriftItem }) {
  const s = item.suggested_remediation;
  if (s) {
    return (
      <>
        <span>{s.label}</span>
        <span className={styles.sub}>
          gated as <code>{s.action_category}</code>
        </span>
      </>
    );
  }
  const why = noRemediationText(item);
  const [head, ...tail] = why.split(": ");
  return (
    <>
      <span>{head}</span>
      {tail.length > 0 ? <span className={styles.sub}>{tail.join(": ")}</span> : null}
    </>
  );
}

function StatusCell({ item, now }: { item: DriftItem; now: number }) {
  const remediation = remediationText(item);
  const approval = item.remediation?.state === "awaiting_approval" ? item.remediation.approval_request_id : null;
  return (
    <>
      <span className={`badge ${STATUS_TONE[item.status]}`}>{STATUS_LABEL[item.status]}</span>
      {item.status === "snoozed" && item.snoozed_until ? (
        <span className={styles.sub}>
          ends <TimeAt iso={item.snoozed_until} now={now} />
        </span>
      ) : null}
      {item.status === "auto_resolved" && item.cleared_at ? (
        <span className={styles.sub}>
          cleared <TimeAt iso={item.cleared_at} now={now} />
        </span>
      ) : null}
      {item.reason ? <span className={styles.sub}>reason: {item.reason}</span> : null}
      {item.assignee ? <span className={styles.sub}>assigned to {assigneeText(item.assignee)}</span> : null}
      {remediation ? (
        <span className={styles.sub}>
          {remediation}
          {approval ? (
            <>
              {" "}
              (<Link href={`/approvals/${approval}`}>approval request</Link>)
            </>
          ) : null}
        </span>
      ) : null}
    </>
  );
}

export function DriftTable(props: DriftTableProps) {
  const { items, names, now, caption, maxPairs, leading, trailing, showRemediation = false, below } = props;
  const columns = 6 + (showRemediation ? 1 : 0) + (leading ? 1 : 0) + (trailing ? 1 : 0);
  return (
    <ScrollRegion label={caption}>
      <table className={styles.table}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {leading ? (
              <th scope="col" className={leading.className}>
                {leading.header}
              </th>
            ) : null}
            <th scope="col">Subject</th>
            <th scope="col">Kind</th>
            <th scope="col">Expected vs actual</th>
            <th scope="col">Age</th>
            <th scope="col">Last seen</th>
            {showRemediation ? <th scope="col">Suggested remediation</th> : null}
            <th scope="col">Status</th>
            {trailing ? (
              <th scope="col" className={trailing.className}>
                {trailing.header}
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const extra = below?.(item) ?? null;
            return (
              <Fragment key={item.id}>
                <tr className={extra ? styles.expanded : undefined}>
                  {leading ? <td className={leading.className}>{leading.cell(item)}</td> : null}
                  <td>
                    <Subject item={item} />
                  </td>
                  <td>
                    {DRIFT_LABEL[item.kind]} <SeverityBadge severity={item.severity} />
                  </td>
                  <td className={styles.pairsCell}>
                    <Comparisons item={item} names={names} max={maxPairs} />
                  </td>
                  <td className={styles.nowrap}>
                    <time
                      dateTime={item.first_detected_at}
                      title={`first detected ${item.first_detected_at}`}
                      suppressHydrationWarning
                    >
                      {formatDuration(now - Date.parse(item.first_detected_at))}
                    </time>
                  </td>
                  <td className={styles.nowrap}>
                    <TimeAt iso={item.last_seen_at} now={now} />
                  </td>
                  {showRemediation ? (
                    <td className={styles.remediationCell}>
                      <Remediation item={item} />
                    </td>
                  ) : null}
                  <td>
                    <StatusCell item={item} now={now} />
                  </td>
                  {trailing ? <td className={trailing.className}>{trailing.cell(item)}</td> : null}
                </tr>
                {extra ? (
                  <tr className={styles.formRow}>
                    <td colSpan={columns}>{extra}</td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
