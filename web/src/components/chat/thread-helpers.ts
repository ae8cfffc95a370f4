// Reading a thread's messages: the text the API is sent, what an announcement says about a reply,
// and whether a reply carries approval cards.
import type { ChatMessage } from "@/lib/chat-types";

const textOf = (m: ChatMessage) =>
  m.parts
    .filter((p): p is { type: "text"; text: string } => p.type === "text")
    .map((p) => p.text)
    .join("\n")
    .trim();

/** The newest user message's text: the API takes one `{text}` per turn and keeps the history itself. */
export function lastUserText(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === "user") return textOf(m);
  }
  return "";
}

function outputOf(p: ChatMessage["parts"][number]): Record<string, unknown> | null {
  if (!("output" in p) || typeof p.output !== "object" || p.output === null) return null;
  return p.output as Record<string, unknown>;
}

/** The operations of a reply's calls that now wait for approval. */
export function pendingApprovals(m: ChatMessage): string[] {
  return m.parts.flatMap((p) => {
    const o = outputOf(p);
    return o?.status === "pending_approval" ? [typeof o.operation === "string" ? o.operation : "an action"] : [];
  });
}

export const hasApprovalCards = (messages: ChatMessage[]) => messages.some((m) => pendingApprovals(m).length > 0);

/** What the live region says when a reply completes. */
export function replyAnnouncement(m: ChatMessage): string {
  const text = textOf(m)
    .replace(/[`*_|#>-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const short = text.length > 160 ? `${text.slice(0, 159)}…` : text;
  const approvals = pendingApprovals(m);
  const gated = approvals.length ? ` Approval needed: ${approvals.join(", ")}.` : "";
  return `The concierge replied${short ? `: ${short}` : "."}${gated}`;
}

/** A conversation title from its first message. */
export function titleFrom(text: string): string {
  const line = text.split("\n")[0]!.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
