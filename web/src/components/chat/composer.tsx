"use client";
// The message box: Enter sends, Shift+Enter adds a newline. While a reply is pending Send is
// disabled, "thinking…" shows, and Stop cancels the reply (keeping what was written so far).
// `attachments` (context chips) show above the box.
import { type FormEvent, type KeyboardEvent, type ReactNode, useId } from "react";
import styles from "./chat.module.css";

export function Composer({
  value,
  onChange,
  onSend,
  onStop,
  pending,
  disabled = false,
  attachments,
  maxLength = 4000,
}: {
  value: string;
  onChange: (v: string) => void;
  onSend: (text: string) => void;
  onStop?: () => void;
  pending: boolean;
  disabled?: boolean;
  attachments?: ReactNode;
  /** The API takes up to 4000 characters; less when something is appended to what is typed. */
  maxLength?: number;
}) {
  const id = useId();
  const blocked = pending || disabled;
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!blocked && value.trim() !== "") onSend(value.trim());
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <form className={styles.composer} onSubmit={submit}>
      <label htmlFor={`${id}-message`} className="visually-hidden">
        Message the concierge
      </label>
      {attachments}
      <textarea
        id={`${id}-message`}
        className={styles.input}
        rows={2}
        maxLength={maxLength}
        value={value}
        placeholder="Ask about the fleet, or tell the concierge what to do…"
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={`${id}-hint`}
      />
      <div className={styles.composerBar}>
        <span id={`${id}-hint`} className={styles.hint}>
          {pending ? <span className={styles.thinking}>thinking…</span> : "Enter to send, Shift+Enter for a new line"}
        </span>
        {pending && onStop && (
          <button type="button" onClick={onStop}>
            Stop
          </button>
        )}
        <button type="submit" className="primary" disabled={blocked}>
          Send
        </button>
      </div>
    </form>
  );
}
