"use client";
// The queue's table (spec/ui.md §4): status, action (category + description), target, severity,
// requester, gate reason, created, expiry countdown and approvals x/y, with a checkbox per row
// (Shift-click selects a range) and one for every row on the page.
import Link from "next/link";
import { useEffect, useRef } from "react";
import { formatDuration, relativePhrase, shortId } from "../fleet/format";
import { ScrollRegion } from "../fleet/scroll-region";
import { SeverityBadge, StatusBadge } from "../fleet/severity-badge";
import styles from "./approvals.module.css";
import { approvalProgress } from "./eligibility";
import type { ApprovalListItem } from "./types";
import type { DetailState } from "./use-approval-details";

const TARGET_PAGES: Record<string, string> = {
  instance: "/instances",
  node_instance: "/instances",
  node: "/nodes",
};

function Target({ target }: { target: { type: string; id: string } }) {
  const base = TARGET_PAGES[target.type];
  const text = `${target.type} ${shortId(target.id)}`;
  return base ? (
    <Link href={`${base}/${target.id}`} title={target.id}>
      {text}
    </Link>
  ) : (
    <span title={target.id}>{text}</span>
  );
}

function Expiry({ row, now }: { row: ApprovalListItem; now: number }) {
  const left = Date.parse(row.expires_at) - now;
  if (row.status !== "pending") return <span className={styles.muted}>—</span>;
  return (
    <time
      dateTime={row.expires_at}
      title={row.expires_at}
      suppressHydrationWarning
      className={left < 3_600_000 ? styles.soon : undefined}
    >
      {left <= 0 ? "expired" : `in ${formatDuration(left)}`}
    </time>
  );
}

export interface QueueTableProps {
  rows: readonly ApprovalListItem[];
  details: Record<string, DetailState | undefined>;
  selected: ReadonlySet<string>;
  highlighted: ReadonlySet<string>;
  now: number;
  caption: string;
  nameOf: (id: string | null) => string;
  onToggle: (index: number, checked: boolean, range: boolean) => void;
  onToggleAll: (checked: boolean) => void;
}

export function QueueTable(p: QueueTableProps) {
  const all = useRef<HTMLInputElement>(null);
  const selectedHere = p.rows.filter((r) => p.selected.has(r.id)).length;
  const allChecked = p.rows.length > 0 && selectedHere === p.rows.length;
  useEffect(() => {
    if (all.current) all.current.indeterminate = selectedHere > 0 && !allChecked;
  }, [selectedHere, allChecked]);
  return (
    <ScrollRegion label="Approval requests table">
      <table className={styles.table}>
        <caption className={styles.caption}>{p.caption}</caption>
        <thead>
          <tr>
            <th scope="col">
              <input
                ref={all}
                type="checkbox"
                aria-label="Select all on this page"
                checked={allChecked}
                onChange={(e) => p.onToggleAll(e.target.checked)}
              />
            </th>
            <th scope="col">Status</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Severity</th>
            <th scope="col">Requester</th>
            <th scope="col">Reason</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Approvals</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r, i) => {
            const d = p.details[r.id];
            const progress = approvalProgress(r, d && d !== "failed" ? d.decisions : undefined);
            const expired = r.status === "pending" && Date.parse(r.expires_at) <= p.now;
            return (
              <tr key={r.id} className={p.highlighted.has(r.id) ? styles.fresh : undefined}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.action_category} request ${shortId(r.id)}`}
                    checked={p.selected.has(r.id)}
                    onClick={(e) => p.onToggle(i, e.currentTarget.checked, e.shiftKey)}
                    onChange={() => undefined}
                  />
                </td>
                <td>
                  <StatusBadge status={expired ? "expired" : r.status} />
                  {p.highlighted.has(r.id) ? <span className={styles.newTag}>new</span> : null}
                  {r.execution_status ? <div className={styles.muted}>execution {r.execution_status}</div> : null}
                </td>
                <td className={styles.action}>
                  <Link href={`/approvals/${r.id}`} className="mono">
                    {r.action_category}
                  </Link>
                  <div>{r.description}</div>
                </td>
                <td>
                  <Target target={r.action_payload.target} />
                </td>
                <td>
                  <SeverityBadge severity={r.severity} />
                </td>
                <td>
                  {r.requested_by_user_id
                    ? p.nameOf(r.requested_by_user_id)
                    : r.requested_by_agent_id
                      ? `agent ${shortId(r.requested_by_agent_id)}`
                      : r.source}
                </td>
                <td className={styles.reason}>
                  {r.reasoning ??
                    (r.matched_policy_id ? `policy ${shortId(r.matched_policy_id)}` : "default: no matching policy")}
                </td>
                <td>
                  <time dateTime={r.created_at} title={r.created_at} suppressHydrationWarning>
                    {relativePhrase(r.created_at, p.now)}
                  </time>
                </td>
                <td>
                  <Expiry row={r} now={p.now} />
                </td>
                <td>
                  {progress.given === null ? (
                    <span className={styles.muted}>
                      {d === "failed" ? "unknown" : "…"}/{progress.needed}
                    </span>
                  ) : (
                    `${progress.given}/${progress.needed}`
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
