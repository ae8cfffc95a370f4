"use client";
// Confirm cause / Reject cause / Add note for one suspected cause (spec/ui.md §5). The decision goes
// through POST /api/v1/actions as attribution.feedback — the same gate as every page button — and
// comes back recorded (the learning: "You confirmed this on <date>", linked), waiting for approval
// (the approval card inline), or refused (the server's message and the fields it names). Focus moves
// to the outcome so a keyboard user hears and lands on it.
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { ApprovalCard } from "@/components/approval-card/approval-card";
import { useAnnounce } from "@/components/shell/announcer";
import { type GatedOutcome, runGatedAction } from "../nodes/gated-action";
import styles from "./attribution.module.css";
import {
  type Decision,
  decisionText,
  feedbackInput,
  feedbackOutputOf,
  NOTE_MAX,
  parseNote,
  problemFields,
} from "./attribution-model";
import type { CandidateKind } from "./types";

type Result =
  | { kind: "recorded"; decision: Decision; repeated: boolean }
  | { kind: "pending"; approvalId: string; reason: string; confirmed: boolean }
  | { kind: "refused"; message: string; fields: string[] };

export interface FeedbackControlsProps {
  instanceId: string;
  target: { module_id: string; module_name: string; kind: CandidateKind };
  /** The viewer's decision the server already holds for this cause on this instance. */
  recorded: Decision | null;
  /** Why the viewer may not decide (missing scope), or null. */
  refusal: string | null;
  /** The approval card's heading level inside this control. */
  headingLevel?: 3 | 4 | 5;
}

function resultOf(outcome: GatedOutcome, confirmed: boolean): Result {
  if (outcome.status === "pending_approval") {
    return { kind: "pending", approvalId: outcome.approval_request_id, reason: outcome.reason, confirmed };
  }
  if (outcome.status === "error") {
    return { kind: "refused", message: outcome.message, fields: problemFields(outcome.problem) };
  }
  const out = feedbackOutputOf(outcome.output);
  if (!out) return { kind: "refused", message: "the server did not say which learning it recorded", fields: [] };
  return {
    kind: "recorded",
    decision: { learning_id: out.learning_id, confirmed, at: new Date().toISOString() },
    repeated: out.repeated,
  };
}

export function FeedbackControls({ instanceId, target, recorded, refusal, headingLevel = 4 }: FeedbackControlsProps) {
  const id = useId();
  const announce = useAnnounce();
  const [busy, setBusy] = useState<"confirm" | "reject" | null>(null);
  const [noteOpen, setNoteOpen] = useState(false);
  const [note, setNote] = useState("");
  const [noteError, setNoteError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [focusOutcome, setFocusOutcome] = useState(false);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const subject = `${target.module_name} as the cause`;

  useEffect(() => {
    if (!focusOutcome) return;
    setFocusOutcome(false);
    outcomeRef.current?.focus();
  }, [focusOutcome]);

  async function decide(confirmed: boolean) {
    const parsed = parseNote(note);
    if (!parsed.ok) {
      setNoteError(parsed.message);
      setNoteOpen(true);
      noteRef.current?.focus();
      return;
    }
    setNoteError(null);
    setBusy(confirmed ? "confirm" : "reject");
    const outcome = await runGatedAction(
      "attribution.feedback",
      feedbackInput(instanceId, target, confirmed, parsed.value),
    );
    const next = resultOf(outcome, confirmed);
    setBusy(null);
    setResult(next);
    setFocusOutcome(true);
    if (next.kind === "recorded") {
      setNote("");
      setNoteOpen(false);
      announce(`${decisionText(next.decision)}: ${subject}.`);
    } else if (next.kind === "pending") {
      announce(`Approval needed to record ${subject}.`);
    } else {
      announce(`Feedback refused: ${next.message}`);
    }
  }

  const shown = result?.kind === "recorded" ? result.decision : recorded;
  const reasonId = `${id}-why`;
  const noteId = `${id}-note`;
  const noteHintId = `${id}-note-hint`;
  const noteErrorId = `${id}-note-error`;
  const disabled = refusal !== null || busy !== null;

  return (
    <div className={styles.feedback}>
      <fieldset className={styles.buttons}>
        <legend className="visually-hidden">Feedback on {subject}</legend>
        <button
          type="button"
          disabled={disabled}
          aria-describedby={refusal ? reasonId : undefined}
          onClick={() => void decide(true)}
        >
          {busy === "confirm" ? "Confirming…" : "Confirm cause"}
        </button>
        <button
          type="button"
          disabled={disabled}
          aria-describedby={refusal ? reasonId : undefined}
          onClick={() => void decide(false)}
        >
          {busy === "reject" ? "Rejecting…" : "Reject cause"}
        </button>
        <button
          type="button"
          disabled={refusal !== null}
          aria-expanded={noteOpen}
          aria-controls={noteOpen ? noteId : undefined}
          onClick={() => {
            const open = !noteOpen;
            setNoteOpen(open);
            if (open) setTimeout(() => noteRef.current?.focus(), 0);
          }}
        >
          {noteOpen ? "Hide note" : note.trim() ? "Edit note" : "Add note"}
        </button>
        {refusal ? (
          <span id={reasonId} className={styles.why}>
            {refusal}
          </span>
        ) : null}
      </fieldset>
      {noteOpen ? (
        <div className={styles.note}>
          <label htmlFor={noteId}>Note (optional), sent with Confirm or Reject</label>
          <textarea
            id={noteId}
            ref={noteRef}
            value={note}
            rows={2}
            onChange={(e) => {
              setNote(e.target.value);
              if (noteError) setNoteError(null);
            }}
            aria-invalid={noteError ? true : undefined}
            aria-describedby={noteError ? `${noteHintId} ${noteErrorId}` : noteHintId}
          />
          <span id={noteHintId} className={note.trim().length > NOTE_MAX ? styles.over : styles.why}>
            {note.trim().length}/{NOTE_MAX} characters
          </span>
          {noteError ? (
            <span id={noteErrorId} className={styles.fieldError}>
              {noteError}
            </span>
          ) : null}
        </div>
      ) : null}
      <div ref={outcomeRef} tabIndex={-1} className={styles.outcome}>
        <Outcome result={result} shown={shown} headingLevel={headingLevel} />
      </div>
    </div>
  );
}

function Outcome({
  result,
  shown,
  headingLevel,
}: {
  result: Result | null;
  shown: Decision | null;
  headingLevel: 3 | 4 | 5;
}) {
  if (result?.kind === "pending") {
    return (
      <>
        <p role="status">
          {result.confirmed ? "Confirming" : "Rejecting"} this cause needs approval: {result.reason}
        </p>
        <ApprovalCard id={result.approvalId} headingLevel={headingLevel} />
      </>
    );
  }
  return (
    <>
      {result?.kind === "refused" ? (
        <div role="alert" className="error-box">
          Feedback refused: {result.message}
          {result.fields.length > 0 ? (
            <ul className={styles.fields}>
              {result.fields.map((f) => (
                <li key={f} className="mono">
                  {f}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {shown ? (
        <p role="status" className={styles.decided}>
          <Link href={`/learnings/${shown.learning_id}`}>
            <time dateTime={shown.at} title={shown.at}>
              {decisionText(shown)}
            </time>
          </Link>
          {result?.kind === "recorded" && result.repeated ? (
            <span className={styles.why}> (already recorded in the last day: the same learning was kept)</span>
          ) : null}
        </p>
      ) : null}
    </>
  );
}
