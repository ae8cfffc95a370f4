// A decided request's outcome, read-only: who approved or rejected it and why, expiry, and what the
// execution came to, with its raw result.

import { ScrollPre } from "@/components/shell/scroll-pre";
import type { ApprovalRequest } from "@/lib/approval-types";
import { prettyJson } from "@/lib/format";
import styles from "./approval-card.module.css";

export function ApprovalOutcome({
  request: r,
  nameOf,
}: {
  request: ApprovalRequest;
  nameOf: (id: string | null) => string;
}) {
  const decided = r.decisions.filter((d) => d.voided_at === null);
  const rejection = decided.find((d) => d.verdict === "reject");
  return (
    <div className={styles.outcome}>
      {r.status === "approved" && (
        <p>
          Approved by{" "}
          {decided
            .filter((d) => d.verdict === "approve")
            .map((d) => nameOf(d.user_id))
            .join(", ") || "—"}
          {r.decided_at && (
            <>
              {" "}
              at <time dateTime={r.decided_at}>{r.decided_at}</time>
            </>
          )}
          .
        </p>
      )}
      {r.status === "rejected" && (
        <p>
          Rejected by {rejection ? nameOf(rejection.user_id) : "an approver"}
          {r.rejection_reason ? `: “${r.rejection_reason}”` : "."}
        </p>
      )}
      {(r.status === "expired" || (r.status === "pending" && Date.parse(r.expires_at) <= Date.now())) && (
        <p>
          Expired at <time dateTime={r.expires_at}>{r.expires_at}</time> without enough approvals; expiry counts as
          rejection.
        </p>
      )}
      {r.status === "cancelled" && <p>Cancelled; the action will not run.</p>}
      {decided
        .filter((d) => d.comment && d.verdict === "approve")
        .map((d) => (
          <p key={d.id} className={styles.muted}>
            {nameOf(d.user_id)}: “{d.comment}”
          </p>
        ))}
      {r.execution_status && (
        <p>
          Execution: <strong>{r.execution_status}</strong>
          {r.executed_at && (
            <>
              {" "}
              at <time dateTime={r.executed_at}>{r.executed_at}</time>
            </>
          )}
        </p>
      )}
      {r.execution_result && (
        <details>
          <summary>Execution result</summary>
          <ScrollPre className={styles.json}>{prettyJson(r.execution_result)}</ScrollPre>
        </details>
      )}
    </div>
  );
}
