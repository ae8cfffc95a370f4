"use client";
// The conversation list: search by title, start a new one, open or delete one. Newest activity first.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useMemo, useState } from "react";
import { RelativeTime } from "@/components/shell/relative-time";
import { ApiError, api } from "@/lib/api-client";
import { type ConversationSummary, conversationPath } from "@/lib/chat-types";
import styles from "./chat.module.css";

const titleOf = (c: ConversationSummary) => c.title?.trim() || "Untitled conversation";

export function ConversationList({
  conversations,
  activeId,
}: {
  conversations: ConversationSummary[];
  activeId: string | null;
}) {
  const id = useId();
  const router = useRouter();
  const [query, setQuery] = useState("");
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return conversations
      .filter((c) => !removed.has(c.id) && (q === "" || titleOf(c).toLowerCase().includes(q)))
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }, [conversations, removed, query]);
  const remove = async (c: ConversationSummary) => {
    if (!window.confirm(`Delete “${titleOf(c)}”? This cannot be undone.`)) return;
    setError(null);
    try {
      await api("DELETE", conversationPath(c.id));
      setRemoved((s) => new Set(s).add(c.id));
      if (c.id === activeId) router.push("/");
    } catch (err) {
      setError(err instanceof ApiError ? (err.problem.detail ?? err.message) : "the API is unreachable");
    }
  };
  return (
    <div className={styles.list}>
      <div className={styles.listHead}>
        <h2 className={styles.listTitle}>Conversations</h2>
        <Link href="/" className={styles.newLink} aria-current={activeId === null ? "page" : undefined}>
          New conversation
        </Link>
      </div>
      <label htmlFor={`${id}-search`} className="visually-hidden">
        Search conversations
      </label>
      <input
        id={`${id}-search`}
        type="search"
        placeholder="Search conversations"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        className={styles.search}
      />
      {error && (
        <p role="alert" className={styles.errorText}>
          Could not delete: {error}
        </p>
      )}
      {shown.length === 0 ? (
        <p className={styles.hint}>
          {conversations.length === 0 ? "No conversations yet." : "No conversation matches."}
        </p>
      ) : (
        <ul className={styles.items}>
          {shown.map((c) => (
            <li key={c.id} className={c.id === activeId ? styles.activeItem : undefined}>
              <Link href={`/chat/${encodeURIComponent(c.id)}`} aria-current={c.id === activeId ? "page" : undefined}>
                <span className={styles.itemTitle}>{titleOf(c)}</span>
                <span className={styles.itemTime}>
                  <RelativeTime iso={c.updated_at} />
                </span>
              </Link>
              <button
                type="button"
                className={styles.deleteButton}
                aria-label={`Delete conversation “${titleOf(c)}”`}
                onClick={() => void remove(c)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
