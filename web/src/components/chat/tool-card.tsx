"use client";
// One tool call as a card: title, tool name, status in words, arguments and raw result (collapsed,
// arguments open on failure), list results as a sortable table with a chart of counts by status,
// and the approval card inline when the call waits for a person.
import Link from "next/link";
import { memo } from "react";
import { ApprovalCard } from "@/components/approval-card/approval-card";
import { CopyButton } from "@/components/shell/copy-button";
import { ScrollPre } from "@/components/shell/scroll-pre";
import { humanizeToolName, prettyJson } from "@/lib/format";
import styles from "./chat.module.css";
import { DataTable } from "./data-table";
import { ResultChart } from "./result-chart";
import { describeToolPart, type ToolStatus } from "./tool-output";

export interface ToolCallView {
  toolName: string;
  toolCallId: string;
  state: Parameters<typeof describeToolPart>[0]["state"];
  title?: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  toolMetadata?: unknown;
}

const BADGE: Record<ToolStatus, string> = {
  running: "warn",
  succeeded: "ok",
  failed: "failed",
  "awaiting approval": "pending",
  blocked: "rejected",
};

export const ToolCard = memo(function ToolCard({
  part,
  onApprovalDecided,
}: {
  part: ToolCallView;
  onApprovalDecided?: () => void;
}) {
  const view = describeToolPart(part);
  const title = part.title || humanizeToolName(part.toolName);
  const failed = view.status === "failed" || view.status === "blocked";
  const args = prettyJson(part.input ?? {});
  const raw = part.output === undefined ? null : prettyJson(part.output);
  return (
    <article aria-label={`${part.toolName} tool call`} className={styles.toolCard} data-status={view.status}>
      <div className={styles.toolHead}>
        <h3 className={styles.toolTitle}>{title}</h3>
        <code className={styles.toolName}>{part.toolName}</code>
        <span className={`badge ${BADGE[view.status]}`}>
          <span className="visually-hidden">status: </span>
          {view.status}
        </span>
      </div>
      <p className={styles.toolSummary}>
        {view.summary}
        {view.policyId && (
          <>
            {" "}
            Blocking policy:{" "}
            <Link prefetch={false} href={`/policies?policy=${encodeURIComponent(view.policyId)}`} className="mono">
              {view.policyId}
            </Link>
          </>
        )}
      </p>
      <details open={failed} className={styles.toolDetails}>
        <summary>Arguments</summary>
        <ScrollPre className={styles.json}>{args}</ScrollPre>
        <CopyButton value={args} label="Copy arguments" />
      </details>
      {view.rows && <ResultChart rows={view.rows} what={`${title} results`} more={view.more} />}
      {/* The answer below already lists what matters; the full table stays one click away. */}
      {view.rows && (
        <details className={styles.toolDetails}>
          <summary>
            Result table ({view.rows.length} {view.rows.length === 1 ? "row" : "rows"})
          </summary>
          <DataTable rows={view.rows} title={`${title} results`} toolName={part.toolName} more={view.more} />
        </details>
      )}
      {raw !== null && (
        <details className={styles.toolDetails}>
          <summary>Raw result</summary>
          <ScrollPre className={styles.json}>{raw}</ScrollPre>
          <CopyButton value={raw} label="Copy result" />
        </details>
      )}
      {view.approvalId && <ApprovalCard id={view.approvalId} onDecided={onApprovalDecided} headingLevel={4} />}
    </article>
  );
});
