// /chat/<id>: one conversation, its messages rendered on the server and continued live.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConciergeLayout } from "@/components/chat/concierge-layout";
import { ConversationThread } from "@/components/chat/conversation-thread";
import { FetchError } from "@/components/shell/fetch-error";
import { type ConversationDetail, type ConversationSummary, conversationPath } from "@/lib/chat-types";
import { serverGet } from "@/lib/server-api";

type Props = { params: Promise<{ conversationId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { conversationId } = await params;
  const res = await serverGet<{ data: ConversationDetail }>(conversationPath(conversationId));
  return { title: res.ok ? res.value.data.title || "Conversation" : "Conversation" };
}

export default async function ConversationPage({ params }: Props) {
  const { conversationId } = await params;
  const [conversations, conversation] = await Promise.all([
    serverGet<{ data: ConversationSummary[] }>("/api/v1/conversations"),
    serverGet<{ data: ConversationDetail }>(conversationPath(conversationId)),
  ]);
  if (!conversation.ok && (conversation.status === 404 || conversation.status === 400)) notFound();
  return (
    <ConciergeLayout
      conversations={conversations}
      activeId={conversationId}
      title={conversation.ok ? conversation.value.data.title || "Untitled conversation" : "Conversation"}
    >
      {conversation.ok ? (
        <ConversationThread key={conversationId} conversation={conversation.value.data} />
      ) : (
        <FetchError what="this conversation" status={conversation.status} problem={conversation.problem} />
      )}
    </ConciergeLayout>
  );
}
