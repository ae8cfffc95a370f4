"use client";
// The concierge drawer's content: a header (Open in full, New conversation, Close), the attached
// context as a removable chip, and the chat itself — the concierge page's own components: a new
// conversation's composer, then the streamed thread of the conversation it created. Messages sent
// with the chip attached carry the entity (ask-context.ts). It has its own live region, because
// the page's is inert behind the modal dialog.
import Link from "next/link";
import { ConversationThread } from "@/components/chat/conversation-thread";
import { NewConversation } from "@/components/chat/new-conversation";
import type { ConversationDetail } from "@/lib/chat-types";
import { AnnouncerProvider } from "./announcer";
import { type AskContext, chipLabel, questionLimit, withContext } from "./ask-context";
import styles from "./concierge-drawer.module.css";

export function DrawerConversation({
  context,
  conversation,
  onStarted,
  onNew,
  onRemoveContext,
  onClose,
}: {
  context: AskContext | null;
  conversation: ConversationDetail | null;
  onStarted: (conversation: ConversationDetail) => void;
  onNew: () => void;
  onRemoveContext: () => void;
  onClose: () => void;
}) {
  const outgoing = (text: string) => withContext(text, context);
  const chips = context ? (
    <ul className={styles.chips} aria-label="Attached context">
      <li className={styles.chip}>
        <span className={styles.chipText}>{chipLabel(context)}</span>
        <button type="button" className={styles.chipRemove} onClick={onRemoveContext}>
          <span aria-hidden="true">×</span>
          <span className="visually-hidden">Remove {chipLabel(context)}</span>
        </button>
      </li>
    </ul>
  ) : null;
  return (
    <AnnouncerProvider>
      <div className={styles.inner}>
        <div className={styles.head}>
          <h2 id="concierge-drawer-title" className={styles.title}>
            Concierge
          </h2>
          {conversation ? (
            <>
              <Link href={`/chat/${encodeURIComponent(conversation.id)}`} onClick={onClose}>
                Open in full
              </Link>
              <button type="button" onClick={onNew}>
                New conversation
              </button>
            </>
          ) : null}
          <button type="button" onClick={onClose} aria-keyshortcuts="Escape">
            Close
          </button>
        </div>
        <div className={styles.body}>
          {conversation ? (
            <ConversationThread
              key={conversation.id}
              conversation={conversation}
              outgoing={outgoing}
              attachments={chips}
              maxLength={questionLimit(context)}
            />
          ) : (
            <NewConversation
              snapshot={
                <p className={styles.intro}>
                  {context
                    ? `Ask the concierge about ${chipLabel(context)}.`
                    : "Ask about the fleet, or tell the concierge what to do."}{" "}
                  Escape closes this panel; the conversation stays in your list.
                </p>
              }
              prompts={context === null}
              onStarted={onStarted}
              outgoing={outgoing}
              attachments={chips}
              maxLength={questionLimit(context)}
            />
          )}
        </div>
      </div>
    </AnnouncerProvider>
  );
}
