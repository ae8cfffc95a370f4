"use client";
// A conversation: its messages (from the server, then streamed by useChat over the conversation's
// messages endpoint), the composer, Stop, errors with Retry, and live refresh when an approval made
// anywhere lets an action run and the conversation gains its result. In the concierge drawer,
// `outgoing` adds the attached context to what is sent and `attachments` shows its chips.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useAnnounce } from "@/components/shell/announcer";
import { useLiveEvents, useLiveResync } from "@/components/shell/live-events";
import { api, csrfToken } from "@/lib/api-client";
import { type ChatMessage, type ConversationDetail, conversationPath } from "@/lib/chat-types";
import styles from "./chat.module.css";
import { chatErrorText } from "./chat-errors";
import { Composer } from "./composer";
import { takeHandOff } from "./first-message";
import { MessageView } from "./message-view";
import { Suggestions } from "./suggestions";
import { hasApprovalCards, lastUserText, replyAnnouncement } from "./thread-helpers";

const FOLLOW_TRIES = 10;
const FOLLOW_EVERY_MS = 2_000;

export function ConversationThread({
  conversation,
  outgoing,
  attachments,
  maxLength,
}: {
  conversation: ConversationDetail;
  /** The text the API is sent for what the operator wrote. */
  outgoing?: (text: string) => string;
  attachments?: ReactNode;
  maxLength?: number;
}) {
  const id = conversation.id;
  const announce = useAnnounce();
  const [draft, setDraft] = useState("");
  const [stopped, setStopped] = useState<ReadonlySet<string>>(new Set());
  const transport = useMemo(
    () =>
      new DefaultChatTransport<ChatMessage>({
        api: `${conversationPath(id)}/messages`,
        headers: () => ({ "x-csrf-token": csrfToken() }),
        prepareSendMessagesRequest: ({ messages }) => ({ body: { text: lastUserText(messages) } }),
      }),
    [id],
  );
  const syncRef = useRef<(afterFinish?: boolean) => Promise<boolean>>(async () => false);
  const { messages, sendMessage, status, stop, error, setMessages, regenerate, clearError } = useChat<ChatMessage>({
    id,
    messages: conversation.messages,
    transport,
    onFinish: ({ message, isAbort, isError, isDisconnect }) => {
      if (isAbort) {
        setStopped((s) => new Set(s).add(message.id));
        return;
      }
      if (isError || isDisconnect) return;
      announce(replyAnnouncement(message));
      // The reply is stored before its stream ends, so the server's copy is complete now.
      void syncRef.current(true);
    },
  });
  const pending = status === "submitted" || status === "streaming";

  const messagesRef = useRef(messages);
  const pendingRef = useRef(pending);
  useEffect(() => {
    messagesRef.current = messages;
    pendingRef.current = pending;
  });

  // Replace the local copy with the server's (ids, metadata, results of approved actions). Never
  // while a reply streams, and never with a copy that has fewer messages than we show.
  // `afterFinish`: called from onFinish, when the status is ready but not yet rendered.
  const sync = useCallback(
    async (afterFinish = false): Promise<boolean> => {
      if (pendingRef.current && !afterFinish) return false;
      try {
        const res = await api<{ data: ConversationDetail }>("GET", conversationPath(id));
        const server = res.data.messages;
        const local = messagesRef.current.length;
        if ((pendingRef.current && !afterFinish) || server.length < local) return false;
        setMessages(server);
        return server.length > local;
      } catch {
        return false;
      }
    },
    [id, setMessages],
  );
  useEffect(() => {
    syncRef.current = sync;
  }, [sync]);

  // After a decision the action runs, then its result is appended: look again until it is there.
  const followTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const follow = useCallback(() => {
    clearTimeout(followTimer.current);
    let tries = 0;
    const step = async () => {
      const grew = await sync();
      if (!grew && ++tries < FOLLOW_TRIES) followTimer.current = setTimeout(step, FOLLOW_EVERY_MS);
    };
    void step();
  }, [sync]);
  useEffect(() => () => clearTimeout(followTimer.current), []);

  const watchesApprovals = hasApprovalCards(messages);
  useLiveEvents(
    () => {
      if (watchesApprovals) follow();
    },
    { kind: "autonomy.approval_*" },
  );
  useLiveResync(() => void sync());

  // A conversation started on `/` arrives here with its first message to send. Otherwise read the
  // server's copy once: a page restored from the router cache (Back) may predate replies since.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const first = takeHandOff(id);
    if (first) void sendMessage({ text: first });
    else void sync();
  }, [id, sendMessage, sync]);

  // Keep the newest message in view while the reader is at the bottom.
  const end = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    const onScroll = () => {
      atBottom.current = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => window.removeEventListener("scroll", onScroll);
  }, []);
  useEffect(() => {
    if (atBottom.current && messages.length > 0) end.current?.scrollIntoView({ block: "end" });
  }, [messages]);

  const send = (text: string) => {
    clearError();
    setDraft("");
    void sendMessage({ text: outgoing ? outgoing(text) : text });
  };
  const last = messages[messages.length - 1];
  return (
    <div className={styles.thread}>
      {messages.length === 0 && !pending && <Suggestions onPick={send} />}
      <ol className={styles.messages} aria-label="Messages">
        {messages.map((m) => (
          <MessageView
            key={m.id}
            message={m}
            stopped={m.metadata?.stopped === true || stopped.has(m.id)}
            streaming={pending && m === last && m.role === "assistant"}
            onApprovalDecided={follow}
          />
        ))}
      </ol>
      {error && (
        <div className="error-box" role="alert">
          <p className={styles.errorText}>{chatErrorText(error)}</p>
          <button type="button" onClick={() => void regenerate()}>
            Retry
          </button>
        </div>
      )}
      <div ref={end} />
      <Composer
        value={draft}
        onChange={setDraft}
        onSend={send}
        onStop={() => void stop()}
        pending={pending}
        attachments={attachments}
        maxLength={maxLength}
      />
    </div>
  );
}
