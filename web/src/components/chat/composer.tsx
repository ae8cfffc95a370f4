"use client";
// The message box: Enter sends, Shift+Enter adds a newline. While a reply is pending Send is
// disabled, "thinking…" shows, and Stop cancels the reply (keeping what was written so far).
import { type FormEvent, type KeyboardEvent, useId } from "react";
import styles from "./chat.module.css";

export function Composer({
  value,
  onChange,
  onSend,
  onStop,
  pending,
  disabled = false,
}: {
  value: string;
  onChange: (v: string) => void;
  onSend: (text: string) => void;
  onStop?: () => void;
  pending: boolean;
  disabled?: boolean;
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
      <textarea
        id={`${id}-message`}
        className={styles.input}
        rows={2}
        maxLength={4000}
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
