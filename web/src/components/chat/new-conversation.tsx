"use client";
// The concierge's start page: the fleet snapshot, suggested prompts and the composer. The first
// message creates the conversation (POST /api/v1/conversations), then its page opens and sends it.
// The concierge drawer uses it too: `onStarted` takes the new conversation instead of a navigation,
// `outgoing` adds the attached context to the first message and `attachments` shows its chips.
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import { ApiError, api } from "@/lib/api-client";
import type { ConversationDetail, ConversationSummary } from "@/lib/chat-types";
import styles from "./chat.module.css";
import { Composer } from "./composer";
import { handOff } from "./first-message";
import { Suggestions } from "./suggestions";
import { titleFrom } from "./thread-helpers";

/** `initial` prefills the composer, e.g. from `/?q=…` ("Ask the concierge" links); it is not sent until the user sends it. */
export function NewConversation({
  snapshot,
  initial = "",
  onStarted,
  outgoing,
  attachments,
  maxLength,
  prompts = true,
}: {
  snapshot: ReactNode;
  initial?: string;
  onStarted?: (conversation: ConversationDetail) => void;
  outgoing?: (text: string) => string;
  attachments?: ReactNode;
  maxLength?: number;
  /** Offer the suggested prompts. */
  prompts?: boolean;
}) {
  const router = useRouter();
  const [draft, setDraft] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async (text: string) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ data: ConversationSummary }>("POST", "/api/v1/conversations", { title: titleFrom(text) });
      handOff(res.data.id, outgoing ? outgoing(text) : text);
      if (onStarted) onStarted({ ...res.data, messages: [] });
      else router.push(`/chat/${encodeURIComponent(res.data.id)}`);
    } catch (err) {
      setDraft(text);
      setError(err instanceof ApiError ? (err.problem.detail ?? err.message) : "the API is unreachable");
      setBusy(false);
    }
  };
  return (
    <div className={styles.thread}>
      {snapshot}
      {prompts && <Suggestions onPick={(p) => void start(p)} disabled={busy} />}
      {error && (
        <div className="error-box" role="alert">
          <p className={styles.errorText}>Could not start a conversation: {error}</p>
          <button type="button" onClick={() => void start(draft.trim())} disabled={draft.trim() === ""}>
            Retry
          </button>
        </div>
      )}
      <Composer
        value={draft}
        onChange={setDraft}
        onSend={(t) => void start(t)}
        pending={busy}
        attachments={attachments}
        maxLength={maxLength}
      />
    </div>
  );
}
