// The conversation API's shapes (GET/POST /api/v1/conversations…). Messages are AI SDK v6 UI
// messages; the server adds metadata naming the model and whether the reply was stopped.
import type { UIMessage } from "ai";

export interface ChatMetadata {
  model?: string;
  stopped?: boolean;
  /** Set by the server when the turn failed part-way: `code: message`. */
  error?: string;
}

export type ChatMessage = UIMessage<ChatMetadata>;

export interface ConversationSummary {
  id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConversationDetail extends ConversationSummary {
  messages: ChatMessage[];
}

export const conversationPath = (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`;
