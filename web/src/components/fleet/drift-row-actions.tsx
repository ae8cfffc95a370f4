"use client";
// One drift item's actions on /fleet/drift (spec/ui.md §5): Remediate, Snooze…, Resolve… and Assign
// to me, each disabled with its reason as text tied to it (aria-describedby), and Ask the concierge.
// Snooze and Resolve open a form in a row under the item: the duration (1 h / 24 h / 7 d) and a
// required reason; Enter submits, Escape closes it and focus returns to the button that opened it.
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import {
  ACTION_LABEL,
  type ActionArgs,
  type DriftAction,
  durationLabel,
  type FieldProblem,
  REASON_MAX,
  REASON_MIN,
  type Refusals,
  reasonError,
  refusalNotes,
  SNOOZE_DURATIONS,
  type SnoozeDuration,
} from "./drift-actions";
import { askHref, type DriftItem, itemText } from "./drift-items";
import styles from "./drift-queue.module.css";

export type FormAction = "snooze" | "resolve";

/** The id of the button that opens an item's form, so focus can return to it. */
export const toggleId = (action: FormAction, item: Pick<DriftItem, "id">): string => `drift-${action}-${item.id}`;

export interface RowActionsProps {
  item: DriftItem;
  refusals: Refusals;
  /** An action of this item (or a batch) is in flight. */
  busy: boolean;
  running: DriftAction | null;
  open: FormAction | null;
  onRemediate: () => void;
  onAssign: () => void;
  onToggleForm: (action: FormAction) => void;
}

/** The id of the text saying why `action` is disabled on the item (the selection checkbox points to it too). */
export function refusalNoteId(
  item: Pick<DriftItem, "id">,
  refusals: Refusals,
  action: DriftAction,
): string | undefined {
  const i = refusalNotes(refusals).findIndex((n) => n.actions.includes(action));
  return i < 0 ? undefined : `drift-why-${i}-${item.id}`;
}

export function RowActions({
  item,
  refusals,
  busy,
  running,
  open,
  onRemediate,
  onAssign,
  onToggleForm,
}: RowActionsProps) {
  const notes = refusalNotes(refusals);
  const noteId = (a: DriftAction) => refusalNoteId(item, refusals, a);
  const hidden = <span className="visually-hidden"> the {itemText(item)}</span>;
  const label = (a: DriftAction) => (running === a ? `${ACTION_LABEL[a]}…` : ACTION_LABEL[a]);
  const formButton = (a: FormAction) => (
    <button
      type="button"
      id={toggleId(a, item)}
      disabled={refusals[a] !== null || busy}
      aria-describedby={noteId(a)}
      aria-expanded={open === a}
      aria-controls={open === a ? formId(item) : undefined}
      onClick={() => onToggleForm(a)}
    >
      {label(a)}
      {hidden}
    </button>
  );
  return (
    <div className={styles.rowActions}>
      <div className={styles.buttons}>
        <button
          type="button"
          className="primary"
          disabled={refusals.remediate !== null || busy}
          aria-describedby={noteId("remediate")}
          onClick={onRemediate}
        >
          {label("remediate")}
          {hidden}
        </button>
        {formButton("snooze")}
        {formButton("resolve")}
        <button
          type="button"
          disabled={refusals.assign !== null || busy}
          aria-describedby={noteId("assign")}
          onClick={onAssign}
        >
          {label("assign")}
          {hidden}
        </button>
      </div>
      {notes.map((n, i) => (
        <span key={n.text} id={`drift-why-${i}-${item.id}`} className={styles.why}>
          {notes.length > 1 || n.actions.length < 4 ? `${n.actions.map((a) => ACTION_LABEL[a]).join(", ")}: ` : ""}
          {n.text}
        </span>
      ))}
      <Link href={askHref(item)} className={styles.ask}>
        Ask the concierge
        <span className="visually-hidden"> about the {itemText(item)}</span>
      </Link>
    </div>
  );
}

const formId = (item: Pick<DriftItem, "id">) => `drift-form-${item.id}`;
const DEFAULT_DURATION: SnoozeDuration = "24h";

export interface ActionFormProps {
  item: DriftItem;
  action: FormAction;
  busy: boolean;
  /** The server's refusal of the last submission, with the fields it named. */
  refused: { message: string; fields: FieldProblem[] } | null;
  onSubmit: (args: ActionArgs) => void;
  onCancel: () => void;
}

export function ActionForm({ item, action, busy, refused, onSubmit, onCancel }: ActionFormProps) {
  const baseId = useId();
  const [duration, setDuration] = useState<SnoozeDuration>(DEFAULT_DURATION);
  const [reason, setReason] = useState("");
  const [shownError, setShownError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    first.current?.focus();
  }, []);

  const serverReason = refused?.fields.find((f) => f.path === "reason") ?? null;
  const reasonProblem = shownError ?? (serverReason ? `${serverReason.message} (field reason)` : null);
  const verb = action === "snooze" ? `Snooze for ${durationLabel(duration)}` : "Resolve";

  return (
    <form
      id={formId(item)}
      className={styles.actionForm}
      aria-label={`${action === "snooze" ? "Snooze" : "Resolve"} the ${itemText(item)}`}
      noValidate
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        }
      }}
      onSubmit={(e) => {
        e.preventDefault();
        const problem = reasonError(reason);
        setShownError(problem);
        if (problem) {
          reasonRef.current?.focus();
          return;
        }
        onSubmit(
          action === "snooze"
            ? { action: "snooze", duration, reason: reason.trim() }
            : { action: "resolve", reason: reason.trim() },
        );
      }}
    >
      {action === "snooze" ? (
        <fieldset className={styles.durations}>
          <legend>Snooze for</legend>
          {SNOOZE_DURATIONS.map((d) => (
            <label key={d.value}>
              <input
                ref={d.value === DEFAULT_DURATION ? first : undefined}
                type="radio"
                name={`${baseId}-duration`}
                value={d.value}
                checked={duration === d.value}
                onChange={() => setDuration(d.value)}
              />{" "}
              {d.label}
            </label>
          ))}
        </fieldset>
      ) : null}
      <label className={styles.reason}>
        <span>
          Reason (required, {REASON_MIN}–{REASON_MAX} characters)
        </span>
        <input
          ref={(el) => {
            reasonRef.current = el;
            if (action === "resolve") first.current = el;
          }}
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            if (shownError) setShownError(reasonError(e.target.value));
          }}
          maxLength={REASON_MAX}
          aria-required="true"
          aria-invalid={reasonProblem ? true : undefined}
          aria-describedby={reasonProblem ? `${baseId}-reason-error` : undefined}
          autoComplete="off"
        />
      </label>
      {reasonProblem ? (
        <span id={`${baseId}-reason-error`} className={styles.fieldError} role="alert">
          {reasonProblem}
        </span>
      ) : null}
      <div className={styles.formButtons}>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? `${verb}…` : verb}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {refused && !serverReason ? (
        <div role="alert" className="error-box">
          {ACTION_LABEL[action]} refused: {refused.message}
          {refused.fields.length > 0 ? (
            <ul className={styles.fields}>
              {refused.fields.map((f) => (
                <li key={f.path}>
                  field <code>{f.path}</code>: {f.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
