"use client";
// The bulk confirmation (spec/ui.md §4): what will be decided, what will be skipped and why, one
// reason for all (required, ≥ 3 characters, to reject), then each item decided on its own.
import { useEffect, useId, useRef, useState } from "react";
import styles from "./approvals.module.css";
import { type BulkPlanItem, itemLabel, MIN_REJECT_REASON, type Verdict } from "./bulk";

export function BulkDialog({
  verdict,
  plan,
  progress,
  onConfirm,
  onClose,
}: {
  verdict: Verdict | null;
  plan: readonly BulkPlanItem[];
  progress: { done: number; total: number } | null;
  onConfirm: (reason: string) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const hintId = useId();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (verdict && !dialog.open) {
      setReason("");
      setTouched(false);
      dialog.showModal();
    } else if (!verdict && dialog.open) {
      dialog.close();
    }
  }, [verdict]);

  const decide = plan.filter((p) => p.skip === null);
  const skip = plan.filter((p) => p.skip !== null);
  const reasonOk = verdict !== "reject" || reason.trim().length >= MIN_REJECT_REASON;
  const running = progress !== null;
  const word = verdict === "reject" ? "rejection" : "approval";

  return (
    <dialog
      ref={ref}
      className={styles.dialog}
      aria-labelledby={titleId}
      onCancel={(e) => {
        if (running) e.preventDefault();
        else onClose();
      }}
    >
      {verdict ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            setTouched(true);
            if (reasonOk && decide.length > 0 && !running) onConfirm(reason.trim());
          }}
        >
          <h2 id={titleId} className={styles.dialogTitle}>
            {verdict === "approve" ? "Approve" : "Reject"} {decide.length} of {plan.length} selected{" "}
            {plan.length === 1 ? "request" : "requests"}
          </h2>
          <label htmlFor={reasonId} className={styles.reasonLabel}>
            {verdict === "reject" ? "Reason (required, at least 3 characters)" : "Reason (optional)"}
          </label>
          <textarea
            id={reasonId}
            value={reason}
            rows={3}
            maxLength={500}
            aria-invalid={touched && !reasonOk}
            aria-describedby={hintId}
            onChange={(e) => setReason(e.target.value)}
            onBlur={() => setTouched(true)}
          />
          <p id={hintId} className={touched && !reasonOk ? styles.invalid : styles.muted}>
            {touched && !reasonOk
              ? `A rejection needs a reason of at least ${MIN_REJECT_REASON} characters.`
              : "The same reason is recorded on every decided request."}
          </p>
          <h3 className={styles.listTitle}>Will be decided ({decide.length})</h3>
          {decide.length === 0 ? (
            <p className={styles.muted}>Nothing: every selected request is skipped.</p>
          ) : (
            <ul className={styles.planList}>
              {decide.map((p) => (
                <li key={p.row.id}>{itemLabel(p.row)}</li>
              ))}
            </ul>
          )}
          <h3 className={styles.listTitle}>Will be skipped ({skip.length})</h3>
          {skip.length === 0 ? (
            <p className={styles.muted}>None.</p>
          ) : (
            <ul className={styles.planList}>
              {skip.map((p) => (
                <li key={p.row.id}>
                  {itemLabel(p.row)} — <em>{p.skip}</em>
                </li>
              ))}
            </ul>
          )}
          <div role="status" className={styles.muted}>
            {progress ? `Deciding ${progress.done} of ${progress.total}…` : ""}
          </div>
          <div className={styles.dialogButtons}>
            <button type="button" onClick={onClose} disabled={running}>
              Cancel
            </button>
            <button
              type="submit"
              className={verdict === "reject" ? "danger" : "primary"}
              disabled={decide.length === 0 || running || (touched && !reasonOk)}
            >
              Confirm {word} of {decide.length}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
