"use client";
// Approve (reason optional) or Reject (reason of at least 3 characters), echoing the digest shown;
// Edit opens the card's edit mode when the action can be edited.
import { useEffect, useId, useRef, useState } from "react";
import styles from "./approval-card.module.css";

export const MIN_REJECT_REASON = 3;
const MAX_REASON = 500;

export interface EditControl {
  onEdit: () => void;
  /** Why the action cannot be edited now; the button stays visible, disabled, with this reason. */
  unavailable: string | null;
  /** Focus the Edit button when the form appears (returning from edit mode). */
  focus: boolean;
}

export function DecisionForm({
  busy,
  disabledReason,
  onDecide,
  edit,
}: {
  busy: "approve" | "reject" | null;
  /** Set when this user may not decide (missing scope): the buttons stay visible, disabled, with why. */
  disabledReason: string | null;
  onDecide: (verdict: "approve" | "reject", reason: string) => Promise<boolean>;
  /** Null when the request has nothing an approver could edit. */
  edit: EditControl | null;
}) {
  const id = useId();
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const focusEdit = edit?.focus === true;
  useEffect(() => {
    if (focusEdit) editButton.current?.focus();
  }, [focusEdit]);
  const decide = async (verdict: "approve" | "reject") => {
    const text = reason.trim();
    if (verdict === "reject" && text.length < MIN_REJECT_REASON) {
      setInvalid(`Give a reason of at least ${MIN_REJECT_REASON} characters to reject.`);
      field.current?.focus();
      return;
    }
    setInvalid(null);
    if (await onDecide(verdict, text)) setReason("");
  };
  const disabled = busy !== null || disabledReason !== null;
  return (
    <form className={styles.form} onSubmit={(e) => e.preventDefault()}>
      <label htmlFor={`${id}-reason`}>Reason</label>
      <textarea
        id={`${id}-reason`}
        ref={field}
        rows={2}
        maxLength={MAX_REASON}
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          if (invalid && e.target.value.trim().length >= MIN_REJECT_REASON) setInvalid(null);
        }}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={`${id}-hint${invalid ? ` ${id}-invalid` : ""}`}
        disabled={disabledReason !== null}
      />
      <p id={`${id}-hint`} className={styles.muted}>
        Optional to approve; required (at least {MIN_REJECT_REASON} characters) to reject.
      </p>
      {invalid && (
        <p id={`${id}-invalid`} role="alert" className={styles.error}>
          {invalid}
        </p>
      )}
      {disabledReason && <p className={styles.muted}>{disabledReason}</p>}
      <div className={styles.buttons}>
        <button type="button" className="primary" disabled={disabled} onClick={() => void decide("approve")}>
          {busy === "approve" ? "Approving…" : "Approve"}
        </button>
        <button type="button" className="danger" disabled={disabled} onClick={() => void decide("reject")}>
          {busy === "reject" ? "Rejecting…" : "Reject"}
        </button>
        {edit && (
          <button
            type="button"
            ref={editButton}
            disabled={disabled || edit.unavailable !== null}
            aria-describedby={edit.unavailable && !disabledReason ? `${id}-edit` : undefined}
            onClick={edit.onEdit}
          >
            Edit
          </button>
        )}
      </div>
      {edit?.unavailable && !disabledReason && (
        <p id={`${id}-edit`} className={styles.muted}>
          Edit: {edit.unavailable}
        </p>
      )}
    </form>
  );
}
