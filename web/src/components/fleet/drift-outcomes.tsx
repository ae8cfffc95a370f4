"use client";
// What became of the queue's actions, newest first: applied (what changed), waiting for approval
// (the approval card itself — the one component every gated action yields, spec/ui.md §1.3), or
// refused (the server's message and every field it named; a batch's ids.<i> say which item).
import { ApprovalCard } from "@/components/approval-card/approval-card";
import type { GatedOutcome } from "../nodes/gated-action";
import type { FieldProblem } from "./drift-actions";
import styles from "./drift-queue.module.css";

export interface Shown {
  key: number;
  /** "Remediate", "Remediate selected", "Snooze", … */
  label: string;
  /** What it was about: "the module drift of instance web-1-a", "3 drift items". */
  what: string;
  outcome: GatedOutcome;
  /** For applied: the sentence; for refused: the fields named. */
  text: string;
  fields: FieldProblem[];
}

export function DriftOutcomes({
  shown,
  onDismiss,
  onDecided,
}: {
  shown: readonly Shown[];
  onDismiss: (key: number) => void;
  onDecided: () => void;
}) {
  if (shown.length === 0) return null;
  return (
    <section className={styles.outcomes} aria-label="Action results">
      {shown.map((s) => (
        <div key={s.key} className={styles.outcome}>
          <Body s={s} onDecided={onDecided} />
          <button type="button" className={styles.dismiss} onClick={() => onDismiss(s.key)}>
            Dismiss<span className="visually-hidden"> this result</span>
          </button>
        </div>
      ))}
    </section>
  );
}

function Body({ s, onDecided }: { s: Shown; onDecided: () => void }) {
  const o = s.outcome;
  if (o.status === "applied") return <p className={styles.applied}>{s.text}</p>;
  if (o.status === "pending_approval") {
    return (
      <div className={styles.pending}>
        <p>
          {s.label} of {s.what} needs approval: {o.reason}
        </p>
        <ApprovalCard id={o.approval_request_id} onDecided={onDecided} headingLevel={2} />
      </div>
    );
  }
  return (
    <div role="alert" className="error-box">
      {s.label} of {s.what} refused: {o.message}
      {s.fields.length > 0 ? (
        <ul className={styles.fields}>
          {s.fields.map((f) => (
            <li key={f.path}>
              field <code>{f.path}</code>
              {f.item ? ` (the ${f.item})` : ""}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
