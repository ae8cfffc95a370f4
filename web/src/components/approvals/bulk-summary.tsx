"use client";
// The result of a bulk decision, per item: approved / rejected / skipped / conflict / failed, with
// the reason, and the totals first.
import Link from "next/link";
import styles from "./approvals.module.css";
import type { ItemOutcome, ItemResult, Verdict } from "./bulk";

const ORDER: ItemOutcome[] = ["approved", "rejected", "skipped", "conflict", "failed"];

export function BulkSummary({
  verdict,
  results,
  onDismiss,
}: {
  verdict: Verdict;
  results: readonly ItemResult[];
  onDismiss: () => void;
}) {
  const counts = ORDER.map((o) => [o, results.filter((r) => r.outcome === o).length] as const).filter(
    ([o, n]) => n > 0 || o === (verdict === "approve" ? "approved" : "rejected") || o === "skipped" || o === "conflict",
  );
  return (
    <section className={styles.summary} aria-labelledby="bulk-summary-title">
      <div className={styles.summaryHead}>
        <h2 id="bulk-summary-title" className={styles.summaryTitle}>
          Bulk {verdict === "approve" ? "approval" : "rejection"} result
        </h2>
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      <p role="status" className={styles.totals}>
        {counts.map(([o, n]) => `${n} ${o}`).join(" · ")}
      </p>
      <table>
        <caption className="visually-hidden">Outcome per request</caption>
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Outcome</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/approvals/${r.id}`}>{r.label}</Link>
              </td>
              <td>
                <span className={`badge ${OUTCOME_TONE[r.outcome]}`}>{r.outcome}</span>
              </td>
              <td>{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const OUTCOME_TONE: Record<ItemOutcome, string> = {
  approved: "approved",
  rejected: "rejected",
  skipped: "neutral",
  conflict: "warn",
  failed: "failed",
};
