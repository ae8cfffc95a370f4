"use client";
// One message of the thread: the user's text as written, the concierge's text as Markdown, and
// each tool call as a card, in the order the parts arrived.
import { memo, useMemo } from "react";
import type { ChatMessage } from "@/lib/chat-types";
import styles from "./chat.module.css";
import { Markdown } from "./markdown";
import { statusChart } from "./status-chart";
import { type ToolCallView, ToolCard } from "./tool-card";
import { describeToolPart } from "./tool-output";

type Part = ChatMessage["parts"][number];

/** Dynamic tool parts, and static `tool-<name>` parts read the same way. */
function toolCallOf(part: Part): ToolCallView | null {
  if (part.type === "dynamic-tool") return part;
  if (part.type.startsWith("tool-") && "toolCallId" in part) {
    const p = part as unknown as Omit<ToolCallView, "toolName">;
    return { ...p, toolName: part.type.slice("tool-".length) };
  }
  return null;
}

export const MessageView = memo(function MessageView({
  message,
  stopped,
  streaming,
  onApprovalDecided,
}: {
  message: ChatMessage;
  stopped: boolean;
  streaming: boolean;
  onApprovalDecided?: () => void;
}) {
  const mine = message.role === "user";
  const model = message.metadata?.model;
  // A list result charted on its tool card is not charted again in the reply's table of it.
  const toolCharted = useMemo(
    () =>
      message.parts.some((p) => {
        const call = toolCallOf(p);
        const rows = call ? describeToolPart(call).rows : null;
        return rows !== null && statusChart(rows) !== null;
      }),
    [message.parts],
  );
  return (
    <li className={mine ? styles.userMessage : styles.assistantMessage} aria-busy={streaming || undefined}>
      <p className={styles.author}>
        {mine ? "You" : "Concierge"}
        {!mine && model && <span className={styles.model}> · model: {model}</span>}
      </p>
      {message.parts.map((part, i) => {
        const key = `${message.id}-${i}`;
        if (part.type === "text") {
          return mine ? (
            <p key={key} className={styles.userText}>
              {part.text}
            </p>
          ) : (
            <Markdown key={key} text={part.text} charts={!toolCharted} />
          );
        }
        if (part.type === "reasoning" && part.text.trim() !== "") {
          return (
            <details key={key} className={styles.reasoning}>
              <summary>Reasoning</summary>
              <p className={styles.userText}>{part.text}</p>
            </details>
          );
        }
        const call = toolCallOf(part);
        return call ? (
          <ToolCard key={call.toolCallId || key} part={call} onApprovalDecided={onApprovalDecided} />
        ) : null;
      })}
      {message.metadata?.error && (
        <p className={styles.stopped}>
          <span className="badge failed">interrupted</span> {message.metadata.error}
        </p>
      )}
      {stopped && (
        <p className={styles.stopped}>
          <span className="badge warn">stopped</span> The reply was stopped; the text above is what was written so far.
        </p>
      )}
    </li>
  );
});
