// The concierge page frame: conversation list beside the thread (one column on narrow screens).
import type { ReactNode } from "react";
import { FetchError } from "@/components/shell/fetch-error";
import type { ConversationSummary } from "@/lib/chat-types";
import type { Fetched } from "@/lib/server-api";
import styles from "./chat.module.css";
import { ConversationList } from "./conversation-list";

export function ConciergeLayout({
  conversations,
  activeId,
  title,
  children,
}: {
  conversations: Fetched<{ data: ConversationSummary[] }>;
  activeId: string | null;
  title: string;
  children: ReactNode;
}) {
  return (
    <div className={styles.layout}>
      <h1 className="visually-hidden">Concierge</h1>
      <aside className={styles.sidebar} aria-label="Conversations">
        {conversations.ok ? (
          <ConversationList conversations={conversations.value.data} activeId={activeId} />
        ) : (
          <FetchError what="your conversations" status={conversations.status} problem={conversations.problem} />
        )}
      </aside>
      <section className={styles.main} aria-labelledby="thread-title">
        <h2 id="thread-title" className={styles.threadTitle}>
          {title}
        </h2>
        {children}
      </section>
    </div>
  );
}
